from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "renkei.reviews"
    verbose_name = _("Screening and review")
