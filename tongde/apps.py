from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TongdeConfig(AppConfig):
    name = "tongde"
    verbose_name = _("Tongde")
