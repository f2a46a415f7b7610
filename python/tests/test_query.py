"""Query.compile / translate / explain: exceptions, parameters of every Python type, the commands'
types with and without pymongo."""

import datetime
import decimal
import json
import uuid

import pytest

import querysafe
from querysafe import core

SSN_QUERY = 'Patient.objects.filter(patient_record__ssn=$ssn).order_by("-patient_id")[:10]'


def test_compile_once_translate_many(medical):
    q = querysafe.Query.compile(medical, SSN_QUERY)
    assert q.text == SSN_QUERY
    assert q.params == [querysafe.ParamInfo("ssn", "string", False, True)]
    a = q.translate({"ssn": "987-65-4320"})
    b = q.translate(ssn="123-45-6789")
    assert (a.database, a.collection, a.command_name) == ("medical_records", "patients", "find")
    assert a.encryption_count == b.encryption_count == 1
    placeholder = a.command["filter"]["patient_record.ssn"]["$eq"]["$encrypt"]
    assert placeholder["value"] == "987-65-4320"
    assert placeholder["queryType"] == "equality"
    assert b.command["filter"]["patient_record.ssn"]["$eq"]["$encrypt"]["value"] == "123-45-6789"


def test_the_module_level_translate(medical):
    t = querysafe.translate(medical, "Patient.objects.get(patient_id=5)")
    assert t.command["filter"] == {"patient_id": 5}


@pytest.mark.parametrize(
    "text, cls, code, server_code",
    [
        ('Patient.objects.filter(patient_record__ssn__startswith="987")', querysafe.NotSupportedError,
         "qe.operator_not_allowed", 51092),
        ('Patient.objects.filter(patient_nme="x")', querysafe.FieldError, None, 0),
        ('Patient.objects.filter(patient_id="abc")', querysafe.ValidationError, None, 0),
        ('Patient.objects.filter(patient_id=', querysafe.SyntaxError, None, 0),
    ],
)
def test_diagnostics_become_djangos_exceptions(medical, text, cls, code, server_code):
    with pytest.raises(cls) as e:
        querysafe.Query.compile(medical, text)
    err = e.value
    assert isinstance(err, querysafe.Error)
    assert err.category == cls.__name__
    if code:
        assert err.code == code
    assert err.server_code == server_code
    begin, end = err.span
    assert 0 <= begin <= end <= len(text.encode())
    lines = str(err).split("\n")
    assert lines[0].startswith(f"query:1:{begin + 1}: {cls.__name__}: ")
    assert lines[1] == "  " + text
    assert lines[2].strip().startswith("^")


def test_errors_pickle_with_their_diagnostics(medical):
    import pickle
    with pytest.raises(querysafe.NotSupportedError) as e:
        querysafe.Query.compile(medical, 'Patient.objects.order_by("patient_record__ssn")')
    copy = pickle.loads(pickle.dumps(e.value))
    assert type(copy) is querysafe.NotSupportedError
    assert (str(copy), copy.code, copy.server_code) == (str(e.value), e.value.code, e.value.server_code)


def test_binding_errors_point_into_the_query(medical):
    q = querysafe.Query.compile(medical, "Patient.objects.filter(patient_record__ssn=$ssn)")
    with pytest.raises(querysafe.NotSupportedError) as e:
        q.translate(ssn=None)
    assert e.value.server_code == 51095
    with pytest.raises(querysafe.Error):
        q.translate()  # a parameter without a value
    with pytest.raises(querysafe.Error):
        q.translate(ssn="1", typo="2")  # a value without a parameter


def test_explain_encrypts_every_placeholder(medical, encryptor):
    q = querysafe.Query.compile(medical, "Patient.objects.get(patient_record__ssn=$ssn)")
    sent = q.explain(encryptor, ssn="987-65-4320")
    assert sent.encryption_count == 0
    payload = sent.command_extended_json()["filter"]["patient_record.ssn"]["$eq"]
    assert payload["$binary"]["subType"] == "06"
    if querysafe.HAVE_BSON:
        import bson
        value = sent.command["filter"]["patient_record.ssn"]["$eq"]
        assert isinstance(value, bson.binary.Binary) and value.subtype == 6


