"""querysafe for Django: add "querysafe.django" to INSTALLED_APPS.

- ``manage.py querysafe_schema [app_label...]`` writes querysafe's schema JSON from the live models
  (``schema_from_models`` here does it from Python).
- ``manage.py check`` reports encrypted-field definitions MongoDB would refuse (querysafe.E001...).

django-mongodb-backend's fields are read through their public attributes (``queries``,
``embedded_model``, ``embedded_models``, ``base_field``, ``size``) and class names, so this app
works without that package installed and never imports it.
"""

from .schema import schema_from_models

__all__ = ["schema_from_models"]
