"""examples/django-medical, the medical-records app of MongoDB's Django QE tutorial as a Django
project (Django 6.1 in the build root): querysafe_schema writes the hand-written
examples/medical-records/schema.json from its models, and querysafe_lint (as a management command
and as `python -m querysafe lint`) finds exactly the mistakes planted in its views module: every
line marked `# planted: QS<code>`, with that code, and nothing else; querysafe.django.check accepts
and refuses the app's live QuerySets as querysafe does their text."""

import json
import os
import re
import subprocess
import sys

import pytest

import querysafe
from conftest import EXAMPLES

django = pytest.importorskip("django")

PROJECT = EXAMPLES / "django-medical"
VIEWS = PROJECT / "medical_records" / "views.py"
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>QS\d+) (?P<message>.+)$")


def run(*args):
    env = dict(os.environ)
    package_dir = os.path.dirname(os.path.dirname(querysafe.__file__))
    env["PYTHONPATH"] = package_dir
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-B", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True)


def planted():
    """(line, code) of every `# planted: CODE` comment in the views module."""
    out = set()
    for number, line in enumerate(VIEWS.read_text(encoding="utf-8").splitlines(), 1):
        m = re.search(r"# planted: (QS\d+)\s*$", line)
        if m:
            out.add((number, m.group(1)))
    return out


def findings(stdout):
    out = []
    for line in stdout.splitlines():
        m = FINDING.match(line)
        assert m, f"not a flake8-style line: {line!r}"
        out.append(m)
    return out


def test_the_generated_schema_is_the_hand_written_one():
    result = run("manage.py", "querysafe_schema", "medical_records", "--database", "encrypted",
                 "--check")
    assert result.returncode == 0, result.stderr
    expected = json.loads((EXAMPLES / "medical-records" / "schema.json").read_text())
    assert json.loads(result.stdout) == expected


def test_the_system_check_passes():
    result = run("manage.py", "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_views_hold_sixteen_planted_mistakes_and_correct_queries():
    # The test's own premise: the markers are there, and so are queries that must pass.
    assert len(planted()) == 16
    text = VIEWS.read_text(encoding="utf-8")
    assert 'Patient.objects.get(patient_record__ssn=request.GET["ssn"])' in text


@pytest.mark.parametrize("command", [
    ["manage.py", "querysafe_lint", "medical_records/views.py"],
    ["manage.py", "querysafe_lint"],  # the project's apps: medical_records/
    ["-m", "querysafe", "lint", "--schema", "../medical-records/schema.json", "medical_records"],
], ids=["manage.py-file", "manage.py-apps", "python-m"])
def test_lint_finds_every_planted_mistake_and_nothing_else(command):
    result = run(*command)
    assert result.returncode == 1, result.stderr
    found = findings(result.stdout)
    assert {m["path"] for m in found} == {os.path.join("medical_records", "views.py")}
    assert {(int(m["line"]), m["code"]) for m in found} == planted()
    assert len(found) == len(planted())
    # The message is querysafe's, with its diagnostic code.
    by_line = {int(m["line"]): m["message"] for m in found}
    startswith = next(n for n, c in planted() if c == "QS51092")
    assert "Invalid match expression operator on encrypted field 'patient_record.ssn'" in by_line[startswith]
    assert by_line[startswith].endswith("[qe.operator_not_allowed]")


def test_lint_columns_point_at_the_lookup():
    found = findings(run("manage.py", "querysafe_lint", "medical_records/views.py").stdout)
    lines = VIEWS.read_text(encoding="utf-8").splitlines()
    for m in found:
        text = lines[int(m["line"]) - 1][int(m["col"]) - 1:]
        if m["code"] in ("QS51092", "QS51095", "QS51102", "QS6720400", "QS6334105"):
            assert text.startswith("patient_record__"), (m.group(0), text)
        if m["code"] == "QS6316401":
            assert text.startswith('"patient_record__ssn"'), (m.group(0), text)
        if m["code"] == "QS31011":
            assert text.startswith("union("), (m.group(0), text)


def test_the_models_and_settings_have_nothing_to_report():
    result = run("manage.py", "querysafe_lint", "medical_records/models.py", "django_qe")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


# querysafe.django.check on the example's live QuerySets, inside the project (manage.py shell):
# accepted ones return their translation, refused ones raise what the same query as text raises.
CHECK_SCRIPT = r'''
import json
from querysafe import Error
from querysafe.django import check
from medical_records.models import Patient

out = {}
t = check(Patient.objects.filter(patient_record__ssn="987-65-4320"))
out["accepted"] = [t.collection, t.command_name, t.encryption_count]
refused = {
    "order_by": Patient.objects.order_by("patient_record__ssn"),
    "startswith": Patient.objects.filter(patient_record__ssn__startswith="987"),
    "gt": Patient.objects.filter(patient_record__ssn__gt="987"),
}
for name, qs in refused.items():
    try:
        check(qs)
        out[name] = None
    except Error as e:
        out[name] = [type(e).__name__, e.code, e.server_code]
print(json.dumps(out))
'''

REFUSED_TEXT = {
    "order_by": 'Patient.objects.order_by("patient_record__ssn")',
    "startswith": 'Patient.objects.filter(patient_record__ssn__startswith="987")',
    "gt": 'Patient.objects.filter(patient_record__ssn__gt="987")',
}


def test_check_accepts_and_refuses_the_examples_querysets_as_the_text():
    result = run("manage.py", "shell", "-c", CHECK_SCRIPT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["accepted"] == ["patients", "find", 1]
    schema = querysafe.Schema.from_file(str(EXAMPLES / "medical-records" / "schema.json"))
    for name, text in REFUSED_TEXT.items():
        with pytest.raises(querysafe.Error) as refused:
            querysafe.Query.compile(schema, text)
        expected = [type(refused.value).__name__, refused.value.code, refused.value.server_code]
        assert out[name] == expected, name
        assert out[name][0] == "NotSupportedError", name
