"""Form behaviour every app shares.

``fold_number_fields`` makes Django's number fields (``IntegerField``, ``DecimalField``,
``FloatField`` and their subclasses, the ones model forms generate among them) read what a
Chinese input method types: ``１２．５``, ``－３``, ``1,234``. It wraps their ``to_python`` once, at
start-up (``TongdeConfig.ready``), rather than asking every form to use a base class or field of
its own: a form, formset, filter or admin page written tomorrow gets it without remembering to,
and no form in the project can be left out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms

from .text import fold_number

NUMBER_FIELDS: tuple[type[forms.Field], ...] = (
    forms.IntegerField,
    forms.DecimalField,
    forms.FloatField,
)


def _folding(to_python: Callable[[forms.Field, Any], Any]) -> Callable[[forms.Field, Any], Any]:
    @functools.wraps(to_python)
    def wrapper(self: forms.Field, value: Any) -> Any:
        if isinstance(value, str):
            value = fold_number(value)
        return to_python(self, value)

    wrapper.folds_number = True  # type: ignore[attr-defined]
    return wrapper


def fold_number_fields() -> None:
    """Fold the raw value of every number field before Django parses it. Safe to call twice."""
    for field_class in NUMBER_FIELDS:
        # Each class defines its own to_python (FloatField skips IntegerField's), so each is
        # wrapped once and no value is folded twice.
        current = field_class.__dict__["to_python"]
        if not getattr(current, "folds_number", False):
            field_class.to_python = _folding(current)


SEARCH_MAX_LENGTH = 100


class SearchForm(forms.Form):
    """A list's search box (``?q=``). Django's ``CharField`` refuses a NUL character (which
    PostgreSQL cannot hold in a query) and, here, a text longer than anything worth searching,
    each with its own translated message; the list then shows unfiltered, with the message under
    the box."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH)

    @property
    def query(self) -> str:
        """What to search for: the typed text, stripped; nothing when it was refused."""
        return self.cleaned_data["q"] if self.is_valid() else ""
