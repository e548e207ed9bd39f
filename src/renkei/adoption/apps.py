from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdoptionConfig(AppConfig):
    name = "renkei.adoption"
    verbose_name = _("Selection and adoption")
