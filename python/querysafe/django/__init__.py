"""querysafe for Django: add "querysafe.django" to INSTALLED_APPS.

- ``manage.py querysafe_schema [app_label...]`` writes querysafe's schema JSON from the live models
  (``schema_from_models`` here does it from Python).
- ``manage.py check`` reports encrypted-field definitions MongoDB would refuse (querysafe.E001...).
- ``check(queryset)`` checks a live QuerySet and returns its translation (queryset_check.py);
  ``query_text(queryset)`` gives the QuerySet expression and parameters it checks.
- ``QUERYSAFE = {"GUARD": True}``: the runtime guard checks every query sent to an encrypted
  database (guard.py).

django-mongodb-backend's fields are read through their public attributes (``queries``,
``embedded_model``, ``embedded_models``, ``base_field``, ``size``) and class names, so this app
works without that package installed and never imports it.
"""

from .schema import schema_from_models

__all__ = ["check", "query_text", "schema_from_models", "UnmappedQuery"]


def __getattr__(name):
    # queryset_check.py imports django.db.models and the native module: loaded on first use.
    if name in ("check", "query_text", "UnmappedQuery"):
        from . import queryset_check

        return getattr(queryset_check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
