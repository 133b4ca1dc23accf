from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compounds.demo import DEMO_PASSWORD, demo_load
from compounds.models import Membership
from compounds.selectors import registry_counts

ROLE_LABELS = {
    **{role.value: role.label for role in Membership.Role},
    "superuser": gettext_lazy("superuser"),
    "": gettext_lazy("resident (no role)"),
}


class Command(BaseCommand):
    help = (
        "Build the Tongde Lane demo community (同德巷社区) from the seed's figures. Idempotent: "
        "only missing rows are created, and existing passwords are never reset."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="Password for demo accounts created by this run (default: %(default)s).",
        )

    def handle(self, *args, password: str, **options) -> None:
        try:
            result = demo_load(password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        made = sum(result.created.values())
        if made:
            details = ", ".join(
                f"{n} {model._meta.verbose_name_plural}" for model, n in result.created.items() if n
            )
            self.stdout.write(self.style.SUCCESS(_("Created: %(details)s.") % {"details": details}))
        else:
            self.stdout.write(_("The demo was complete already: nothing was created."))

        counts = registry_counts(compounds=result.community.compounds.filter(is_archived=False))
        self.stdout.write(
            _(
                "%(community)s: %(managed)s managed compounds, %(courtyards)s courtyards, "
                "%(buildings)s buildings, %(units)s units, %(households)s households, "
                "%(residents)s residents."
            )
            % {
                "community": result.community.name,
                "managed": counts["managed_compounds"],
                "courtyards": counts["courtyards"],
                "buildings": counts["buildings"],
                "units": counts["units"],
                "households": counts["households"],
                "residents": counts["residents"],
            }
        )

        self._load_app_demos()

        self.stdout.write("")
        self.stdout.write(_("Demo accounts:"))
        for account in result.accounts:
            if account.created:
                secret = result.password
            else:
                secret = _("(existed already: password unchanged)")
            self.stdout.write(
                f"  {account.username:<10} {ROLE_LABELS[account.role]!s:<24} {secret}"
            )
        self.stdout.write(
            _("Grid workers grid-2 … grid-%(last)s got the same password when they were created.")
            % {"last": result.grid_workers}
        )

    def _load_app_demos(self) -> None:
        """Every other installed app with a ``demo`` module adds its part with ``load(stdout=)``.

        Discovered rather than imported by name, so that the registry never imports the apps
        that stand on it; each ``load`` is idempotent like the registry's.
        """
        for config in apps.get_app_configs():
            if config.name == "compounds":
                continue
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            if callable(getattr(module, "load", None)):
                module.load(stdout=self.stdout)