def test_explain_with_a_wrong_key_is_an_error(medical):
    import base64
    from conftest import KEYS
    wrong = querysafe.Encryptor.open_offline(KEYS / "vault.json", bytes(96))
    q = querysafe.Query.compile(medical, 'Patient.objects.get(patient_record__ssn="1")')
    with pytest.raises(querysafe.Error):
        q.explain(wrong)
    with pytest.raises(querysafe.Error):
        querysafe.Encryptor.open_offline("/nonexistent/vault.json", base64.b64encode(bytes(96)).decode())
    with pytest.raises(querysafe.Error):
        querysafe.Encryptor.from_text("not json", bytes(96))
    with pytest.raises(querysafe.ArgumentError):
        querysafe.Encryptor.from_text("[]", 96)


def test_commands_use_bson_types_when_pymongo_is_there(medical):
    t = querysafe.Query.compile(medical, "Patient.objects.filter(patient_id=12345678)[:10]").translate()
    if querysafe.HAVE_BSON:
        assert t.command["filter"] == {"patient_id": 12345678}
    assert t.command_extended_json()["filter"] == {"patient_id": {"$numberLong": "12345678"}}
    assert t.to_dict()["command"] == t.command


def test_commands_are_extended_json_without_pymongo(medical, monkeypatch):
    monkeypatch.setattr(core, "HAVE_BSON", False)
    t = querysafe.Query.compile(medical, "Patient.objects.filter(patient_id=12345678)").translate()
    assert t.command["filter"] == {"patient_id": {"$numberLong": "12345678"}}


U = uuid.UUID("12345678-1234-5678-1234-567812345678")
UTC = datetime.timezone.utc

