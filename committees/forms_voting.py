"""Forms for ballots: staff entry of paper ballots, upload of ballot files, online voting."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.imports import FILE_EMPTY, FILE_TOO_LARGE, detect_format
from tongde.text import fold_width

from . import rules, voting
from .models import Ballot, Election, ProxyAuthorisation, RollEntry

PAPER_CHANNELS = [
    (Ballot.Channel.DOOR_TO_DOOR, Ballot.Channel.DOOR_TO_DOOR.label),
    (Ballot.Channel.ON_SITE, Ballot.Channel.ON_SITE.label),
]
MOTION_LABELS = {rules.YES: _("yes"), rules.NO: _("no"), rules.ABSTAIN: _("abstain")}

UNKNOWN_DWELLING = _("No dwelling %(value)s on the voter roll of this election.")
AMBIGUOUS_DWELLING = _(
    "Dwelling %(value)s exists in several buildings or units: write building/unit/dwelling."
)


def roll_entry_find(*, election: Election, text: str) -> RollEntry:
    """The roll entry for a dwelling code, or ``building/unit/dwelling`` when codes repeat.

    Full-width digits and slashes (１０１, １／２／１０１) read as the codes they look like."""
    text = fold_width(text)
    qs = RollEntry.objects.filter(election=election).select_related("dwelling__unit__building")
    parts = [p.strip() for p in text.split("/")]
    if len(parts) == 3:
        qs = qs.filter(
            dwelling__unit__building__code=parts[0],
            dwelling__unit__code=parts[1],
            dwelling__code=parts[2],
        )
    else:
        qs = qs.filter(dwelling__code=text)
    found = list(qs[:2])
    if not found:
        raise forms.ValidationError(UNKNOWN_DWELLING % {"value": text})
    if len(found) > 1:
        raise forms.ValidationError(AMBIGUOUS_DWELLING % {"value": text})
    return found[0]


def _choice_field(election: Election, names: list[str]) -> forms.Field:
    if election.kind == Election.Kind.MOTION:
        return forms.ChoiceField(
            label=_("Vote"),
            choices=[(n, MOTION_LABELS[n]) for n in rules.MOTION_CHOICES],
            widget=forms.RadioSelect,
        )
    return forms.MultipleChoiceField(
        label=_("Candidates approved"),
        help_text=_("At most %(seats)d. None ticked is a blank ballot, which still takes part.")
        % {"seats": election.seats or 0},
        choices=[(n, n) for n in names],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _as_list(value) -> list[str]:
    if value in (None, ""):
        return []
    return [value] if isinstance(value, str) else list(value)


class BallotEntryForm(forms.Form):
    """A paper ballot entered by staff: the dwelling, its choices, how it came, and any proxy."""

    dwelling = forms.CharField(
        label=_("Dwelling"),
        max_length=100,
        help_text=_("Its code, e.g. 101; building/unit/dwelling where codes repeat."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=PAPER_CHANNELS)
    proxy_name = forms.CharField(
        label=_("Proxy"),
        max_length=60,
        required=False,
        help_text=_("Only if a proxy voted for the owner: the name on the recorded authorisation."),
    )

    def __init__(self, *args, election: Election, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.election = election
        self.names = voting.qualified_candidate_names(election=election)
        self.fields["choices"] = _choice_field(election, self.names)
        self.order_fields(["dwelling", "choices", "channel", "proxy_name"])

    def clean_dwelling(self) -> RollEntry:
        return roll_entry_find(election=self.election, text=self.cleaned_data["dwelling"])

    def clean_choices(self) -> list[str]:
        return _as_list(self.cleaned_data.get("choices"))

    def clean(self):
        data = super().clean()
        entry, name = data.get("dwelling"), data.get("proxy_name")
        data["proxy"] = None
        if entry is not None and name:
            proxy = ProxyAuthorisation.objects.filter(roll_entry=entry, proxy_name=name).first()
            if proxy is None:
                self.add_error("proxy_name", voting.PROXY_NOT_AUTHORISED)
            data["proxy"] = proxy
        return data


class BallotUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ballot file"),
        help_text=_(
            "Excel (.xlsx) or CSV (UTF-8 or GBK) with the columns dwelling, choices, channel, "
            "proxy_for."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTRY_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                FILE_TOO_LARGE % {"size": f"{upload.size:,}", "limit": f"{limit:,}"}
            )
        if upload.size == 0:
            raise forms.ValidationError(FILE_EMPTY)
        data = upload.read()
        upload.seek(0)
        _fmt, error = detect_format(data, upload.name)
        if error:
            raise forms.ValidationError(error)
        return upload


def open_elections():
    """Elections taking ballots now: in their voting stage, inside the window, roll frozen."""
    now = timezone.now()
    return (
        Election.objects.filter(stage=Election.Stage.VOTING, roll_frozen_at__isnull=False)
        .exclude(voting_opens_at__gt=now)
        .exclude(voting_closes_at__lte=now)
        .select_related("committee__compound")
        .order_by("committee__compound__name", "pk")
    )


class _ElectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Election) -> str:
        return f"{obj.committee.compound.name} · {obj.title}"


class VotingCodeForm(forms.Form):
    election = _ElectionChoiceField(
        label=_("Election or motion"), queryset=Election.objects.none(), empty_label=None
    )
    code = forms.CharField(
        label=_("Voting code"),
        max_length=30,
        help_text=_("Printed on your voting notice, e.g. ABCDE-FGHJK."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = open_elections()


class OnlineBallotForm(forms.Form):
    """The ballot a resident fills in after entering a valid code (carried in hidden fields)."""

    election = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(max_length=30, widget=forms.HiddenInput)

    def __init__(self, *args, election: Election, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.election = election
        self.fields["choices"] = _choice_field(
            election, voting.qualified_candidate_names(election=election)
        )

    def clean_choices(self) -> list[str]:
        return _as_list(self.cleaned_data.get("choices"))


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
