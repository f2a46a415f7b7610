"""The test project with the app of refused encrypted-field definitions (broken/)."""

from settings import *  # noqa: F401,F403

INSTALLED_APPS = INSTALLED_APPS + ["broken"]  # noqa: F405
QUERYSAFE = {"SERVER_VERSION": "8.0"}

import os  # noqa: E402

QUERYSAFE["SERVER_VERSION"] = os.environ.get("QUERYSAFE_TEST_SERVER_VERSION", "8.0")
