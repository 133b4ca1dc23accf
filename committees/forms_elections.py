"""Forms of the election pages. They validate input and narrow choices; the rules that span rows
(stages, vetting, objections) live in ``committees.elections``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from compounds.models import Owner

from .candidates import WITHDRAWAL_REASON_REQUIRED
from .elections import CANDIDATE_OWNER_REQUIRED
from .models import Committee, Election, Vetting
from .rules import Matter

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

# ``rules.Matter.label`` is plain English (rules.py imports no Django); listed here so that
# makemessages extracts the msgids that views translate at display time.
MATTER_LABEL_MSGIDS = (
    gettext_noop("Adopt or amend the rules of procedure of the owners' assembly"),
    gettext_noop("Adopt or amend the management covenant"),
    gettext_noop("Elect the owners' committee or replace its members"),
    gettext_noop("Engage or dismiss the property company or another manager"),
    gettext_noop("Use the maintenance fund of the buildings and their facilities"),
    gettext_noop("Raise the maintenance fund of the buildings and their facilities"),
    gettext_noop("Alter or rebuild the buildings and their facilities"),
    gettext_noop("Change the use of common parts or use them for business"),
    gettext_noop("Other major matters of common ownership and joint management"),
)

MET_CHOICES = [("", _("not yet checked")), ("yes", _("met")), ("no", _("not met"))]


def matter_choices() -> list[tuple[int, str]]:
    """Art. 278's own wording first, then the plain label in the reader's language, unless
    that is the same wording (a Chinese reader)."""
    choices = []
    for m in Matter:
        label = gettext(m.label)
        text = f"{m.value}. {m.zh}" if label == m.zh else f"{m.value}. {m.zh} ({label})"
        choices.append((m.value, text))
    return choices


class ElectionForm(forms.Form):
    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), label=_("committee"))
    kind = forms.ChoiceField(choices=Election.Kind.choices, label=_("kind"))
    matter = forms.TypedChoiceField(
        coerce=int,
        label=_("matter (Civil Code Art. 278)"),
        initial=Matter.ELECT_COMMITTEE,
        help_text=_("A committee election decides matter 3; a motion any of the nine."),
    )
    title = forms.CharField(max_length=200, label=_("title"))
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label=_("motion text / notice"),
        help_text=_(
            "What owners read on the publicity board and the result page: for a motion, the "
            "text put to the vote."
        ),
    )
    seats = forms.IntegerField(
        min_value=1,
        required=False,
        label=_("seats"),
    )

    def __init__(self, *args: Any, committees: QuerySet[Committee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees
        self.fields["matter"].choices = matter_choices()
        rules = settings.COMMITTEE_RULES
        self.fields["seats"].help_text = _(
            "Committee elections only: an odd number of members, from %(min)s to %(max)s."
        ) % {"min": rules["min_members"], "max": rules["max_members"]}


class CandidateForm(forms.Form):
    name = forms.CharField(max_length=60, label=_("Full name"))
    owner = forms.ModelChoiceField(
        queryset=Owner.objects.none(),
        label=_("owner"),
        help_text=_(
            "The candidate's owner record: a committee candidate must own a dwelling of the "
            "compound."
        ),
        error_messages={"required": CANDIDATE_OWNER_REQUIRED},
    )
    nominated_on = forms.DateField(widget=DATE_INPUT, label=_("nominated on"))
    is_party_member = forms.BooleanField(required=False, label=_("Party member"))
    is_veteran = forms.BooleanField(required=False, label=_("veteran"))
    is_cadre = forms.BooleanField(required=False, label=_("cadre or retired cadre"))
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, owners: QuerySet[Owner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["statement"].label = _("statement")


class CandidateWithdrawalForm(forms.Form):
    """The candidate's own withdrawal; the date and reason rules are the service's."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("reason for withdrawal"),
        help_text=_("As the candidate gave it, e.g. in a signed letter."),
        error_messages={"required": WITHDRAWAL_REASON_REQUIRED},
    )
    withdrawn_on = forms.DateField(widget=DATE_INPUT, label=_("withdrawn on"))


class VettingForm(forms.Form):
    """One row of three fields per condition, then the decision and its reason."""

    decision = forms.ChoiceField(choices=Vetting.Decision.choices, label=_("decision"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("reason"),
        help_text=_("Required when the candidate is not qualified."),
    )

    def __init__(self, *args: Any, vetting: Vetting, **kwargs: Any) -> None:
        items = {item.condition: item for item in vetting.items.all()}
        initial = {"decision": vetting.decision, "reason": vetting.reason}
        for condition in Vetting.Condition.values:
            item = items.get(condition)
            met = "" if item is None or item.is_met is None else ("yes" if item.is_met else "no")
            initial[f"{condition}_met"] = met
            initial[f"{condition}_evidence"] = item.evidence if item else ""
            initial[f"{condition}_note"] = item.note if item else ""
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for condition, label in Vetting.Condition.choices:
            # Rendered bare in a table row (the row names the condition), hence the classes.
            self.fields[f"{condition}_met"] = forms.ChoiceField(
                choices=MET_CHOICES,
                required=False,
                label=label,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"{condition}_evidence"] = forms.CharField(
                max_length=200,
                required=False,
                label=_("evidence"),
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[f"{condition}_note"] = forms.CharField(
                max_length=200,
                required=False,
                label=_("note"),
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def condition_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"{c}_met"], self[f"{c}_evidence"], self[f"{c}_note"])
            for c in Vetting.Condition.values
        ]

    def items(self) -> dict[str, Any]:
        from .elections import ItemInput

        data = self.cleaned_data
        return {
            c: ItemInput(
                is_met={"yes": True, "no": False}.get(data.get(f"{c}_met") or ""),
                evidence=data.get(f"{c}_evidence", ""),
                note=data.get(f"{c}_note", ""),
            )
            for c in Vetting.Condition.values
        }


class ObjectionForm(forms.Form):
    raised_by = forms.CharField(max_length=100, label=_("raised by"))
    raised_on = forms.DateField(widget=DATE_INPUT, label=_("raised on"))
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("objection"))


class ObjectionAnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("written answer"))
    answered_on = forms.DateField(widget=DATE_INPUT, label=_("answered on"))


class VotingWindowForm(forms.Form):
    voting_opens_at = forms.DateTimeField(
        widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, label=_("voting opens at")
    )
    voting_closes_at = forms.DateTimeField(
        widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS, label=_("voting closes at")
    )
