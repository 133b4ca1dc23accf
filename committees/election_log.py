"""The election log's details as readable text, in the reader's language.

The log stores each entry's details as JSON with internal keys and values (stage codes, ISO
dates, ids); entries are never edited, so the reading side translates them, old keys included:
a tally logged before the counts were named says ``ballots`` for what was the number of
participating owners (the headcount), not the number of ballots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .elections import WARNINGS, stage_label
from .models import Ballot, Candidate, Election, ElectionLogEntry, Vetting
from .rules import Matter


def matter_label(value: Any) -> str:
    """A Civil Code matter by its number and its label in the reader's language."""
    try:
        matter = Matter(int(value))
    except (TypeError, ValueError):
        return str(value)
    return f"{matter.value}. {gettext(matter.label)}"


def _choice(choices: type) -> Callable[[Any], str]:
    labels = dict(choices.choices)
    return lambda value: str(labels.get(value, value))


def _datetime(value: Any) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATETIME_FORMAT")


def _date(value: Any) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value)


def _yes_no(value: Any) -> str:
    return str(_("yes") if value else _("no"))


def _number(value: Any) -> str:
    return formats.localize(value, use_l10n=True)


def _text(value: Any) -> str:
    return str(value)


def _list(value: Any) -> str:
    return " · ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _warnings(value: Any) -> str:
    """Warnings logged as codes with their figures; entries logged before that kept the text
    in the language of whoever moved the stage, and show it as it is."""
    if not isinstance(value, list):
        return str(value)
    texts = []
    for warning in value:
        if isinstance(warning, dict) and warning.get("code") in WARNINGS:
            params = {k: v for k, v in warning.items() if k != "code"}
            try:
                texts.append(str(WARNINGS[warning["code"]]) % params)
                continue
            except (KeyError, TypeError):  # figures missing: show what the log holds
                pass
        texts.append(str(warning))
    return _list(texts)


def _channels(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    label = _choice(Ballot.Channel)
    return " · ".join(f"{label(channel)} {_number(n)}" for channel, n in value.items())


def _roll_entry(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    parts = []
    if value.get("area_m2") is not None:
        parts.append(gettext("%(area)s m²") % {"area": value["area_m2"]})
    if "owner_id" in value:
        parts.append(
            gettext("owner no. %(id)s") % {"id": value["owner_id"]}
            if value["owner_id"] is not None
            else gettext("no owner")
        )
    return " · ".join(parts)


def _candidate_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, dict):  # an owner, by id and name
        return str(value.get("name", value))
    return str(value)


# A candidate is a person: "name" reads as 名称 (a thing's name) without this.
CHANGE_LABELS = {"name": _("Full name")}


def _cleared_items(value: Any) -> str:
    if not isinstance(value, list):
        return str(value)
    show = _choice(Vetting.Condition)
    return _list([show(item.get("condition", "")) for item in value if isinstance(item, dict)])


def _changes(value: Any) -> str:
    """A candidate's correction: each field by its label, before → after, in the order of the
    form (jsonb keeps keys in an order of its own)."""
    if not isinstance(value, dict):
        return str(value)
    order = {f.name: n for n, f in enumerate(Candidate._meta.fields)}
    parts = []
    for field, change in sorted(value.items(), key=lambda item: order.get(item[0], len(order))):
        try:
            label = capfirst(
                CHANGE_LABELS.get(field) or Candidate._meta.get_field(field).verbose_name
            )
        except FieldDoesNotExist:  # a field since removed: show its code
            label = field
        if not isinstance(change, dict):
            parts.append(f"{label} {change}")
            continue
        show = _date if field == "nominated_on" else _candidate_value
        before, after = change.get("before"), change.get("after")
        parts.append(
            gettext("%(field)s: %(before)s → %(after)s")
            % {
                "field": label,
                "before": show(before) if before not in (None, "") else "—",
                "after": show(after) if after not in (None, "") else "—",
            }
        )
    return " · ".join(parts)


# key -> (label, how to show the value). Ids of rows (candidate, objection, proxy) are left out:
# the name or dwelling next to them says the same to a reader.
FIELDS: dict[str, tuple[Any, Callable[[Any], str]]] = {
    "kind": (_("Kind"), _choice(Election.Kind)),
    "matter": (_("Matter"), matter_label),
    "seats": (_("Seats"), _number),
    "title": (_("Title"), _text),
    "at": (_("At"), _datetime),
    "from": (_("From stage"), _choice(Election.Stage)),
    "to": (_("To stage"), _choice(Election.Stage)),
    "stage": (_("Stage"), _choice(Election.Stage)),
    "warnings": (_("Warnings"), _warnings),
    "roll_entries": (_("Dwellings on the roll"), _number),
    "quorum_met": (_("Quorum met"), _yes_no),
    "opens_at": (_("Opens at"), _datetime),
    "closes_at": (_("Closes at"), _datetime),
    "name": (_("Candidate"), _text),
    "decision": (_("Vetting decision"), _choice(Vetting.Decision)),
    "previous": (_("Earlier decision"), _choice(Vetting.Decision)),
    "reason": (_("Reason"), _text),
    "unmet": (_("Conditions not met"), lambda v: _list([_choice(Vetting.Condition)(c) for c in v])),
    "raised_by": (_("Raised by"), _text),
    "raised_on": (_("Raised on"), _date),
    "content": (_("Objection"), _text),
    "answered_on": (_("Answered on"), _date),
    "answer": (_("Answer"), _text),
    "dwellings": (_("Dwellings on the roll"), _number),
    "area_m2": (_("Area (m²)"), _text),
    "dwelling": (_("Dwelling"), _text),
    "before": (_("Roll entry before"), _roll_entry),
    "after": (_("Roll entry after"), _roll_entry),
    "count": (_("Voting codes"), _number),
    "file": (_("File"), _text),
    "ballots": (_("Ballots"), _number),
    "channels": (_("Channels"), _channels),
    "proxy_name": (_("Proxy"), _text),
    "ballots_counted": (_("Ballots counted"), _number),
    "participating_owners": (_("Participating owners"), _number),
    "anomalies": (_("Anomalies"), _number),
    "changes": (_("Changes"), _changes),
    "vetting_reopened": (_("Vetting reopened, it was"), _choice(Vetting.Decision)),
    "vetting_items_cleared": (_("Checked conditions cleared"), _cleared_items),
    "withdrawn_on": (_("Withdrawn on"), _date),
}
STAGE_KEYS = {"from", "to", "stage"}
HIDDEN = {"candidate", "objection", "proxy", "dwelling_id"}
# Older entries under a key that meant something else for that action.
OLD_KEYS = {("tallied", "ballots"): "participating_owners"}


def log_detail(entry: ElectionLogEntry, *, kind: str = "") -> list[tuple[str, str]]:
    """``(label, value)`` pairs for an entry's details, in the order they were logged, without
    empty values (a motion's seats); a key this module does not know is shown as it is rather
    than hidden."""
    detail = entry.detail if isinstance(entry.detail, dict) else {"detail": entry.detail}
    pairs = []
    for key, value in detail.items():
        if key in HIDDEN or value is None or value in ("", []):
            continue
        key = OLD_KEYS.get((entry.action, key), key)
        label, show = FIELDS.get(key, (key, _text))
        if key in STAGE_KEYS:
            show = partial(stage_label, kind)
        pairs.append((str(label), show(value)))
    return pairs
