"""QueryBuilder: queries as calls, each value a bound parameter, no key able to change the query's
structure."""

import pytest

import querysafe


def test_a_built_query_translates_as_the_text(medical):
    built = (
        querysafe.QueryBuilder("Patient")
        .filter(patient_record__ssn="987-65-4320")
        .order_by("-patient_id")[:10]
        .compile(medical)
    )
    assert built.text.startswith("Patient.objects.filter(patient_record__ssn=$p0)")
    text = querysafe.Query.compile(
        medical, 'Patient.objects.filter(patient_record__ssn="987-65-4320").order_by("-patient_id")[:10]'
    )
    assert built.translate().command == text.translate().command


def test_builders_are_immutable_like_querysets(medical):
    base = querysafe.QueryBuilder("Patient").filter(patient_id__gt=5)
    a = base.exclude(patient_name="x").count().compile(medical)
    b = base.first().compile(medical)
    assert "exclude" in a.text and "count()" in a.text
    assert "exclude" not in b.text and "first()" in b.text
    assert a.translate().command_name == "aggregate" or a.translate().command_name == "count"


def test_keys_that_are_not_python_names_go_in_a_dict(medical):
    q = querysafe.QueryBuilder("Patient").filter({"pk": 3}).get().compile(medical)
    assert q.translate().command["filter"] == {"_id": 3} or "_id" in q.translate().to_json()


def test_a_built_query_binds_its_own_values(medical):
    q = querysafe.QueryBuilder("Patient").filter(patient_id=1).compile(medical)
    with pytest.raises(querysafe.ArgumentError):
        q.translate({"p0": 2})


@pytest.mark.parametrize(
    "key",
    [
        'patient_name="x") | Q(patient_id__gt=0',
        "patient_name=1).delete(",
        "patient_name\n",
        "",
        "$p0",
        "patient_name__",
    ],
)
def test_a_key_cannot_change_the_querys_structure(medical, key):
    with pytest.raises(querysafe.Error) as e:
        querysafe.QueryBuilder("Patient").filter({key: 1}).compile(medical)
    assert not isinstance(e.value, querysafe.ArgumentError)


def test_refusals_are_the_same_exceptions(medical):
    with pytest.raises(querysafe.NotSupportedError) as e:
        querysafe.QueryBuilder("Patient").filter(patient_record__ssn__startswith="9").compile(medical)
    assert e.value.server_code == 51092
    assert "^" in str(e.value)
    # Values are bound parameters: a null for an encrypted field is refused when it is bound.
    with pytest.raises(querysafe.NotSupportedError) as e:
        querysafe.QueryBuilder("Patient").filter(patient_record__ssn=None).compile(medical).translate()
    assert e.value.server_code == 51095
    with pytest.raises(querysafe.Error):
        querysafe.QueryBuilder("Patient").terminal("drop_collection").compile(medical)
    with pytest.raises(querysafe.Error):
        querysafe.QueryBuilder("Nobody").compile(medical)


@pytest.mark.parametrize(
    "call",
    [
        lambda: querysafe.QueryBuilder(None),
        lambda: querysafe.QueryBuilder("Patient")[3],
        lambda: querysafe.QueryBuilder("Patient")[-1:],
        lambda: querysafe.QueryBuilder("Patient")[::2],
        lambda: querysafe.QueryBuilder("Patient")["a":],
        lambda: querysafe.QueryBuilder("Patient")[: 2**64],
        lambda: querysafe.QueryBuilder("Patient").order_by(1),
        lambda: querysafe.QueryBuilder("Patient").filter({1: 2}),
        lambda: querysafe.QueryBuilder("Patient").filter([("a", 1)]),
        lambda: querysafe.QueryBuilder("Patient").terminal(None),
    ],
)
def test_wrong_types_raise_argument_error(call):
    with pytest.raises(querysafe.ArgumentError):
        call()


def test_unconvertible_values_raise_argument_error_at_compile(medical):
    with pytest.raises(querysafe.ArgumentError):
        querysafe.QueryBuilder("Patient").filter(patient_id=object()).compile(medical)
