"""Voting services: the frozen roll, voting codes, ballots, the live tracker and the tally.

Every write here is a keyword-only service in one transaction that refuses an invalid state with
a message constant (tests reuse them) and appends an ``ElectionLogEntry``.

**The roll is immutable once voting is open.** ``roll_freeze`` copies the registry into
``RollEntry`` once; ``roll_entry_update`` is the only service that edits a roll entry and it
refuses as soon as the election has reached the voting stage or its opening time. Rows are never
edited outside these services (the admin shows them read-only), so a roll entry that exists while
voting is open is the one the tally counts.

**The ballot is secret.** A ballot row joins a dwelling to its choices because one dwelling, one
ballot needs the join (a unique constraint). Nothing public reads that join: receipts say only
"counted in election X", results are totals (``TallyResult.to_json``), and the staff ballot list
shows who voted, never what.

**Voting codes** are random (``secrets``), 10 characters from an alphabet without look-alikes,
printed as ``XXXXX-XXXXX``. Only an HMAC-SHA256 keyed with ``SECRET_KEY`` and the election id is
stored: a salted slow hash (``make_password``) would take minutes for a compound of thousands of
dwellings, and the codes carry 50 bits of randomness, so a keyed fast hash is enough while the
rate limit on entry (``voting_code_attempt_*``) stops guessing online.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Dwelling
from compounds.selectors import dwelling_rooms
from tongde.text import fold_width

from . import rules
from .models import (
    Ballot,
    Candidate,
    Election,
    ElectionLogEntry,
    ProxyAuthorisation,
    RollEntry,
    Vetting,
)

# Codes and receipts avoid 0/O, 1/I/L and 2/Z, which people misread on paper.
CODE_ALPHABET = "3456789ABCDEFGHJKMNPQRSTUVWXY"
CODE_LENGTH = 10
RECEIPT_LENGTH = 12

STAGE_ORDER: tuple[str, ...] = tuple(Election.Stage.values)

# Refusals, as constants so that tests and views say exactly the same thing.
ROLL_ALREADY_FROZEN = _("The voter roll of this election is already frozen.")
ROLL_NOT_FROZEN = _("The voter roll of this election has not been frozen yet.")
ROLL_LOCKED = _("The voter roll cannot change once voting is open.")
ROLL_EMPTY = _("The compound has no dwellings in the registry: there is nobody to vote.")
NO_COMMITTEE_COMPOUND = _("This election has no committee compound.")
NOT_VOTING = _("This election is not in its voting stage.")
BEFORE_OPENING = _("Voting has not opened yet: it opens at %(at)s.")
AFTER_CLOSING = _("Voting is closed: it closed at %(at)s.")
NOT_ON_ROLL = _("This dwelling is not on the voter roll of this election.")
ALREADY_VOTED = _("This dwelling has already voted in this election: one dwelling, one ballot.")
UNKNOWN_CANDIDATE = _("%(name)s is not a qualified candidate of this election.")
TOO_MANY_CHOICES = _("%(count)d names for %(seats)d seats: choose at most %(seats)d.")
DUPLICATE_CHOICE = _("%(name)s is chosen twice.")
MOTION_CHOICE = _("Choose exactly one of yes, no or abstain.")
PROXY_NOT_AUTHORISED = _("No proxy authorisation is recorded for this dwelling and this proxy.")
BAD_CHANNEL = _("Unknown channel %(value)s.")
CODE_INVALID = _("This voting code is wrong: check it against your voting slip for this election.")
CODE_USED = _("This voting code has already been used.")
CODE_RATE_LIMITED = _(
    "Too many wrong codes from your connection. Please wait %(minutes)d minutes and try again, "
    "or ask the community office."
)
ALREADY_TALLIED = _("This election has already been tallied; the tally is computed only once.")
BEFORE_VOTING_STAGE = _("The election has not reached voting yet.")


class VotingError(Exception):
    """A refusal with a message ready for the user (already translated when raised)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


