"""Settings of the Django test project: querysafe.django and the two example apps' models.

The dummy database backend: querysafe_schema reads models only and never connects; NAME is the
MongoDB database the schema names."""

SECRET_KEY = "querysafe-tests"
INSTALLED_APPS = ["querysafe.django", "medical", "risks"]
DATABASES = {"default": {"ENGINE": "django.db.backends.dummy", "NAME": "medical_records"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
