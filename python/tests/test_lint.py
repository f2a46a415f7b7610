"""querysafe.lint, the static QuerySet lint (python -m querysafe lint; manage.py querysafe_lint is
tested on the example project, test_django_medical.py): what it finds, what becomes a parameter,
which chains it follows across statements and which it drops, and its output."""

import os
import subprocess
import sys
import textwrap

import querysafe
from conftest import EXAMPLES
from querysafe.lint import Finding, lint_paths, lint_source

SCHEMA = EXAMPLES / "medical-records" / "schema.json"


def lint(medical, source):
    """(line, column, code) of each finding in the dedented source."""
    return [(f.line, f.column, f.code) for f in lint_source(textwrap.dedent(source), medical, "t.py")]


def codes(medical, source):
    return [f[2] for f in lint(medical, source)]


def test_a_refused_lookup_is_reported_where_it_is_written(medical):
    assert lint(medical, """\
        def view(request):
            return Patient.objects.filter(patient_record__ssn__startswith="9")
        """) == [(2, 35, "QS51092")]


def test_the_finding_prints_as_flake8_does(medical):
    (finding,) = lint_source('Patient.objects.order_by("patient_record__ssn")\n', medical, "app/v.py")
    assert str(finding) == ("app/v.py:1:26: QS6316401 Cannot add an encrypted field as a prefix of "
                            "another encrypted field [qe.order_by_encrypted]")
    assert finding.querysafe_code == "qe.order_by_encrypted"


def test_unknown_values_become_parameters_not_findings(medical):
    assert lint(medical, """\
        def view(request, ssn, n):
            Patient.objects.get(patient_record__ssn=ssn)
            Patient.objects.filter(patient_record__ssn__in=request.GET.getlist("s"))[:n]
            Patient.objects.filter(patient_record__ssn=f"{ssn}").order_by("-patient_id")[n:n + 10]
            Patient.objects.filter(patient_id=int(request.GET["id"])).count()
            Patient.objects.filter(patient_record__bill_amount__gte=settings.MIN).exists()
        """) == []


def test_a_literal_value_is_checked_as_written(medical):
    assert codes(medical, """\
        Patient.objects.filter(patient_record__ssn=None)
        Patient.objects.filter(patient_record__ssn__in=["1", None])
        Patient.objects.filter(patient_id="twelve")
        """) == ["QS51095", "QS51120", "QS000"]


def test_q_trees_f_and_aggregates(medical):
    assert lint(medical, """\
        from django.db import models
        from django.db.models import Count, F, Q
        Patient.objects.filter(Q(patient_id=1) | ~Q(patient_record__ssn__contains="1"))
        Patient.objects.filter(patient_record__ssn=F("patient_name"))
        Patient.objects.aggregate(models.Max("patient_record__ssn"))
        Patient.objects.values("patient_record__ssn").annotate(n=Count("id"))
        """) == [(3, 45, "QS51092"), (4, 24, "QS6334105"), (5, 27, "QS51221"), (6, 47, "QS51222")]


def test_imports_under_other_names_resolve(medical):
    assert codes(medical, """\
        import datetime as dt
        from django.db.models import Q as Where
        from medical_records import models as m
        m.Patient.objects.filter(Where(patient_record__ssn__regex="^9"))
        m.Patient.objects.filter(patient_id=dt.date(2024, 1, 1))
        """) == ["QS51092", "QS000"]


def test_chains_are_followed_through_straight_line_assignments(medical):
    assert lint(medical, """\
        def view(request):
            qs = Patient.objects.filter(patient_id=request.id)
            qs = qs.exclude(patient_name="")
            q = Q(patient_record__ssn__gt="5")
            rows = qs.filter(q)
            return rows.order_by("patient_record__ssn")
        """) == [(4, 11, "QS6720400"), (6, 26, "QS6316401")]


def test_a_branch_is_followed_from_before_it_and_forgotten_after_it(medical):
    # Inside the branch qs is known; after it, it may be either value: nothing is guessed.
    assert lint(medical, """\
        def view(request):
            qs = Patient.objects.all()
            if request.x:
                qs = qs.filter(patient_record__ssn__gt=request.x)
            return qs.order_by("patient_record__ssn")
        """) == [(4, 24, "QS6720400")]


def test_loops_and_handlers_drop_what_they_reassign(medical):
    assert lint(medical, """\
        def view(request, filters):
            qs = Patient.objects.all()
            for f in filters:
                qs.order_by("patient_record__ssn__x")
                qs = qs.filter(**f)
            try:
                qs = Patient.objects.filter(patient_record__ssn="1")
            except Exception:
                qs.order_by("patient_record__ssn")
            while qs:
                qs = qs[1:]
            qs.order_by("patient_record__ssn")
        """) == []


def test_with_bodies_run_straight_on(medical):
    assert codes(medical, """\
        def view(request):
            qs = Patient.objects.all()
            with transaction.atomic():
                qs.order_by("patient_record__ssn")
        """) == ["QS6316401"]


def test_functions_start_without_the_names_of_the_code_around_them(medical):
    assert lint(medical, """\
        qs = Patient.objects.all()
        def view(request):
            return qs.order_by("patient_record__ssn")
        def other():
            global moved
            moved = 1
        moved = Patient.objects.all()
        moved.order_by("patient_record__ssn")
        lambda: qs.order_by("patient_record__ssn")
        class PatientList:
            queryset = qs.filter(patient_record__ssn__startswith="1")
        """) == [(11, 26, "QS51092")]


