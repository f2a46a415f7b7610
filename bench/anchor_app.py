"""The anchor's Django app, made once for the scripts that time Django against querysafe
(django_anchor.py, django_check.py): the Patient model of the anchor schema
(tests/data/conformance/schemas/anchor.json) in a throwaway app, on SQLite in memory, the two
anchor queries as QuerySets, and the timing both scripts use."""

import os
import sys
import tempfile
import time

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


Patient = Q = None  # bound by setup(), once Django is configured


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
    global Patient, Q
    from anchorapp.models import Patient
    from django.db.models import Q


# The two anchor queries (tests/data/conformance), as QuerySets; call them after setup().
def simple():
    return Patient.objects.filter(ssn="987-65-4320")


def three_predicate():
    return (
        Patient.objects.filter(Q(ssn="987-65-4320") | Q(score__gte=5), patient_name__startswith="J")
        .exclude(patient_id__in=[1, 2, 3])
        .order_by("-assessed_on")[:10]
    )


def best_of_5(fn, n):
    """Seconds per call of `fn`: the best of 5 rounds of `n` calls, after n/10 calls to warm up."""
    for _ in range(n // 10):
        fn()
    best = None
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        dt = (time.perf_counter() - t) / n
        best = dt if best is None else min(best, dt)
    return best
