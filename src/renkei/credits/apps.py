from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "renkei.credits"
    verbose_name = _("JCM project cycle and credits")
