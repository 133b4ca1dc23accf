"""The door picker: a resident's home chosen in three short lists, building (楼) → unit (单元) →
door (室), instead of one list of every door of the compound (hundreds on a phone).

``DoorPickerForm`` is the base of every form that picks a dwelling of one compound (the public
registration, "My homes" and the service desk). It works in two ways:

- Without JavaScript, step by step: after the building and the unit a "next" button
  (``name="step"``) sends the form; the view answers with the same form filled from what was
  sent (``DoorPickerForm.next_step``), not checked, and the next list filled. Enter in a text
  field presses a form's first submit button, so each page puts a visually hidden copy of its
  own button first (``compounds/residents/_enter_submits.html``): Enter sends the form, and a
  door not chosen yet is asked for on its field, never a mere step.
- With JavaScript (``static/js/door-picker.js``) the lower lists fill in place from the
  compound's doors, embedded in the page by the building's widget (``json_script``: ids and
  codes only, what the single list showed before) and the "next" buttons are taken away.

Either way the server checks the whole choice: the door must be one of the chosen unit, of the
chosen building, of the form's compound; a wrong step says so on its own field, and the first
missing step is the one asked for.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import residents
from .models import Compound, Dwelling

STEP = "step"
CHOOSE = _("Choose…")
BUILDING_FIRST = _("Choose the building first")
UNIT_FIRST = _("Choose the unit first")
BUILDING_REQUIRED = _("Choose your building.")
UNIT_REQUIRED = _("Choose your unit.")
DOOR_REQUIRED = _("Choose your door.")
NOT_A_BUILDING = _("Choose a building of this compound.")
NOT_A_UNIT = _("Choose a unit of the chosen building.")
NOT_A_DOOR = _("Choose a door of the chosen unit.")
# Not sent back into the page after a step: passwords are never shown again.
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "once", STEP, "password1", "password2"})


class StepSelect(forms.Select):
    """A select followed by a button that sends the form to show the next list (without
    JavaScript); the building's also carries the compound's doors for the script."""

    template_name = "compounds/widgets/step_select.html"

    def __init__(self, *, step: str, step_label: Any, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.step, self.step_label = step, step_label
        self.tree: residents.DoorTree | None = None

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget.update(step=self.step, step_label=self.step_label, tree=self.tree)
        if self.tree is not None:
            widget["tree_id"] = f"{widget['attrs'].get('id') or name}-doors"
            widget["attrs"]["data-door-tree"] = widget["tree_id"]
        return context


def _find(options: list, raw: Any) -> tuple | None:
    """The option whose id is ``raw``; the only option when there is just one."""
    for option in options:
        if str(option[0]) == str(raw):
            return option
    return options[0] if len(options) == 1 else None


class DoorPickerForm(forms.Form):
    """Building, unit and door of ``compound``; ``cleaned_data["dwelling"]`` is the Dwelling
    (the building and unit are only the way to it and are not in ``cleaned_data``)."""

    building = forms.TypedChoiceField(
        label=_("Building"),
        coerce=int,
        error_messages={"required": BUILDING_REQUIRED, "invalid_choice": NOT_A_BUILDING},
        widget=StepSelect(step="unit", step_label=_("Show its units")),
    )
    unit = forms.TypedChoiceField(
        label=_("Unit"),
        coerce=int,
        error_messages={"required": UNIT_REQUIRED, "invalid_choice": NOT_A_UNIT},
        widget=StepSelect(step="dwelling", step_label=_("Show its doors")),
    )
    dwelling = forms.TypedChoiceField(
        label=_("Door"),
        coerce=int,
        error_messages={"required": DOOR_REQUIRED, "invalid_choice": NOT_A_DOOR},
    )

    def __init__(self, *args: Any, compound: Compound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.compound = compound
        tree = residents.door_tree(compound)
        building = _find(tree, self._picked("building"))
        units = building[2] if building else []
        unit = _find(units, self._picked("unit"))
        doors = unit[2] if unit else []
        levels = (
            ("building", tree, CHOOSE, building),
            ("unit", units, BUILDING_FIRST, unit),
            ("dwelling", doors, UNIT_FIRST, None),
        )
        for name, options, waiting, picked in levels:
            field = self.fields[name]
            empty = CHOOSE if options else waiting
            field.choices = [("", empty), *((option[0], option[1]) for option in options)]
            field.widget.attrs.update(
                {"data-door-level": name, "data-choose": CHOOSE, "data-waiting": waiting}
            )
            if picked is not None and not self.is_bound:
                self.initial[name] = picked[0]  # the only building or unit: chosen already
        self.fields["building"].widget.tree = tree

    @classmethod
    def next_step(cls, request: HttpRequest, **kwargs: Any) -> DoorPickerForm | None:
        """Without JavaScript, a "next" button was pressed: the form again, as it was sent,
        unchecked (nothing is saved), with the next list filled. None for any other request."""
        if request.method != "POST" or not request.POST.get(STEP):
            return None
        kept = {k: v for k, v in request.POST.dict().items() if k not in NOT_KEPT}
        form = cls(initial=kept, **kwargs)
        following = request.POST[STEP]
        if following in ("unit", "dwelling"):  # the page comes back at the list to choose from
            form.fields[following].widget.attrs["autofocus"] = True
        return form

    def _picked(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        steps = ("building", "unit", "dwelling")
        for n, name in enumerate(steps):
            if name in self.errors:
                # Only the first wrong or missing step is named: the later lists follow it.
                for later in steps[n + 1 :]:
                    self._errors.pop(later, None)
                    data.pop(later, None)
                return data
        building, unit = data.pop("building"), data.pop("unit")
        dwelling = (
            Dwelling.objects.select_related("unit__building__compound")
            .filter(
                pk=data["dwelling"],
                unit_id=unit,
                unit__building_id=building,
                unit__building__compound=self.compound,
            )
            .first()
        )
        if dwelling is None:  # gone since the page was shown
            self.add_error("dwelling", NOT_A_DOOR)
        else:
            data["dwelling"] = dwelling
        return data
