"""Forms and filters of the committee pages.

Forms validate input and narrow choices to what the user may touch; the rules that need other
rows (term length, one chair, at most 11 members, one current head) live in ``services``.
"""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from compounds.choices import CompoundChoiceField, CompoundChoiceFilter
from compounds.models import Community, Compound, Owner
from compounds.residents import compound_choices

from .models import Committee, CommitteeMember, Consultation
from .opinions import OPINION_MAX_LENGTH
from .selectors import (
    committee_compound_list,
    consultation_compound_list,
    internal_compound_list,
)
from .services import AMENDMENT_REASON_REQUIRED

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OWNER_REF_UNKNOWN = _("No owner with this reference in the community. Register the owner first.")
YES_NO = [("true", _("yes")), ("false", _("no"))]


class OwnerRefMixin(forms.Form):
    """An owner typed by reference (a community has thousands): optional."""

    owner_ref = forms.CharField(
        label=_("owner reference"),
        required=False,
        max_length=40,
        help_text=_("Optional: the owner's reference in the registry."),
    )

    community: Community

    def clean_owner_ref(self) -> Owner | None:
        ref = self.cleaned_data["owner_ref"].strip()
        if not ref:
            return None
        owner = Owner.objects.filter(community=self.community, owner_ref=ref).first()
        if owner is None:
            raise forms.ValidationError(OWNER_REF_UNKNOWN)
        return owner

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["owner"] = data.pop("owner_ref")
        return data


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["name", "term_starts_on", "term_ends_on", "filed_on"]
        widgets = {
            "term_starts_on": DATE_INPUT,
            "term_ends_on": DATE_INPUT,
            "filed_on": DATE_INPUT,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Left empty: named after the compound.")

    def _get_validation_exclusions(self):
        # The compound and kind are set by the service.
        return {*super()._get_validation_exclusions(), "compound", "kind", "name"}


class MemberForm(OwnerRefMixin, forms.ModelForm):
    class Meta:
        model = CommitteeMember
        fields = [
            "name",
            "owner_ref",
            "role",
            "term_starts_on",
            "term_ends_on",
            "is_party_member",
            "is_veteran",
            "is_cadre",
            "has_company_tie",
        ]
        widgets = {"term_starts_on": DATE_INPUT, "term_ends_on": DATE_INPUT}

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        self.community = committee.compound.community
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["name"].help_text = _("Left empty: the owner's name.")
        if self.instance.owner_id:
            self.fields["owner_ref"].initial = self.instance.owner.owner_ref
        if not self.instance.pk:
            self.fields["term_starts_on"].initial = committee.term_starts_on
            self.fields["term_ends_on"].initial = committee.term_ends_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("name") and not data.get("owner_ref"):
            self.add_error("name", _("Give the member's name or owner reference."))
        return data

    def _get_validation_exclusions(self):
        return {*super()._get_validation_exclusions(), "committee", "name"}


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("left on"), widget=DATE_INPUT)


class HeadForm(OwnerRefMixin, forms.Form):
    """A building head or a unit head: the same facts."""

    name = forms.CharField(
        label=_("name"),
        max_length=60,
        required=False,
        help_text=_("Left empty: the owner's name."),
    )
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    starts_on = forms.DateField(label=_("starts on"), widget=DATE_INPUT)

    field_order = ["name", "owner_ref", "phone", "starts_on"]

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        self.community = community
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("name") and not data.get("owner_ref"):
            self.add_error("name", _("Give the head's name or owner reference."))
        return data


