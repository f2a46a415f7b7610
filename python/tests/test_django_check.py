"""querysafe.django.check(queryset) and the runtime guard, in-process with Django (6.1 in the build
root), on the example apps' models (tests/django_apps/: the medical-records tutorial and the risk
register).

An accepted QuerySet's translation must equal the translation of the equivalent query text
(``Query.compile(schema, text).translate()``): check() walks ``qs.query``, it does not print it.
A refused one raises what the text raises: the same class, code and server code."""

import datetime
import decimal
import os
import sys
from pathlib import Path

import pytest

import querysafe
from conftest import EXAMPLES

django = pytest.importorskip("django")

APPS = Path(__file__).resolve().parent / "django_apps"
sys.path.insert(0, str(APPS))

from django.conf import settings  # noqa: E402

MEDICAL_SCHEMA = EXAMPLES / "medical-records" / "schema.json"

settings.configure(
    SECRET_KEY="querysafe-tests",
    INSTALLED_APPS=["querysafe.django", "medical", "risks", "library"],
    # Two SQLite databases stand in for a plain and an encrypted MongoDB connection: the guard
    # checks only "encrypted"; the queries it lets through then run on SQLite.
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        "encrypted": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    },
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_TZ=True,
    QUERYSAFE={"SCHEMA": str(MEDICAL_SCHEMA)},
)
django.setup()

from django.db import connections  # noqa: E402
from django.db import NotSupportedError as DjangoNotSupportedError  # noqa: E402
from django.db.models import Count, F, Max, Q, Sum  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from querysafe.django import check, guard, query_text  # noqa: E402
from querysafe.django.queryset_check import UnmappedQuery  # noqa: E402
from library.models import Author, Book  # noqa: E402
from medical.models import Patient  # noqa: E402
from querysafe.django import schema_from_models  # noqa: E402
from risks.models import RiskAssessment  # noqa: E402

SCHEMA = querysafe.Schema.from_file(MEDICAL_SCHEMA)
RISK_SCHEMA = querysafe.Schema.from_file(EXAMPLES / "risk-register" / "schema.json")
LIBRARY_SCHEMA = querysafe.Schema.from_dict(schema_from_models(["library"], database="library"))

P = Patient.objects
R = RiskAssessment.objects

