"""querysafe.django with Django (6.1 in the build root): manage.py querysafe_schema writes, from the
live models, exactly the hand-written schemas of the example apps (examples/*/schema.json), and its
encryptedFields map is the one querysafe derives from those."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import querysafe
from conftest import EXAMPLES

django = pytest.importorskip("django")

APPS = Path(__file__).resolve().parent / "django_apps"


def querysafe_schema(*args, extra_env=None, check=True):
    env = dict(os.environ)
    package_dir = os.path.dirname(os.path.dirname(querysafe.__file__))
    env["PYTHONPATH"] = os.pathsep.join([str(APPS), package_dir])
    env["DJANGO_SETTINGS_MODULE"] = "settings"
    env.pop("QUERYSAFE_ENCRYPTED_SCORE", None)
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-B", "-m", "django", "querysafe_schema", *args],
                          cwd=APPS, env=env, capture_output=True, text=True, check=check)


def hand_written(app, name="schema.json"):
    return json.loads((EXAMPLES / app / name).read_text())


def test_django_is_6_1_or_later():
    assert django.VERSION[:2] >= (6, 1), django.get_version()


@pytest.mark.parametrize(
    "args, app, name, env",
    [
        (["medical"], "medical-records", "schema.json", None),
        (["risks", "--database-name", "encrypted_db"], "risk-register", "schema.json", None),
        (["risks", "--database-name", "encrypted_db"], "risk-register", "schema-encrypted-score.json",
         {"QUERYSAFE_ENCRYPTED_SCORE": "1"}),
    ],
    ids=["medical", "risks", "risks-encrypted-score"],
)
def test_generated_schema_equals_the_hand_written_one(args, app, name, env):
    out = querysafe_schema(*args, "--check", extra_env=env).stdout
    generated = json.loads(out)
    assert generated == hand_written(app, name)
    # The round trip: the same encryptedFields map as showencryptedfieldsmap would print.
    assert (querysafe.Schema.from_json(out).encrypted_fields_map_json()
            == querysafe.Schema.from_file(EXAMPLES / app / name).encrypted_fields_map_json())


def test_every_app_and_the_output_file(tmp_path):
    target = tmp_path / "schema.json"
    querysafe_schema("-o", str(target))
    models = json.loads(target.read_text())["models"]
    assert {"Patient", "PatientRecord", "Billing", "RiskAssessment", "Risk"} <= set(models)


def test_an_unknown_app_label_is_an_error():
    result = querysafe_schema("nosuchapp", check=False)
    assert result.returncode != 0
    assert "nosuchapp" in result.stderr


def django_admin(command, *args, settings="settings", extra_env=None):
    env = dict(os.environ)
    package_dir = os.path.dirname(os.path.dirname(querysafe.__file__))
    env["PYTHONPATH"] = os.pathsep.join([str(APPS), package_dir])
    env["DJANGO_SETTINGS_MODULE"] = settings
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-B", "-m", "django", command, *args],
                          cwd=APPS, env=env, capture_output=True, text=True)


def test_the_system_check_passes_valid_apps():
    result = django_admin("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_system_check_reports_refused_encrypted_fields_with_stable_ids():
    result = django_admin("check", settings="settings_broken")
    assert result.returncode == 1
    report = result.stderr
    assert "broken.Broken.ssn: (querysafe.E001) Encrypted fields do not support null=True." in report
    assert "broken.Broken.badge: (querysafe.E002)" in report
    assert "broken.Broken.score: (querysafe.E100)" in report
    assert "broken.Broken.code: (querysafe.E004) queryType 'prefixPreview' needs MongoDB 8.2" in report
    # The same models pass the version check on 8.2.
    assert "E004" not in django_admin("check", settings="settings_broken",
                                      extra_env={"QUERYSAFE_TEST_SERVER_VERSION": "8.2"}).stderr
