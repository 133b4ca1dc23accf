"""Import paper ballots from an .xlsx or CSV file: every row checked, all saved or none."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from committees import ballot_import
from committees.models import Election


class Command(BaseCommand):
    help = (
        "Import paper ballots for an election from .xlsx or CSV (UTF-8 or GBK) with the columns "
        "dwelling, choices, channel, proxy_for. Every row is checked first; a file with any bad "
        "row saves nothing and every problem is listed with its row and column."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("election_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", help="username recorded as having entered the ballots (default: none)"
        )
        parser.add_argument(
            "--check", action="store_true", help="check the file only; save nothing"
        )

    def handle(self, *args, election_id: int, file: Path, user=None, check=False, **options):
        election = Election.objects.filter(pk=election_id).first()
        if election is None:
            raise CommandError(f"no election with id {election_id}")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}")
        if check:
            result = ballot_import.ballot_file_check(
                election=election, data=data, filename=file.name
            )
            if result.errors:
                self._fail(result.errors)
            self.stdout.write(f"{len(result.rows)} ballots would be imported; nothing saved")
            return
        try:
            count = ballot_import.ballot_import(
                election=election, data=data, filename=file.name, user=actor
            )
        except ballot_import.BallotImportInvalid as exc:
            self._fail(exc.errors)
        self.stdout.write(self.style.SUCCESS(f"{count} ballots imported into {election}"))

    def _fail(self, errors) -> None:
        for line in ballot_import.described(errors):
            self.stderr.write(str(line))
        raise CommandError(str(ballot_import.IMPORT_INVALID % {"count": len(errors)}))