# (QuerySet, the equivalent text, the schema): each must give the same translation.
ACCEPTED = [
    (P.filter(patient_record__ssn="987-65-4320"), 'Patient.objects.filter(patient_record__ssn="987-65-4320")', SCHEMA),
    (P.filter(patient_record__ssn="987-65-4320").order_by("-patient_id")[:10],
     'Patient.objects.filter(patient_record__ssn="987-65-4320").order_by("-patient_id")[:10]', SCHEMA),
    (P.filter(patient_record__ssn__in=["987-65-4320", "123-45-6789"]),
     'Patient.objects.filter(patient_record__ssn__in=["987-65-4320", "123-45-6789"])', SCHEMA),
    (P.filter(Q(patient_record__ssn="987-65-4320") | Q(patient_id=12345678)),
     'Patient.objects.filter(Q(patient_record__ssn="987-65-4320") | Q(patient_id=12345678))', SCHEMA),
    (P.filter(Q(patient_id=1) ^ Q(patient_name="x")), 'Patient.objects.filter(Q(patient_id=1) ^ Q(patient_name="x"))',
     SCHEMA),
    (P.exclude(patient_id__in=[1, 2, 3]).filter(patient_name__startswith="J"),
     'Patient.objects.exclude(patient_id__in=[1, 2, 3]).filter(patient_name__startswith="J")', SCHEMA),
    (P.filter(~Q(patient_id=1) | Q(patient_id__gte=5, patient_id__lt=9)),
     'Patient.objects.filter(~Q(patient_id=1) | Q(patient_id__gte=5, patient_id__lt=9))', SCHEMA),
    (P.filter(patient_id=1).filter(patient_id=2), "Patient.objects.filter(patient_id=1).filter(patient_id=2)", SCHEMA),
    (P.filter(patient_record__bill_amount__gte=decimal.Decimal("1000.00")),
     'Patient.objects.filter(patient_record__bill_amount__gte=Decimal("1000.00"))', SCHEMA),
    (P.filter(patient_record__bill_amount__range=(1, 5)),
     'Patient.objects.filter(patient_record__bill_amount__range=(Decimal("1"), Decimal("5")))', SCHEMA),
    (P.filter(patient_name__isnull=False), "Patient.objects.filter(patient_name__isnull=False)", SCHEMA),
    (P.filter(patient_id__gt=F("patient_id") + 1), 'Patient.objects.filter(patient_id__gt=F("patient_id") + 1)',
     SCHEMA),
    (P.values("patient_name", "patient_id"), 'Patient.objects.values("patient_name", "patient_id")', SCHEMA),
    (P.values_list("patient_name", flat=True), 'Patient.objects.values_list("patient_name", flat=True)', SCHEMA),
    (P.values("patient_name").annotate(n=Count("patient_id")),
     'Patient.objects.values("patient_name").annotate(n=Count("patient_id"))', SCHEMA),
    (P.order_by("patient_name", "-patient_id").reverse(),
     'Patient.objects.order_by("patient_name", "-patient_id").reverse()', SCHEMA),
    (P.order_by(F("patient_id").desc()), 'Patient.objects.order_by("-patient_id")', SCHEMA),
    (P.all()[5:], "Patient.objects.all()[5:]", SCHEMA),
    (P.only("patient_name"), 'Patient.objects.only("patient_name")', SCHEMA),
    (P.filter(patient_id=1).union(P.filter(patient_id=2)),
     "Patient.objects.filter(patient_id=1).union(Patient.objects.filter(patient_id=2))", None),
    # Django sorts a filter's keyword arguments (Q's constructor): the equivalent text is sorted.
    (R.filter(likelihood="High", assessed_on__gte=datetime.date(2024, 1, 1)),
     'RiskAssessment.objects.filter(assessed_on__gte=date(2024, 1, 1), likelihood="High")', RISK_SCHEMA),
    (R.filter(impact__in=["Low", "High"]).order_by(), 'RiskAssessment.objects.filter(impact__in=["Low", "High"]).order_by()',
     RISK_SCHEMA),
    (P.none(), "Patient.objects.none()", SCHEMA),
    # A forward foreign key: the joined column's path is rebuilt from the join.
    (Book.objects.filter(author__name="Le Guin", title__startswith="The"),
     'Book.objects.filter(author__name="Le Guin", title__startswith="The")', LIBRARY_SCHEMA),
    (Book.objects.select_related("author").order_by("author__name"),
     'Book.objects.select_related("author").order_by("author__name")', LIBRARY_SCHEMA),
]


def _text_translation(schema, text):
    return querysafe.Query.compile(schema, text).translate().to_json()


@pytest.mark.parametrize("qs, text, schema", ACCEPTED, ids=[t for _, t, _ in ACCEPTED])
def test_an_accepted_queryset_translates_as_its_text(qs, text, schema):
    if schema is None:  # the union is refused: compare the refusals instead
        with pytest.raises(querysafe.NotSupportedError) as from_text:
            querysafe.Query.compile(SCHEMA, text)
        with pytest.raises(querysafe.NotSupportedError) as from_qs:
            check(qs, schema=SCHEMA)
        assert (from_qs.value.code, from_qs.value.server_code) == (from_text.value.code, from_text.value.server_code)
        return
    assert check(qs, schema=schema).to_json() == _text_translation(schema, text)


def test_values_are_parameters_not_text():
    text, params = query_text(P.filter(patient_name='x") | Q(pk=1', patient_id=7))
    assert text == "Patient.objects.filter(patient_id=$p0, patient_name=$p1)"
    assert params == {"p0": 7, "p1": 'x") | Q(pk=1'}


def test_the_text_is_the_querysets_own():
    qs = (P.filter(Q(patient_record__ssn="1") | Q(patient_id__gte=5), patient_name__startswith="J")
          .exclude(patient_id__in=[1, 2, 3]).order_by("-patient_id")[:10])
    text, params = query_text(qs)
    assert text == ("Patient.objects.filter((Q(patient_record__ssn=$p0) | Q(patient_id__gte=$p1)), "
                    'patient_name__startswith=$p2).exclude(patient_id__in=$p3).order_by("-patient_id")[0:10]')
    assert params == {"p0": "1", "p1": 5, "p2": "J", "p3": [1, 2, 3]}