# A Python value bound as a parameter translates exactly as the same value written in the text.
EQUIVALENT = [
    ("p_char", "abc", '"abc"'),
    ("p_integer", 7, "7"),
    ("p_big_integer", 2**40, str(2**40)),
    ("p_float", 1.5, "1.5"),
    ("p_boolean", True, "True"),
    ("p_decimal", decimal.Decimal("12.50"), 'Decimal("12.50")'),
    ("p_date", datetime.date(2024, 1, 31), "date(2024, 1, 31)"),
    ("p_date_time", datetime.datetime(2024, 1, 31, 12, 30, tzinfo=UTC),
     "datetime(2024, 1, 31, 12, 30, tzinfo=timezone.utc)"),
    ("p_date_time", datetime.datetime(2024, 1, 31, 14, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     "datetime(2024, 1, 31, 12, 30, tzinfo=timezone.utc)"),
    ("p_time", datetime.time(12, 30, 15, 500), "time(12, 30, 15, 500)"),
    ("p_duration", datetime.timedelta(days=1, seconds=5, microseconds=7),
     "timedelta(days=1, seconds=5, microseconds=7)"),
    ("p_duration", datetime.timedelta(days=-1, seconds=5), "timedelta(days=-1, seconds=5)"),
    ("p_u_u_i_d", U, f'UUID("{U}")'),
    ("p_integer__in", [1, 2, 3], "[1, 2, 3]"),
    ("p_char__in", ("a", "b"), '("a", "b")'),
    ("e_uuid", U, f'UUID("{U}")'),
    ("r_decimal__gte", decimal.Decimal("1.5"), 'Decimal("1.5")'),
    ("r_date_time__lt", datetime.datetime(2024, 1, 31, tzinfo=UTC), "datetime(2024, 1, 31, tzinfo=timezone.utc)"),
]


@pytest.mark.parametrize("lookup, value, literal", EQUIVALENT, ids=[f"{e[0]}-{e[2]}" for e in EQUIVALENT])
def test_a_parameter_translates_as_the_same_literal(every, lookup, value, literal):
    bound = querysafe.Query.compile(every, f"Every.objects.filter({lookup}=$v)").translate(v=value)
    written = querysafe.Query.compile(every, f"Every.objects.filter({lookup}={literal})").translate()
    assert bound.to_json() == written.to_json()


def test_pymongo_types_are_parameters(every):
    bson = pytest.importorskip("bson")
    oid = bson.ObjectId("0123456789abcdef01234567")
    cases = [
        ("p_object_id", oid, f'ObjectId("{oid}")'),
        ("p_big_integer", bson.Int64(5), "5"),
        ("p_decimal", bson.Decimal128("2.25"), 'Decimal("2.25")'),
    ]
    for lookup, value, literal in cases:
        bound = querysafe.Query.compile(every, f"Every.objects.filter({lookup}=$v)").translate(v=value)
        written = querysafe.Query.compile(every, f"Every.objects.filter({lookup}={literal})").translate()
        assert bound.to_json() == written.to_json(), lookup


class Weird:
    pass


def self_referencing_list():
    x = []
    x.append(x)
    return x


@pytest.mark.parametrize(
    "params",
    [
        {"v": Weird()},
        {"v": 2**70},
        {"v": -(2**70)},
        {"v": "\ud800"},
        {"v": decimal.Decimal("1" * 60)},
        {"v": self_referencing_list()},
        {"v": {1: "x"}},
        {"v": {"a\x00b": 1}},
        {"v": {1, 2}},
        {"v": datetime.time(1, tzinfo=UTC)},
        {"v": "x" * (17 << 20)},
        [("v", 1)],
        "v=1",
        {1: 2},
    ],
    ids=range(14),
)
def test_unconvertible_parameters_raise_argument_error(every, params):
    q = querysafe.Query.compile(every, "Every.objects.filter(p_integer__in=$v)")
    with pytest.raises(querysafe.ArgumentError):
        q.translate(params)


@pytest.mark.parametrize(
    "params, where",
    [
        ({"v": [1, object()]}, "params[v][1]: a value of type object"),
        ({"v": [[1, 2**70]]}, "params[v][0][1]: the int does not fit in 64 bits"),
        ({"v": [{"a": {"b": object()}}]}, "params[v][0][a][b]: a value of type object"),
        ({"v": [{1: 2}]}, "params[v][0]: a dict key is int, not str"),
    ],
    ids=["list", "nested-list", "dict", "dict-key"],
)
def test_an_unconvertible_value_is_named_by_its_path(every, params, where):
    # The path is made into text only when a value fails (python/src/to_bson.h, ValuePath).
    q = querysafe.Query.compile(every, "Every.objects.filter(p_integer__in=$v)")
    with pytest.raises(querysafe.ArgumentError) as failed:
        q.translate(params)
    assert where in str(failed.value)


def test_translate_values_names_each_value_by_its_parameter(every):
    native = querysafe.Query.compile(every, "Every.objects.filter(p_integer__in=$p0)")._native
    with pytest.raises(TypeError, match=r"params\[p0\]\[2\]: a value of type object"):
        native.translate_values([[1, 2, object()]])


@pytest.mark.parametrize(
    "call",
    [
        lambda s: querysafe.Query.compile(None, "Every.objects.all()"),
        lambda s: querysafe.Query.compile(s, None),
        lambda s: querysafe.Query.compile(s, 42),
        lambda s: querysafe.Query.compile(s, "Every.objects.all()", server_version="x"),
        lambda s: querysafe.Query.compile(s, "Every.objects.all()", time_zone=3),
        lambda s: querysafe.Query.compile(s, "Every.objects.all()", max_depth=-1),
        lambda s: querysafe.Query.compile(s, "Every.objects.all()", max_depth=2**40),
        lambda s: querysafe.Query.compile(s, "Every.objects.all()").explain(None),
        lambda s: querysafe.Query(object()),
        lambda s: querysafe.Encryptor.open_offline(None, "k"),
    ],
)
def test_wrong_argument_types_raise_argument_error(every, call):
    with pytest.raises(querysafe.ArgumentError):
        call(every)


def test_hostile_query_text_is_refused_not_crashed(every):
    for text in ["", "\x00", "Every.objects." + "filter(" * 10000, "(" * 100000, "Every.objects.filter(p_char=\"\ud7ff\")",
                 "Every" + ".objects" * 1000, "Every.objects.filter(p_char=" + "[" * 5000 + "]" * 5000 + ")"]:
        try:
            querysafe.Query.compile(every, text)
        except querysafe.Error:
            pass
    with pytest.raises(querysafe.Error):
        querysafe.Query.compile(every, "Every.objects.all()" + " " * (1 << 20))
    with pytest.raises(querysafe.Error):
        querysafe.Query.compile(every, "Every.objects.filter(p_char=" + "[" * 50 + "]" * 50 + ")", max_depth=10)


def test_server_version_and_time_zone_are_compile_options(every):
    text = "Every.objects.filter(r_integer__gt=5)"
    querysafe.Query.compile(every, text, server_version="8.0")
    with pytest.raises(querysafe.NotSupportedError):
        querysafe.Query.compile(every, text, server_version=(7, 0))
    with pytest.raises(querysafe.ImproperlyConfigured):
        querysafe.Query.compile(every, "Every.objects.filter(p_date_time__hour=3)", time_zone="Nowhere/City")
    a = querysafe.Query.compile(every, "Every.objects.filter(p_date_time__hour=3)", time_zone="America/Chicago")
    assert "America/Chicago" in a.translate().to_json()
