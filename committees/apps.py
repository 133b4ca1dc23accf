from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees and elections")

    def ready(self) -> None:
        # Registers the committees' rollup statistics and open-data section.
        from . import opendata, rollups  # noqa: F401
