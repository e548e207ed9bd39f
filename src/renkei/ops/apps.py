from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "renkei.ops"
    label = "ops"
    verbose_name = "Operations"
