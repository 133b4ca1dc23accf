from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        # Registers the campaigns' rollup statistics and open-data sections.
        from . import opendata, rollups, rollups_patrols  # noqa: F401