class RateLimited(VotingError):
    """Too many wrong codes from one address for one election."""


# --- candidates ---------------------------------------------------------------------------------


def qualified_candidate_names(*, election: Election) -> list[str]:
    """Names on the ballot: qualified candidates who have not withdrawn, in the order they were
    nominated (for a motion, yes/no/abstain)."""
    if election.kind == Election.Kind.MOTION:
        return list(rules.MOTION_CHOICES)
    return list(
        Candidate.objects.filter(
            election=election,
            vetting__decision=Vetting.Decision.QUALIFIED,
            withdrawn_on__isnull=True,
        )
        .order_by("pk")
        .values_list("name", flat=True)
    )


def stage_reached(election: Election, stage: str) -> bool:
    return STAGE_ORDER.index(election.stage) >= STAGE_ORDER.index(stage)


def _log(election: Election, user: AbstractBaseUser | None, action: str, **detail: Any) -> None:
    ElectionLogEntry.objects.create(
        election=election,
        actor=user if user is not None and user.is_authenticated else None,
        action=action,
        detail=detail,
    )


def _locked(election: Election) -> Election:
    return Election.objects.select_for_update().select_related("committee").get(pk=election.pk)


# --- the roll -----------------------------------------------------------------------------------


@transaction.atomic
def roll_freeze(
    *, election: Election, user: AbstractBaseUser | None, now: dt.datetime | None = None
) -> int:
    """Copy every dwelling of the committee's compound onto the roll, once; return how many.

    Area, owner and developer flag are taken as the registry holds them now; later registry
    edits do not reach the roll. A second freeze is refused. ``now`` stamps the freeze (default:
    the clock), so that an election recorded after the fact keeps its own dates.
    """
    given, election = election, _locked(election)
    if election.roll_frozen_at is not None:
        raise VotingError(ROLL_ALREADY_FROZEN)
    dwellings = Dwelling.objects.filter(
        unit__building__compound_id=election.committee.compound_id
    ).values_list("pk", "area_m2", "owner_id", "is_developer_held")
    entries = [
        RollEntry(
            election=election,
            dwelling_id=pk,
            area_m2=area,
            owner_id=owner_id,
            is_developer_held=developer,
        )
        for pk, area, owner_id, developer in dwellings
    ]
    RollEntry.objects.bulk_create(entries, batch_size=2000)
    election.roll_frozen_at = given.roll_frozen_at = now or timezone.now()
    election.save(update_fields=["roll_frozen_at"])
    area = sum((e.area_m2 for e in entries), start=Decimal(0))
    _log(election, user, "roll_frozen", dwellings=len(entries), area_m2=str(area))
    return len(entries)


