from django.apps import AppConfig


class QuerysafeConfig(AppConfig):
    name = "querysafe.django"
    label = "querysafe"
    verbose_name = "querysafe"
