from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompoundsConfig(AppConfig):
    name = "compounds"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Registers the registry's rollup statistics and open-data section.
        from . import opendata, rollups  # noqa: F401