class HeadEndForm(forms.Form):
    ends_on = forms.DateField(label=_("ends on"), widget=DATE_INPUT)


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = [
            "compound",
            "topic",
            "channel",
            "received_on",
            "resident_name",
            "opinion",
            "answer",
            "answered_on",
        ]
        # Compounds by community, then by name as people read them (``ordered_compounds``).
        field_classes = {"compound": CompoundChoiceField}
        widgets = {
            "received_on": DATE_INPUT,
            "answered_on": DATE_INPUT,
            "opinion": forms.Textarea(attrs={"rows": 3}),
            "answer": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, compounds: QuerySet[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds
        # Staff log what they heard; "online" is the resident's own channel.
        self.fields["channel"].choices = [
            choice
            for choice in self.fields["channel"].choices
            if choice[0] != Consultation.Channel.ONLINE
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("answer") and not data.get("answered_on"):
            self.add_error("answered_on", _("Give the date of the answer."))
        if data.get("answered_on") and not data.get("answer"):
            self.add_error("answer", _("Write the answer given."))
        return data


class OpinionForm(forms.Form):
    """A resident's opinion: the compound (grouped by community), a topic and the text. The
    service checks the rest (empty after trimming, the daily limit)."""

    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int)
    topic = forms.CharField(
        label=_("Topic"),
        max_length=100,
        help_text=_("A few words, e.g. “rubbish in the stairwell”."),
    )
    opinion = forms.CharField(
        label=_("Your opinion"),
        max_length=OPINION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you saw, where and since when, and what you would like done."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("One photo of what you describe: JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, compounds: QuerySet[Compound], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compounds = {c.pk: c for c in compounds}
        groups: dict[str, list[tuple[int, str]]] = {}
        for compound in compound_choices(self.compounds.values()):
            groups.setdefault(compound.community.name, []).append((compound.pk, compound.name))
        self.fields["compound"].choices = [("", _("Choose…")), *groups.items()]

    def clean_compound(self) -> Compound:
        return self.compounds[self.cleaned_data["compound"]]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 4}))
    answered_on = forms.DateField(label=_("answered on"), widget=DATE_INPUT)
    # The opinion's answer version the page was opened at: the service refuses a stale one.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class AmendAnswerForm(forms.Form):
    """A new wording of an answer already given, and why; the service keeps the old one."""

    answer = forms.CharField(label=_("amended answer"), widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(
        label=_("reason for the amendment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The resident reads that the answer was amended and when."),
        error_messages={"required": AMENDMENT_REASON_REQUIRED},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


# Filters ----------------------------------------------------------------------------------------


def _communities(request) -> QuerySet[Community]:
    ids = committee_compound_list(user=request.user).values("community_id")
    return Community.objects.filter(pk__in=ids).order_by("name")


def _compounds(request) -> QuerySet[Compound]:
    return committee_compound_list(user=request.user).filter(is_archived=False).order_by("name")


def _internal_compounds(request) -> QuerySet[Compound]:
    return internal_compound_list(user=request.user).filter(is_archived=False).order_by("name")


def _consultation_compounds(request) -> QuerySet[Compound]:
    return consultation_compound_list(user=request.user).filter(is_archived=False).order_by("name")


class CommitteeFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q")
    community = filters.ModelChoiceFilter(
        label=_("community"), queryset=_communities, field_name="compound__community"
    )
    kind = filters.ChoiceFilter(label=_("kind"), choices=Committee.Kind.choices)
    flag = filters.ChoiceFilter(
        label=_("flag"),
        method="filter_flag",
        choices=[
            ("short", _("short of members")),
            ("even", _("even number of members")),
            ("past_term", _("past its term")),
            ("company_tie", _("member tied to the company")),
        ],
    )

    class Meta:
        model = Committee
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(compound__name__icontains=value))

    def filter_flag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "company_tie":
            return queryset.filter(company_tie_count__gt=0)
        if value in {"short", "even", "past_term"}:
            return queryset.filter(**{f"is_{value}": True})
        return queryset


class ConsultationFilter(filters.FilterSet):
    q = filters.CharFilter(label=_("Search"), method="filter_q")
    compound = CompoundChoiceFilter(label=_("compound"), queryset=_consultation_compounds)
    channel = filters.ChoiceFilter(label=_("channel"), choices=Consultation.Channel.choices)
    answered = filters.ChoiceFilter(label=_("answered"), choices=YES_NO, method="filter_answered")
    received_after = filters.DateFilter(
        label=_("received from"),
        field_name="received_on",
        lookup_expr="gte",
        widget=DATE_INPUT,
    )
    received_before = filters.DateFilter(
        label=_("received until"),
        field_name="received_on",
        lookup_expr="lte",
        widget=DATE_INPUT,
    )

    class Meta:
        model = Consultation
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(topic__icontains=value) | Q(opinion__icontains=value) | Q(answer__icontains=value)
        )

    def filter_answered(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "true":
            return queryset.filter(answered_on__isnull=False)
        if value == "false":
            return queryset.filter(answered_on__isnull=True)
        return queryset