# (QuerySet, the equivalent text[, schema]): refused by both with the same class, code and server
# code.
REFUSED = [
    (P.filter(patient_record__ssn__startswith="987"), 'Patient.objects.filter(patient_record__ssn__startswith="987")'),
    (P.filter(patient_record__ssn__iexact="987-65-4320"),
     'Patient.objects.filter(patient_record__ssn__iexact="987-65-4320")'),
    (P.filter(patient_record__ssn__gt="900-00-0000"), 'Patient.objects.filter(patient_record__ssn__gt="900-00-0000")'),
    (P.filter(patient_record__ssn__isnull=True), "Patient.objects.filter(patient_record__ssn__isnull=True)"),
    (P.filter(patient_record__ssn=None), "Patient.objects.filter(patient_record__ssn=None)"),
    (P.filter(patient_record__ssn__in=["1", None]), 'Patient.objects.filter(patient_record__ssn__in=["1", None])'),
    (P.filter(patient_record__ssn=F("patient_name")), 'Patient.objects.filter(patient_record__ssn=F("patient_name"))'),
    (P.order_by("patient_record__ssn"), 'Patient.objects.order_by("patient_record__ssn")'),
    (P.filter(patient_record__billing__cc_type="Visa"),
     'Patient.objects.filter(patient_record__billing__cc_type="Visa")'),
    (P.values("patient_record__ssn").annotate(n=Count("patient_id")),
     'Patient.objects.values("patient_record__ssn").annotate(n=Count("patient_id"))'),
    (P.distinct("patient_record__ssn"), 'Patient.objects.distinct("patient_record__ssn")'),
    (P.distinct(), "Patient.objects.distinct()"),
    (P.annotate(total=Sum("patient_id")), 'Patient.objects.annotate(total=Sum("patient_id"))'),
    # querysafe's text takes no filter on an annotation: FieldError, for the QuerySet too.
    (P.annotate(total=Sum("patient_id")).filter(total__gt=3),
     'Patient.objects.annotate(total=Sum("patient_id")).filter(total__gt=3)'),
    (P.values("patient_name").annotate(n=Count("patient_id")).values("n"),
     'Patient.objects.values("patient_name").annotate(n=Count("patient_id")).values("n")'),
    (P.filter(patient_id__in=P.filter(patient_name="x").values("patient_id")),
     'Patient.objects.filter(patient_id__in=Patient.objects.filter(patient_name="x").values("patient_id"))'),
    (P.filter(patient_record__ssn=1).union(P.all()), 'Patient.objects.filter(patient_record__ssn=1).union(Patient.objects.all())'),
    (P.exclude(Q(patient_id=1) | Q(patient_record__ssn__contains="5")),
     'Patient.objects.exclude(Q(patient_id=1) | Q(patient_record__ssn__contains="5"))'),
    # Encrypted without queries; `owner` is nullable: Django adds `owner IS NOT NULL` to the
    # negated lookup, which check() leaves to querysafe as the text does.
    (R.filter(risk__title="Flood"), 'RiskAssessment.objects.filter(risk__title="Flood")', RISK_SCHEMA),
    (R.exclude(owner__username="alice"), 'RiskAssessment.objects.exclude(owner__username="alice")', RISK_SCHEMA),
    # An encrypted field of a joined model.
    (Book.objects.filter(author__ssn="1"), 'Book.objects.filter(author__ssn="1")', LIBRARY_SCHEMA),
]


@pytest.mark.parametrize("qs, text, schema", [(*r, None)[:3] for r in REFUSED], ids=[r[1] for r in REFUSED])
def test_a_refused_queryset_raises_what_its_text_raises(qs, text, schema):
    with pytest.raises(querysafe.Error) as from_text:
        querysafe.Query.compile(schema or SCHEMA, text)
    with pytest.raises(querysafe.Error) as from_qs:
        check(qs, schema=schema)  # None: the schema of settings.QUERYSAFE["SCHEMA"]
    assert type(from_qs.value) is type(from_text.value)
    assert (from_qs.value.code, from_qs.value.server_code, from_qs.value.message) == (
        from_text.value.code,
        from_text.value.server_code,
        from_text.value.message,
    )
    assert "^" in str(from_qs.value)  # the caret rendering, under the checked expression


