"""The anchor's Django app, made once for the scripts that time Django against querysafe
(django_anchor.py, django_check.py): the Patient model of the anchor schema
(tests/data/conformance/schemas/anchor.json) in a throwaway app, on SQLite in memory."""

import os
import sys
import tempfile

import django
from django.conf import settings

MODELS = (
    "from django.db import models\n"
    "class Patient(models.Model):\n"
    "    patient_name = models.CharField(max_length=255)\n"
    "    patient_id = models.BigIntegerField()\n"
    "    ssn = models.CharField(max_length=11)\n"
    "    score = models.PositiveSmallIntegerField()\n"
    "    assessed_on = models.DateField()\n"
    "    class Meta:\n"
    "        app_label = 'anchorapp'\n"
)


def setup(**extra_settings):
    """Writes the app to a temporary directory, configures Django for it and runs
    django.setup(); `extra_settings` are added to the configuration."""
    app_dir = tempfile.mkdtemp()
    os.makedirs(os.path.join(app_dir, "anchorapp"))
    open(os.path.join(app_dir, "anchorapp", "__init__.py"), "w").close()
    with open(os.path.join(app_dir, "anchorapp", "models.py"), "w") as f:
        f.write(MODELS)
    sys.path.insert(0, app_dir)
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=["anchorapp"],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        **extra_settings,
    )
    django.setup()
