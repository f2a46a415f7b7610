"""Settings of the medical-records example: the project `django_qe` of MongoDB's tutorial
"Queryable Encryption with Django MongoDB Backend", with querysafe's app added.

The tutorial connects to MongoDB with django-mongodb-backend and routes the medical_records app to
an "encrypted" alias (database medical_records, with its KMS and key vault options). Here both
aliases use Django's dummy backend: querysafe_schema, querysafe_lint and the system check read the
models and the sources only, so the example runs without a server. NAME is the MongoDB database
each alias stands for, which is the schema's "database".
"""

import importlib.util
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Without django-mongodb-backend (Debian does not package it), models.py takes its classes from
# the stand-ins querysafe's tests keep in one file: python/tests/django_apps/mongodb_standins.py.
# With the package installed, they are not used.
if importlib.util.find_spec("django_mongodb_backend") is None:
    sys.path.append(str(BASE_DIR.parent.parent / "python" / "tests" / "django_apps"))

SECRET_KEY = "django-medical-example-not-secret"
DEBUG = True
INSTALLED_APPS = [
    "medical_records",
    "querysafe.django",
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.dummy", "NAME": "db"},
    "encrypted": {"ENGINE": "django.db.backends.dummy", "NAME": "medical_records"},
}
DATABASE_ROUTERS = ["medical_records.routers.EncryptedRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
QUERYSAFE = {"SERVER_VERSION": "8.0"}
