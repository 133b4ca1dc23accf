from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TongdeConfig(AppConfig):
    name = "tongde"
    verbose_name = _("Tongde")

    def ready(self) -> None:
        from .forms import fold_number_fields

        fold_number_fields()
