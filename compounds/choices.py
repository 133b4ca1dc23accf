"""Choices of people and compounds in forms and filters, in the order people read them.

The database sorts names as text ("小区10" before "小区2", 供电局 before 帝豪 by character code,
a login name before a full name), so the fields here order their queryset themselves when they
list it. Compounds: by community, then by name in pinyin order with numbers by value, in SQL on
PostgreSQL through the ``tongde_zh`` collation (migration 0008); elsewhere (SQLite) in Python,
in natural order of the names (``residents.compound_choices``). People: by the name shown, then by
id so that namesakes keep one order. The queryset still decides what may be chosen and validates
the submitted value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django_filters
from django import forms
from django.db import connections
from django.db.models import Case, QuerySet, Value, When
from django.db.models.functions import Collate
from django_filters.fields import ModelChoiceField as ModelChoiceFilterField
from django_filters.fields import ModelMultipleChoiceField as ModelMultipleChoiceFilterField

from .models import Compound
from .residents import compound_choices, natural_key
from .selectors import CHINESE_COLLATION


def ordered_compounds(queryset: QuerySet[Compound], *, managed_first: bool = False) -> list:
    """``queryset``'s compounds by community, then (with ``managed_first``) the managed compounds
    before the courtyards, then by name as people read it: 帝豪花园 before 供电局家属院, 楼院2号
    before 楼院14号. One query."""
    if connections[queryset.db].vendor == "postgresql":
        keys: list[Any] = [Collate("community__name", CHINESE_COLLATION)]
        if managed_first:
            keys.append(Case(When(kind=Compound.Kind.MANAGED, then=Value(0)), default=Value(1)))
        keys += [Collate("name", CHINESE_COLLATION), "pk"]
        return list(queryset.select_related("community").order_by(*keys))
    objects = compound_choices(queryset.select_related("community"))
    if managed_first:  # a stable sort keeps the names' order within each group
        objects.sort(key=lambda c: (c.community.name, c.kind != Compound.Kind.MANAGED))
    return objects


def display_name(user: Any) -> str:
    """A user as people know them: the full name, else the login name."""
    return user.get_full_name() or user.get_username()


def person_key(user: Any) -> tuple:
    """Sort key of a person: the name shown, in natural order, then the id."""
    return (natural_key(display_name(user)), user.pk)


class _SortedIterator(forms.models.ModelChoiceIterator):
    def sort(self, objects: list[Any]) -> list[Any]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.sort(list(self.queryset)):
            yield self.choice(obj)


class PersonIterator(_SortedIterator):
    def sort(self, objects: list[Any]) -> list[Any]:
        return sorted(objects, key=person_key)


class CompoundIterator(forms.models.ModelChoiceIterator):
    managed_first = False

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in ordered_compounds(self.queryset, managed_first=self.managed_first):
            yield self.choice(obj)


class ManagedFirstCompoundIterator(CompoundIterator):
    managed_first = True


class PersonChoiceMixin:
    """People listed and labelled by the name shown (the login name only when there is none)."""

    iterator = PersonIterator

    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class CompoundChoiceMixin:
    """Compounds by community, then by name as people read them (``ordered_compounds``)."""

    iterator = CompoundIterator


class ManagedFirstCompoundChoiceMixin:
    """As ``CompoundChoiceMixin``, the managed compounds of each community before its
    courtyards: where inspections and complaints are mostly about compounds a company serves."""

    iterator = ManagedFirstCompoundIterator


class CompoundChoiceField(CompoundChoiceMixin, forms.ModelChoiceField):
    pass


class CompoundMultipleChoiceField(CompoundChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class ManagedFirstCompoundChoiceField(ManagedFirstCompoundChoiceMixin, forms.ModelChoiceField):
    pass


# django-filter's fields (they accept the filter's extra arguments) and filters using them.


class CompoundFilterField(CompoundChoiceMixin, ModelChoiceFilterField):
    pass


class CompoundMultipleFilterField(CompoundChoiceMixin, ModelMultipleChoiceFilterField):
    pass


class ManagedFirstCompoundFilterField(ManagedFirstCompoundChoiceMixin, ModelChoiceFilterField):
    pass


class CompoundChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by compound, listed in the order of ``ordered_compounds``."""

    field_class = CompoundFilterField


class CompoundMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = CompoundMultipleFilterField


class ManagedFirstCompoundChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter by compound, the managed compounds first (as ``ManagedFirstCompoundChoiceMixin``)."""

    field_class = ManagedFirstCompoundFilterField
