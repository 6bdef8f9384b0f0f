from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlarmsConfig(AppConfig):
    name = "linli.alarms"
    label = "alarms"
    verbose_name = _("One-key alarm")
