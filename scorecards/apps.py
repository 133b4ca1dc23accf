import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = _("Scorecards")

    def ready(self) -> None:
        # Registers the scorecards' rollup statistics and open-data section, and the task module
        # (each may not exist yet while the app is being built).
        for module in ("opendata", "rollups", "tasks", "tasks_scoring", "public"):
            try:
                importlib.import_module(f"{self.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{self.name}.{module}":
                    raise
