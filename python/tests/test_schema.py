"""Schema.from_json / from_dict / from_file and what a schema tells."""

import json

import pytest

import querysafe
from conftest import EXAMPLES, option, transcript


def test_medical_schema_describes_its_models(medical):
    assert medical.database == "medical_records"
    assert medical.key_vault_namespace == "medical_records.__keyVault"
    assert medical.model_names == ["Patient", "PatientRecord", "Billing"]
    assert medical.db_table("Patient") == "patients"
    assert medical.db_table("PatientRecord") == ""
    assert medical.has_encrypted_fields


@pytest.mark.parametrize("app", ["medical-records", "risk-register"])
def test_encrypted_fields_map_is_what_the_command_prints(app):
    for argv, stdout, _, code in transcript(app):
        if argv[1:3] == ["schema", "encrypted-fields"]:
            schema = querysafe.Schema.from_file(EXAMPLES / app / option(argv, "--schema"))
            assert code == 0
            assert schema.encrypted_fields_map_json() == stdout


def test_encrypted_fields_map_as_a_dict(medical):
    fields = medical.encrypted_fields_map()["patients"]["fields"]
    assert [f["path"] for f in fields] == ["patient_record.ssn", "patient_record.billing"]
    assert fields[0]["queries"]["queryType"] == "equality"


def test_from_dict_equals_from_json(medical):
    d = json.loads((EXAMPLES / "medical-records" / "schema.json").read_text())
    s = querysafe.Schema.from_dict(d)
    assert s.encrypted_fields_map_json() == medical.encrypted_fields_map_json()
    assert querysafe.Schema.from_json(json.dumps(d).encode()).model_names == medical.model_names


def test_a_refused_schema_raises_improperly_configured_with_its_line():
    text = '{"database": "db", "models": {"M": {"db_table": "m", "fields": {\n  "x": {"type": "NoSuchField"}}}}}'
    with pytest.raises(querysafe.ImproperlyConfigured) as e:
        querysafe.Schema.from_json(text)
    assert isinstance(e.value, querysafe.Error)
    assert e.value.code
    assert str(e.value).startswith("schema:")
    assert e.value.diagnostics[0].location


def test_malformed_json_is_an_error_not_a_crash():
    for text in ["", "{", "[]", "null", '{"database": 1}', "\x00", "{" * 100000]:
        with pytest.raises(querysafe.Error):
            querysafe.Schema.from_json(text)


@pytest.mark.parametrize(
    "call",
    [
        lambda: querysafe.Schema.from_json(123),
        lambda: querysafe.Schema.from_json(None),
        lambda: querysafe.Schema.from_json(b"\xff\xfe"),
        lambda: querysafe.Schema.from_json("{}", server_version="eight"),
        lambda: querysafe.Schema.from_json("{}", server_version=8),
        lambda: querysafe.Schema.from_json("\ud800"),
        lambda: querysafe.Schema.from_dict([1, 2]),
        lambda: querysafe.Schema.from_dict({"database": object()}),
        lambda: querysafe.Schema(None),
    ],
)
def test_wrong_python_types_raise_argument_error(call):
    with pytest.raises(querysafe.ArgumentError) as e:
        call()
    assert isinstance(e.value, querysafe.Error)
    assert e.value.code == "python.argument"
