from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "renkei.grants"
    verbose_name = _("Grant administration")