def test_the_documented_refusal_message():
    with pytest.raises(querysafe.NotSupportedError) as e:
        check(P.filter(patient_record__ssn__startswith="987"))
    assert e.value.server_code == 51092
    assert e.value.code == "qe.operator_not_allowed"
    assert "Invalid match expression operator on encrypted field 'patient_record.ssn': $regex" in e.value.message


@pytest.mark.parametrize(
    "terminal, text",
    [("count", 'Patient.objects.filter(patient_record__ssn="1").count()'),
     ("exists", 'Patient.objects.filter(patient_record__ssn="1").exists()'),
     ("get", 'Patient.objects.filter(patient_record__ssn="1").get()'),
     ("first", 'Patient.objects.filter(patient_record__ssn="1").first()'),
     ("delete", 'Patient.objects.filter(patient_record__ssn="1").delete()')],
)
def test_a_final_method(terminal, text):
    assert check(P.filter(patient_record__ssn="1"), terminal=terminal).to_json() == _text_translation(SCHEMA, text)


UNMAPPED = [
    (P.extra(where=["1=1"]), "extra(where=...)"),
    (P.extra(select={"one": "1"}), "extra()"),
    (P.order_by("?"), "random ordering"),
    (P.select_for_update(), "select_for_update()"),
    (P.prefetch_related("x"), "prefetch_related()"),
    (P.filter(patient_id__gt=Max("patient_id", filter=Q(patient_id=1))), "filter"),
    (P.annotate(n=Count("patient_id", filter=Q(patient_id=1))), "Count() with filter"),
    (Author.objects.filter(book__title="x"), "only forward foreign keys"),
]


@pytest.mark.parametrize("qs, what", UNMAPPED, ids=[w for _, w in UNMAPPED])
def test_what_check_cannot_map_is_refused_plainly(qs, what):
    with pytest.raises(UnmappedQuery) as e:
        check(qs)
    assert isinstance(e.value, querysafe.NotSupportedError)
    assert e.value.code == "django.unmapped"
    assert what in str(e.value) and "not approved" in str(e.value)


# The walk's fast path (walk.py, _RARE_DEFAULTS): a query none of whose rarely set attributes is
# in its __dict__ skips reading them. It must give exactly what the full path gives.
def _render_both(qs):
    from querysafe.django import walk

    fast = query_text(qs)
    saved = walk._PLAIN_QUERY
    walk._PLAIN_QUERY = None  # every query takes the full path
    try:
        full = query_text(qs)
    finally:
        walk._PLAIN_QUERY = saved
    return fast, full


@pytest.mark.parametrize("qs", [c[0] for c in ACCEPTED + REFUSED], ids=[c[1] for c in ACCEPTED + REFUSED])
def test_the_fast_walk_gives_what_the_full_walk_gives(qs):
    try:
        fast, full = _render_both(qs)
    except UnmappedQuery:
        return
    assert fast == full


@pytest.mark.parametrize("qs, what", UNMAPPED, ids=[w for _, w in UNMAPPED])
def test_the_fast_walk_refuses_what_the_full_walk_refuses(qs, what):
    with pytest.raises(UnmappedQuery) as refused:
        _render_both(qs)
    assert what in str(refused.value)


def test_a_lone_lookup_under_an_or_or_negated_root_is_rendered_as_the_full_walk_does():
    for change in ({"connector": "OR"}, {"negated": True}):
        query = P.filter(patient_id=1).query.clone()
        for name, value in change.items():
            setattr(query.where, name, value)
        fast, full = _render_both(query)
        assert fast == full, change


def test_the_fast_walk_is_taken_by_plain_querysets_only():
    from querysafe.django import walk

    assert walk._PLAIN_QUERY is not None, "Django's Query defaults changed: the fast path is off"
    assert walk._is_plain({})
    for name in walk._RARE_DEFAULTS:  # each name is tested: setting any one leaves the fast path
        assert not walk._is_plain({name: walk._RARE_DEFAULTS[name]}), name
    assert walk._is_plain(P.filter(patient_id=1).order_by("-patient_id")[:3].query.__dict__)
    assert not walk._is_plain(P.filter(patient_id=1).distinct().query.__dict__)
    assert not walk._is_plain(P.values("patient_id").query.__dict__)
    assert not walk._is_plain(P.filter(patient_id=1).reverse().query.__dict__)


