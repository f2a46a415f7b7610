from django.apps import AppConfig


class QuerysafeConfig(AppConfig):
    name = "querysafe.django"
    label = "querysafe"
    verbose_name = "querysafe"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system check
