#!/usr/bin/env python3
"""querysafe.django.check(qs) against Django's own QuerySet-to-SQL compile of the same QuerySet, in
one run: the two anchor queries of django_anchor.py (same models, SQLite backend) and
tests/data/conformance/schemas/anchor.json, the schema of the same model.

Prints, best of 5 rounds each, in microseconds:
  django_compile NAME   qs.query.get_compiler("default").as_sql() on the built QuerySet
  django_build_compile NAME   building the QuerySet and compiling it (what django_anchor.py times)
  check NAME            querysafe.django.check(qs): the walk, then the native translate
  walk NAME             the walk alone: qs.query to the expression and its values (Python,
                        walk.render, what check runs)
  native NAME           the compiled query's translation with those values alone, as check does
                        it: the Python-to-C++ call (the values' conversion to BSON, the C++
                        translation, the result object)
  ratio NAME            check / django_compile, in percent

Run (build tree): ./dev build default querysafe_python, then
  ./dev shell env PYTHONPATH=build/default/python python3 -B bench/django_check.py
"""

import os
import sys
from pathlib import Path

import anchor_app  # bench/anchor_app.py: the anchor's Django app
import django

REPO = Path(__file__).resolve().parents[1]

anchor_app.setup()

import querysafe  # noqa: E402
from querysafe.django import check, query_text  # noqa: E402
from querysafe.django.queryset_check import _translate  # noqa: E402
from querysafe.django.walk import render  # noqa: E402

SCHEMA = querysafe.Schema.from_file(REPO / "tests" / "data" / "conformance" / "schemas" / "anchor.json")


# The same two queries as text (tests/data/conformance and django_anchor.py): check(qs) must give
# exactly their translation.
TEXTS = {
    "simple": 'Patient.objects.filter(ssn="987-65-4320")',
    "three_predicate": 'Patient.objects.filter(Q(ssn="987-65-4320") | Q(score__gte=5), '
    'patient_name__startswith="J").exclude(patient_id__in=[1, 2, 3]).order_by("-assessed_on")[:10]',
}


def measure(fn, n):
    """Microseconds per call (anchor_app.best_of_5)."""
    return anchor_app.best_of_5(fn, n) * 1e6


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    print(f"# django {django.get_version()}, best of 5 rounds of {n}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, build in (("simple", anchor_app.simple), ("three_predicate", anchor_app.three_predicate)):
        qs = build()
        text, _ = query_text(qs)
        query, values_class = qs.query, qs._iterable_class.__name__
        values = render(query, values_class, None)[1]
        # The same command as the text query's: what the benchmark times is a real check.
        expected = querysafe.Query.compile(SCHEMA, TEXTS[name]).translate().to_json()
        assert check(qs, schema=SCHEMA).to_json() == expected
        figures = {
            "django_compile": measure(lambda: qs.query.get_compiler("default").as_sql(), n),
            "django_build_compile": measure(lambda: build().query.get_compiler("default").as_sql(), n),
            "check": measure(lambda: check(qs, schema=SCHEMA), n),
            "walk": measure(lambda: render(query, values_class, None), n),
            "native": measure(lambda: _translate(SCHEMA, text, values), n),
        }
        for key, us in figures.items():
            print(f"{key} {name} {us:.2f}")
        print(f"ratio {name} {100 * figures['check'] / figures['django_compile']:.1f}%")
        print(f"# {name}: {text}")


if __name__ == "__main__":
    main()