def test_a_final_method_not_known():
    with pytest.raises(UnmappedQuery):
        check(P.all(), terminal="iterator")


def test_check_takes_querysets_only():
    with pytest.raises(UnmappedQuery):
        check('Patient.objects.filter(patient_id=1)')


# -- the runtime guard ----------------------------------------------------------------------


@pytest.fixture()
def tables():
    # By hand: SQLite has no column type for the embedded-model stand-in.
    for alias in ("default", "encrypted"):
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE patients (id integer PRIMARY KEY AUTOINCREMENT, patient_name text,"
                           " patient_id bigint, patient_record text)")
    yield
    for alias in ("default", "encrypted"):
        with connections[alias].cursor() as cursor:
            cursor.execute("DROP TABLE patients")


GUARDED = {"SCHEMA": str(MEDICAL_SCHEMA), "GUARD": True, "GUARD_DATABASES": ["encrypted"]}


def test_the_guard_is_off_by_default():
    assert not guard.installed()
    assert P.using("encrypted").filter(patient_record__ssn__startswith="9").query is not None


@override_settings(QUERYSAFE=GUARDED)
def test_the_guard_refuses_before_sending(tables):
    assert guard.installed()
    refused = P.using("encrypted").filter(patient_record__ssn__startswith="987")
    for run in (list, lambda qs: qs.count(), lambda qs: qs.exists(), lambda qs: qs.first(),
                lambda qs: qs.update(patient_name="x"), lambda qs: qs.delete(),
                lambda qs: qs.aggregate(m=Max("patient_id"))):
        with pytest.raises(guard.GuardError) as e:
            run(refused)
        assert isinstance(e.value, DjangoNotSupportedError)
        assert isinstance(e.value, querysafe.NotSupportedError)
        assert e.value.server_code == 51092
        rendered = str(e.value)
        assert "Invalid match expression operator on encrypted field 'patient_record.ssn'" in rendered
        assert "patient_record__ssn__startswith=$p0" in rendered and "^~~" in rendered


@override_settings(QUERYSAFE=GUARDED)
def test_the_guard_refuses_aggregates_on_encrypted_fields(tables):
    with pytest.raises(guard.GuardError) as e:
        P.using("encrypted").aggregate(Max("patient_record__ssn"))
    assert e.value.server_code == 51221


@override_settings(QUERYSAFE=GUARDED)
def test_the_guard_lets_accepted_queries_run(tables):
    qs = P.using("encrypted")
    Patient(patient_name="Jon", patient_id=7).save(using="encrypted")  # an insert: not checked
    assert list(qs.filter(patient_id=7).values_list("patient_name", flat=True)) == ["Jon"]
    assert qs.filter(patient_name__startswith="J").count() == 1
    assert qs.filter(patient_id=7).exists()
    assert qs.aggregate(m=Max("patient_id")) == {"m": 7}
    assert qs.get(patient_id=7).patient_name == "Jon"
    assert qs.filter(patient_id=7).delete()[0] == 1
    assert not qs.exists()


@override_settings(QUERYSAFE=GUARDED)
def test_the_guard_checks_only_its_databases(tables):
    # Not a guarded alias: the refused query goes to SQLite (and is run there).
    assert list(P.using("default").filter(patient_name__startswith="9")) == []
    with pytest.raises(guard.GuardError):
        list(P.using("encrypted").order_by("patient_record__ssn"))


@override_settings(QUERYSAFE=GUARDED)
def test_the_guard_refuses_what_it_cannot_map(tables):
    with pytest.raises(guard.GuardError) as e:
        list(P.using("encrypted").extra(select={"one": "1"}))
    assert e.value.code == "django.unmapped"


def test_the_guard_follows_the_setting():
    with override_settings(QUERYSAFE=GUARDED):
        assert guard.installed()
    assert not guard.installed()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_default_guarded_databases_are_the_auto_encrypted_ones():
    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        "encrypted": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:",
                      "OPTIONS": {"auto_encryption_opts": object()}},
    }
    with override_settings(DATABASES=databases):
        assert guard.guarded_databases() == {"encrypted"}
