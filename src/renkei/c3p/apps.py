from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class C3pConfig(AppConfig):
    name = "renkei.c3p"
    verbose_name = _("C3P after adoption")