def test_a_model_the_schema_does_not_know_is_skipped(medical):
    assert lint(medical, """\
        Unknown.objects.filter(patient_record__ssn__startswith="1")
        Patient.active.filter(patient_record__ssn__startswith="1")
        Patient.objects.custom().order_by("patient_record__ssn")
        """) == []


def test_what_the_language_cannot_express_is_skipped_not_reported(medical):
    assert lint(medical, """\
        def view(request, kwargs, fields, q):
            Patient.objects.filter(**kwargs)
            Patient.objects.values(*fields)
            Patient.objects.filter(q)
            Patient.objects.filter(patient_name=F(request.field))
            Patient.objects.annotate(n=Count("id")).filter(n__gt=1)
        """) == []


def test_transparent_and_unknown_methods(medical):
    # prefetch_related changes nothing querysafe checks; an unknown method ends what is checked.
    assert lint(medical, """\
        Patient.objects.prefetch_related("x").filter(patient_record__ssn__contains="1")
        Patient.objects.filter(patient_record__ssn__contains="1").iterator()
        """) == [(1, 46, "QS51092"), (2, 24, "QS51092")]


def test_shortcuts_async_methods_and_nested_querysets(medical):
    assert lint(medical, """\
        async def view(request):
            get_object_or_404(Patient, patient_record__ssn__iexact=request.s)
            await Patient.objects.aget(patient_record__ssn__isnull=True)
            Patient.objects.filter(pk__in=Patient.objects.filter(patient_record__ssn__lt="1").values("pk"))
            Patient.objects.filter(patient_id=1).union(Patient.objects.all())
        """) == [(2, 32, "QS51092"), (3, 32, "QS51095"), (4, 58, "QS6720400"), (5, 42, "QS31011")]


def test_a_multi_line_chain_reports_the_line_of_the_argument_or_method(medical):
    assert lint(medical, """\
        rows = (Patient.objects
                .filter(patient_id=1)
                .order_by("patient_record__ssn"))
        both = (Patient.objects.all()
                .union(Patient.objects.all()))
        """) == [(3, 19, "QS6316401"), (5, 10, "QS31011")]


def test_noqa_silences_a_line(medical):
    assert codes(medical, """\
        Patient.objects.filter(patient_record__ssn=None)  # noqa
        Patient.objects.filter(patient_record__ssn=None)  # noqa: QS51095
        Patient.objects.filter(patient_record__ssn=None)  # noqa: E501
        """) == ["QS51095"]


def test_a_syntax_error_is_a_finding_with_its_position(medical):
    (finding,) = lint_source("def f(:\n    pass\n", medical, "bad.py")
    assert (finding.line, finding.column, finding.code) == (1, 7, "QS999")
    assert finding.message.startswith("SyntaxError: ")


def test_lint_paths_walks_directories(tmp_path, medical):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text('Patient.objects.order_by("patient_record__ssn")\n')
    (tmp_path / "pkg" / "b.txt").write_text('Patient.objects.order_by("patient_record__ssn")\n')
    (tmp_path / "pkg" / "c.py").write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    (tmp_path / "pkg" / "d.py").write_bytes(b"x = '\xff'\n")
    found = lint_paths([str(tmp_path / "pkg")], medical)
    assert [(os.path.basename(f.path), f.code) for f in found] == [("a.py", "QS6316401"),
                                                                   ("d.py", "QS999")]


def python_m(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(querysafe.__file__)))
    return subprocess.run([sys.executable, "-B", "-m", "querysafe", *args], capture_output=True,
                          text=True, env=env, cwd=cwd)


def test_python_m_querysafe_lint(tmp_path):
    ok = tmp_path / "ok.py"
    ok.write_text("Patient.objects.get(patient_record__ssn=ssn)\n")
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\nPatient.objects.filter(patient_record__ssn__startswith=p)\n")
    result = python_m("lint", "--schema", str(SCHEMA), str(ok))
    assert (result.returncode, result.stdout) == (0, "")
    result = python_m("lint", "--schema", str(SCHEMA), "ok.py", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("bad.py:2:24: QS51092 Invalid match expression operator")
    assert result.stdout.count("\n") == 1


def test_python_m_querysafe_usage_errors(tmp_path):
    assert python_m().returncode == 2
    assert python_m("lint").returncode == 2  # --schema is required
    assert python_m("frobnicate").returncode == 2
    missing = python_m("lint", "--schema", str(tmp_path / "none.json"), str(tmp_path))
    assert missing.returncode == 2 and "none.json" in missing.stderr


def test_finding_is_ordered_by_position():
    a = Finding("a.py", 2, 1, "QS1", "m")
    b = Finding("a.py", 10, 1, "QS1", "m")
    assert sorted([b, a]) == [a, b]


def test_long_and_deep_expressions_neither_crash_nor_report(medical):
    long_sum = "x = " + " + ".join(['"a"'] * 3000) + "\n"
    deep_q = "Patient.objects.filter(" + " | ".join(["Q(patient_id=1)"] * 2000) + ")\n"
    nested = "Patient.objects.filter(patient_id=" + "(" * 150 + "1" + ")" * 150 + ")\n"
    assert lint_source(long_sum + deep_q + nested, medical, "t.py") == []
    assert lint_source(long_sum + 'Patient.objects.order_by("patient_record__ssn")\n', medical,
                       "t.py")[0].code == "QS6316401"
    (nul,) = lint_source("x = 1\0\n", medical, "t.py")
    assert nul.code == "QS999"
