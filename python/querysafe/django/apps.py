from django.apps import AppConfig


class QuerysafeConfig(AppConfig):
    name = "querysafe.django"
    label = "querysafe"
    verbose_name = "querysafe"

    def ready(self):
        from django.core.signals import setting_changed

        from . import checks  # noqa: F401 - registers the system check
        from . import guard

        # QUERYSAFE["GUARD"]: the runtime guard (guard.py); override_settings in tests turns it
        # on and off through setting_changed.
        guard.configure()
        setting_changed.connect(guard._on_setting_changed)
