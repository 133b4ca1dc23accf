"""Print the Art. 278 tally of an election: the stored one, or a fresh count when not yet tallied."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from committees import voting
from committees.models import Election


class Command(BaseCommand):
    help = (
        "Print the tally of an election or motion. A tallied election prints its stored tally "
        "(and whether recomputing it from the ballots gives the same); one not yet tallied is "
        "counted from the ballots so far without storing anything."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("election_id", type=int)
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="print the tally as JSON only"
        )

    def handle(self, *args, election_id: int, as_json: bool = False, **options) -> None:
        election = Election.objects.filter(pk=election_id).first()
        if election is None:
            raise CommandError(f"no election with id {election_id}")
        if election.roll_frozen_at is None:
            raise CommandError(str(voting.ROLL_NOT_FROZEN))
        stored = election.tally is not None
        data = election.tally if stored else voting.tally_compute(election=election).to_json()
        if as_json:
            self.stdout.write(_dumps(data))
            if not stored:
                # On stderr so that the JSON on stdout stays machine-readable.
                self.stderr.write("not tallied yet: computed from the ballots so far, not stored")
            return
        self.stdout.write(f"{election.title} (#{election.pk})")
        if stored:
            unchanged = voting.tally_verify(election=election)
            self.stdout.write(
                f"tallied at {timezone.localtime(election.tallied_at):%Y-%m-%d %H:%M} by {election.tallied_by or '-'}; "
                + ("recomputed from the ballots: unchanged" if unchanged else "RECOMPUTED: DIFFERS")
            )
        else:
            self.stdout.write("not tallied yet: computed from the ballots so far, not stored")
        p = data["participation"]
        self.stdout.write(
            f"participation: {p['area_m2']} of {p['area_total_m2']} m², "
            f"{p['headcount']} of {p['headcount_total']} heads; "
            f"quorum {'met' if data['quorum_met'] else 'NOT met'}"
        )
        for r in data["results"]:
            mark = "elected" if r["elected"] else ("passed" if r["passed"] else "-")
            self.stdout.write(
                f"  {r['name']}: {r['approve_area_m2']} m², {r['approve_headcount']} heads  {mark}"
            )
        if data["ties"]:
            self.stdout.write("ties for the last seat: " + ", ".join(data["ties"]))


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
