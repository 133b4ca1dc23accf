"""Choices of people and compounds in forms and filters, in the order people read them.

The database sorts names as text ("小区10" before "小区2", a login name before a full name), so
the fields here sort their queryset in Python when they list it: compounds by community, then in
natural order of their names (``residents.compound_choices``, as the registration form does);
people by the name shown, then by id so that namesakes keep one order. The queryset still
decides what may be chosen and validates the submitted value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms

from .residents import compound_choices, natural_key


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


class CompoundIterator(_SortedIterator):
    def sort(self, objects: list[Any]) -> list[Any]:
        return compound_choices(objects)


class PersonChoiceMixin:
    """People listed and labelled by the name shown (the login name only when there is none)."""

    iterator = PersonIterator

    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class CompoundChoiceMixin:
    """Compounds by community, then in natural order; the queryset should
    ``select_related("community")``."""

    iterator = CompoundIterator


class CompoundChoiceField(CompoundChoiceMixin, forms.ModelChoiceField):
    pass