def roll_is_locked(election: Election, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return stage_reached(election, Election.Stage.VOTING) or (
        election.voting_opens_at is not None and now >= election.voting_opens_at
    )


@transaction.atomic
def roll_entry_update(
    *,
    roll_entry: RollEntry,
    user: AbstractBaseUser,
    area_m2: Decimal | None = None,
    owner_id: int | None = None,
    is_developer_held: bool | None = None,
    now: dt.datetime | None = None,
) -> RollEntry:
    """Correct one roll entry before voting opens; refused once it is open (``ROLL_LOCKED``)."""
    election = _locked(roll_entry.election)
    if roll_is_locked(election, now=now):
        raise VotingError(ROLL_LOCKED)
    entry = RollEntry.objects.select_for_update().get(pk=roll_entry.pk)
    before = {"area_m2": str(entry.area_m2), "owner_id": entry.owner_id}
    if area_m2 is not None:
        entry.area_m2 = area_m2
    if owner_id is not None:
        entry.owner_id = owner_id
    if is_developer_held is not None:
        entry.is_developer_held = is_developer_held
    entry.full_clean()
    entry.save()
    _log(
        election,
        user,
        "roll_corrected",
        dwelling_id=entry.dwelling_id,
        before=before,
        after={"area_m2": str(entry.area_m2), "owner_id": entry.owner_id},
    )
    return entry


# --- voting codes -------------------------------------------------------------------------------


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def format_code(raw: str) -> str:
    half = len(raw) // 2
    return f"{raw[:half]}-{raw[half:]}"


def normalise_code(code: str) -> str:
    """What the voter typed, as the alphabet writes it: case, spaces and dashes do not matter,
    nor full-width letters and digits (ＡＢＣ１２), which a Chinese input method may type."""
    return "".join(ch for ch in fold_width(code).upper() if ch.isalnum())


def voting_code_hash(*, election_id: int, code: str) -> str:
    key = f"{settings.SECRET_KEY}:voting-code:{election_id}".encode()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def voting_codes_issue(*, election: Election, user: AbstractBaseUser) -> list[tuple[Dwelling, str]]:
    """A fresh code for every dwelling of the roll, returned once for the voting notices.

    Only the hash is kept, so the codes can never be shown again. Issuing again invalidates every
    code not yet used (dwellings that voted keep their used mark) and is logged.
    """
    election = _locked(election)
    if election.roll_frozen_at is None:
        raise VotingError(ROLL_NOT_FROZEN)
    entries = list(
        RollEntry.objects.filter(election=election, voting_code_used_at__isnull=True)
        .select_related("dwelling__unit__building")
        .order_by(*dwelling_rooms("dwelling__"), "pk")
    )
    reissue = RollEntry.objects.filter(election=election).exclude(voting_code_hash="").exists()
    issued: list[tuple[Dwelling, str]] = []
    hashes: set[str] = set()
    for entry in entries:
        while True:
            code = format_code(_random_code(CODE_LENGTH))
            digest = voting_code_hash(election_id=election.pk, code=code)
            if digest not in hashes:  # two equal codes in one election would be ambiguous
                break
        hashes.add(digest)
        entry.voting_code_hash = digest
        issued.append((entry.dwelling, code))
    RollEntry.objects.bulk_update(entries, ["voting_code_hash"], batch_size=2000)
    _log(election, user, "codes_reissued" if reissue else "codes_issued", count=len(entries))
    return issued


def voting_code_entry(*, election: Election, code: str) -> RollEntry | None:
    """The roll entry whose code this is (used or not), or None."""
    digest = voting_code_hash(election_id=election.pk, code=code)
    entry = (
        RollEntry.objects.filter(election=election, voting_code_hash=digest)
        .only("pk", "voting_code_hash", "voting_code_used_at", "election_id")
        .first()
    )
    # The lookup matched on the digest already; comparing again in constant time keeps the
    # check honest should the lookup ever become a prefix or case-insensitive match.
    if entry is None or not hmac.compare_digest(entry.voting_code_hash, digest):
        return None
    return entry


# --- rate limit on code entry ------------------------------------------------------------------


def _attempts_key(scope: str, election_id: int, client: str) -> str:
    return f"committees:{scope}:{election_id}:{client}"


def _window_seconds() -> int:
    return settings.COMMITTEE_RULES["code_window_seconds"]


def _attempts(key: str) -> tuple[float, int]:
    """(when the window started, wrong entries in it); a window that has passed counts as none.

    The start is kept with the count and compared with the application's clock, so the window
    does not depend on the cache's own expiry (Redis keeps its own time)."""
    started, failures = cache.get(key, (0.0, 0))
    if timezone.now().timestamp() - started >= _window_seconds():
        return timezone.now().timestamp(), 0
    return started, failures


def attempts_check(*, scope: str, election_id: int, client: str) -> None:
    """Refuse (``RateLimited``) once ``code_attempts`` wrong entries came from ``client`` for
    this election within ``code_window_seconds``; the right code is refused too until then."""
    _, failures = _attempts(_attempts_key(scope, election_id, client))
    if failures >= settings.COMMITTEE_RULES["code_attempts"]:
        window = _window_seconds()
        raise RateLimited(CODE_RATE_LIMITED % {"minutes": max(1, -(-window // 60))})


def attempts_fail(*, scope: str, election_id: int, client: str) -> None:
    # The window runs from the first failure. Read-then-write is not atomic: two guesses racing
    # may both count as one, which a limit of a few attempts per quarter hour can afford.
    key = _attempts_key(scope, election_id, client)
    started, failures = _attempts(key)
    cache.set(key, (started, failures + 1), timeout=_window_seconds())


# --- ballots ------------------------------------------------------------------------------------


def _check_window(election: Election, now: dt.datetime) -> None:
    if election.stage != Election.Stage.VOTING:
        raise VotingError(NOT_VOTING)
    if election.voting_opens_at is not None and now < election.voting_opens_at:
        at = timezone.localtime(election.voting_opens_at)
        raise VotingError(BEFORE_OPENING % {"at": f"{at:%Y-%m-%d %H:%M}"})
    if election.voting_closes_at is not None and now >= election.voting_closes_at:
        at = timezone.localtime(election.voting_closes_at)
        raise VotingError(AFTER_CLOSING % {"at": f"{at:%Y-%m-%d %H:%M}"})
    if election.roll_frozen_at is None:
        raise VotingError(ROLL_NOT_FROZEN)


def choices_clean(*, election: Election, choices: list[str], names: list[str]) -> list[str]:
    """The choices in ballot order, or VotingError with the first problem found.

    ``names`` are the qualified candidates (``qualified_candidate_names``). An election ballot
    holds at most ``seats`` distinct candidate names (none: a blank ballot, which takes part);
    a motion ballot exactly one of yes/no/abstain.
    """
    cleaned = [c.strip() for c in choices if c and c.strip()]
    if election.kind == Election.Kind.MOTION:
        lowered = [c.lower() for c in cleaned]
        if len(lowered) != 1 or lowered[0] not in rules.MOTION_CHOICES:
            raise VotingError(MOTION_CHOICE)
        return lowered
    seen: set[str] = set()
    for name in cleaned:
        if name in seen:
            raise VotingError(DUPLICATE_CHOICE % {"name": name})
        seen.add(name)
        if name not in names:
            raise VotingError(UNKNOWN_CANDIDATE % {"name": name})
    seats = election.seats or 0
    if len(cleaned) > seats:
        raise VotingError(TOO_MANY_CHOICES % {"count": len(cleaned), "seats": seats})
    order = {name: i for i, name in enumerate(names)}
    return sorted(cleaned, key=order.__getitem__)


def new_receipt_code() -> str:
    raw = _random_code(RECEIPT_LENGTH)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def ballot_cast(
    *,
    election: Election,
    roll_entry: RollEntry,
    choices: list[str],
    channel: str,
    user: AbstractBaseUser | None = None,
    proxy: ProxyAuthorisation | None = None,
    now: dt.datetime | None = None,
) -> Ballot:
    """Record one dwelling's ballot; return it (its ``receipt_code`` goes to the voter).

    Refused, with nothing stored, outside the voting stage and window, for a dwelling not on the
    roll, for invalid choices, for a proxy without a recorded authorisation for this dwelling, and
    for a dwelling that has voted already. The roll entry is locked first so that concurrent
    ballots for one dwelling queue up; the unique constraint is the last word either way.
    """
    now = now or timezone.now()
    election = Election.objects.get(pk=election.pk)
    _check_window(election, now)
    if channel not in Ballot.Channel.values:
        raise VotingError(BAD_CHANNEL % {"value": channel})
    entry = (
        RollEntry.objects.select_for_update().filter(pk=roll_entry.pk, election=election).first()
    )
    if entry is None:
        raise VotingError(NOT_ON_ROLL)
    cleaned = choices_clean(
        election=election, choices=choices, names=qualified_candidate_names(election=election)
    )
    if (
        proxy is not None
        and not ProxyAuthorisation.objects.filter(pk=proxy.pk, roll_entry=entry).exists()
    ):
        raise VotingError(PROXY_NOT_AUTHORISED)
    if Ballot.objects.filter(election=election, roll_entry=entry).exists():
        raise VotingError(ALREADY_VOTED)
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                election=election,
                roll_entry=entry,
                choices=cleaned,
                channel=channel,
                proxy=proxy,
                receipt_code=new_receipt_code(),
                cast_at=now,
                entered_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError as exc:
        # Without the row lock (a backend that ignores it) the constraint still holds.
        if Ballot.objects.filter(election=election, roll_entry=entry).exists():
            raise VotingError(ALREADY_VOTED) from exc
        raise
    if channel == Ballot.Channel.ONLINE:
        entry.voting_code_used_at = now
        entry.save(update_fields=["voting_code_used_at"])
    # The log records that a ballot arrived and how, never for whom it is or what it says.
    _log(election, user, "ballot_cast", channel=channel)
    return ballot


@transaction.atomic
def ballot_cast_with_code(
    *, election: Election, code: str, choices: list[str], now: dt.datetime | None = None
) -> Ballot:
    """An online ballot: the voting code finds the dwelling, and is used up by the ballot."""
    entry = voting_code_entry(election=election, code=code)
    if entry is None:
        raise VotingError(CODE_INVALID)
    entry = RollEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.voting_code_used_at is not None:
        raise VotingError(CODE_USED)
    return ballot_cast(
        election=election,
        roll_entry=entry,
        choices=choices,
        channel=Ballot.Channel.ONLINE,
        now=now,
    )


def receipt_lookup(*, code: str) -> Election | None:
    """The election a receipt's ballot is counted in; nothing about the ballot itself."""
    cleaned = normalise_code(code)
    if len(cleaned) != RECEIPT_LENGTH:
        return None
    receipt = f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"
    ballot = Ballot.objects.filter(receipt_code=receipt).select_related("election").first()
    return ballot.election if ballot else None


# --- tally and tracker --------------------------------------------------------------------------


def _rules_roll(election: Election) -> list[rules.RollEntry]:
    # A plain cursor: on a roll of 100,000 dwellings the ORM's per-row conversion costs more
    # than the count itself (make bench: tally against a raw GROUP BY).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT dwelling_id, area_m2, owner_id, is_developer_held"  # noqa: S608
            f" FROM {RollEntry._meta.db_table} WHERE election_id = %s",
            [election.pk],
        )
        return [
            rules.RollEntry(
                dwelling_id=dwelling_id,
                area_m2=_decimal(area),
                owner_key=str(owner_id) if owner_id is not None else None,
                is_developer_held=bool(developer),
            )
            for dwelling_id, area, owner_id, developer in cursor.fetchall()
        ]


def _rules_ballots(election: Election) -> list[rules.Ballot]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.dwelling_id, b.choices FROM {Ballot._meta.db_table} b"  # noqa: S608
            f" JOIN {RollEntry._meta.db_table} r ON r.id = b.roll_entry_id"
            f" WHERE b.election_id = %s",
            [election.pk],
        )
        rows = cursor.fetchall()
    # Thousands of ballots share a few choice sets: parse each distinct text once.
    parsed: dict[str, frozenset[str]] = {}
    ballots = []
    for dwelling_id, choices in rows:
        text = choices if isinstance(choices, str) else json.dumps(choices)
        if text not in parsed:
            parsed[text] = frozenset(json.loads(text))
        ballots.append(rules.Ballot(dwelling_id=dwelling_id, choices=parsed[text]))
    return ballots


def roll_summary(*, election: Election) -> dict[str, Any]:
    """Dwellings, area, voting codes issued and used on the roll, in one query. The area is an
    exact Decimal with two places: SQLite sums a numeric column as a float (88053.0399999996),
    and an empty roll sums to nothing (0.00)."""
    roll = RollEntry.objects.filter(election=election).aggregate(
        dwellings=Count("pk"),
        area=Sum("area_m2"),
        coded=Count("pk", filter=~Q(voting_code_hash="")),
        used=Count("pk", filter=Q(voting_code_used_at__isnull=False)),
    )
    roll["area"] = _decimal(roll["area"] or 0)
    return roll


def ballots_by_channel(*, election: Election) -> dict[str, int]:
    """Ballots stored for ``election`` per channel, however they came (entered one by one,
    imported from a file, online): the one count of ballots every page and the log show."""
    return dict(
        Ballot.objects.filter(election=election)
        .order_by()
        .values_list("channel")
        .annotate(n=Count("pk"))
    )


def ballot_count(*, election: Election) -> int:
    return sum(ballots_by_channel(election=election).values())


def _decimal(value) -> Decimal:
    # SQLite hands back numeric columns as floats or strings; rules take exact Decimals only.
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(Decimal("0.01"))


def tally_compute(*, election: Election) -> rules.TallyResult:
    """The tally from the frozen roll and the stored ballots, stored nowhere."""
    roll = _rules_roll(election)
    ballots = _rules_ballots(election)
    if election.kind == Election.Kind.MOTION:
        return rules.tally_motion(roll, ballots, rules.Matter(election.matter))
    return rules.tally_election(
        roll,
        ballots,
        qualified_candidate_names(election=election),
        election.seats or 1,
        matter=rules.Matter(election.matter),
    )


@transaction.atomic
def election_tally(
    *, election: Election, user: AbstractBaseUser | None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Compute the tally once, store its public JSON stamped with who and when (``now``, default
    the clock), and log it."""
    given, election = election, _locked(election)
    if election.tallied_at is not None:
        raise VotingError(ALREADY_TALLIED)
    if election.roll_frozen_at is None:
        raise VotingError(ROLL_NOT_FROZEN)
    result = tally_compute(election=election)
    data = result.to_json()
    election.tally = data
    election.tallied_at = now or timezone.now()
    election.tallied_by = user if user is not None and user.is_authenticated else None
    election.save(update_fields=["tally", "tallied_at", "tallied_by"])
    # The caller's instance (the lifecycle's) sees the stamp without a reload.
    given.tally, given.tallied_at, given.tallied_by = data, election.tallied_at, election.tallied_by
    _log(
        election,
        user,
        "tallied",
        quorum_met=data["quorum_met"],
        # Two different counts: an owner of several dwellings casts several ballots.
        ballots_counted=ballot_count(election=election),
        participating_owners=result.participation.headcount,
        anomalies=len(result.anomalies),
    )
    return data


def tally_verify(*, election: Election) -> bool:
    """Recompute from the ballots and say whether the stored tally is unchanged."""
    if election.tally is None:
        return False
    return tally_compute(election=election).to_json() == election.tally


@dataclass(frozen=True)
class Tracker:
    ballots: int
    needed: rules.VotesNeeded
    names: list[str]


def voting_tracker(*, election: Election) -> Tracker | None:
    """What is still needed for quorum and for each candidate (or "yes"), or None before the
    roll is frozen."""
    if election.roll_frozen_at is None:
        return None
    roll = _rules_roll(election)
    ballots = _rules_ballots(election)
    matter = rules.Matter(election.matter)
    if election.kind == Election.Kind.MOTION:
        needed = rules.votes_needed(roll, ballots, matter=matter)
        names = [rules.YES]
    else:
        names = qualified_candidate_names(election=election)
        needed = rules.votes_needed(
            roll, ballots, matter=matter, candidates=names, seats=election.seats or 1
        )
    return Tracker(ballots=len(ballots), needed=needed, names=names)
