#!/usr/bin/env python3
"""djongo semantics test: djongo 1.3's dict lookups, as querysafe translates them, vs Django.

querysafe translates each djongo query of tests/data/semantics/djongo/queries.txt (a lookup on an
EmbeddedField or ArrayField(model_container) with a dict of one sub-field) for the example's
schema, and mongomock runs the command on entries.json stored as djongo stores them (the
embedded Blog a subdocument, the Authors an array of subdocuments). The reference is Django on
PostgreSQL over the same entries flattened: EntryFlat has the Blog's fields as columns
(blog_name, blog_tagline) and AuthorRow one row per element of `authors`, with its 0-based
position, and PublisherRef one row per key of `publishers_id` (the ArrayReferenceField's list of
Publisher keys, which Django would keep in a many-to-many table). Each line of queries.txt pairs the djongo query with the same question asked of the
flattened models (written by hand: it states what the dict form means, which is what is
checked). The answers, as sets of headlines, must agree.

usage: djongo_test.py --cli PATH/querysafe --data tests/data/semantics/djongo [-v]

Exit status: 0 all agree, 1 a disagreement, 77 Django, psycopg2, mongomock or PostgreSQL >= 17
is missing (ctest's "skipped"). The PostgreSQL and mongomock set-up is semantics_test.py's.
"""

import argparse
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import semantics_test as st  # noqa: E402  (hides pymongo from mongomock, as there)


def load_queries(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            djongo, sep, django = line.partition("  ||  ")
            if not sep:
                raise ValueError(f"{path}:{number}: expected 'DJONGO QUERY  ||  DJANGO QUERY'")
            cases.append((number, djongo, django))
    return cases


def compare(args, pg):
    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres",
                               "USER": "postgres", "HOST": pg.dir}},
        INSTALLED_APPS=[], USE_TZ=True, TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField")
    django.setup()
    import mongomock
    from django.db import connection, models
    from django.db.models import Q

    meta = type("Meta", (), {"app_label": "djongo_semantics"})
    entry_flat = type("EntryFlat", (models.Model,), {
        "__module__": __name__, "Meta": meta,
        "headline": models.CharField(max_length=255, unique=True),
        "n_comments": models.IntegerField(),
        "blog_name": models.CharField(max_length=100),
        "blog_tagline": models.TextField()})
    author_row = type("AuthorRow", (models.Model,), {
        "__module__": __name__, "Meta": type("Meta", (), {"app_label": "djongo_semantics"}),
        "entry": models.ForeignKey(entry_flat, on_delete=models.CASCADE),
        "position": models.IntegerField(),
        "name": models.CharField(max_length=200),
        "email": models.EmailField()})
    publisher_ref = type("PublisherRef", (models.Model,), {
        "__module__": __name__, "Meta": type("Meta", (), {"app_label": "djongo_semantics"}),
        "entry": models.ForeignKey(entry_flat, on_delete=models.CASCADE),
        "publisher": models.IntegerField()})
    with connection.schema_editor() as editor:
        editor.create_model(entry_flat)
        editor.create_model(author_row)
        editor.create_model(publisher_ref)

    with open(os.path.join(args.data, "entries.json"), encoding="utf-8") as f:
        entries = json.load(f)
    client = mongomock.MongoClient()
    schema_path = os.path.join(args.data, "schema.json")
    with open(schema_path) as f:
        database = json.load(f)["database"]
    coll = client[database]["blog_entry"]
    for i, e in enumerate(entries):
        flat = entry_flat.objects.create(headline=e["headline"], n_comments=e["n_comments"],
                                         blog_name=e["blog"]["name"],
                                         blog_tagline=e["blog"]["tagline"])
        for position, a in enumerate(e["authors"]):
            author_row.objects.create(entry=flat, position=position, **a)
        for key in e.get("publishers_id", []):
            publisher_ref.objects.create(entry=flat, publisher=key)
        coll.insert_one({"_id": mongomock.ObjectId(), **e})

    names = {"EntryFlat": entry_flat, "AuthorRow": author_row, "PublisherRef": publisher_ref,
             "Q": Q}
    failures = 0
    cases = load_queries(os.path.join(args.data, "queries.txt"))
    for number, djongo_text, django_text in cases:
        expected = sorted(e.headline for e in eval(django_text, names))  # noqa: S307
        translated, error = st.translate(args.cli, schema_path, djongo_text, "UTC")
        if error is not None:
            print(f"FAIL queries.txt:{number}: querysafe refused {djongo_text}\n  {error}")
            failures += 1
            continue
        command = st.adapt_regexes(translated["command"])
        got = sorted(d["headline"] for d in st.run_command(coll, command))
        if got != expected:
            print(f"FAIL queries.txt:{number}: {djongo_text}\n  Django (flattened): {expected}\n"
                  f"  querysafe on mongomock: {got}\n  command: {json.dumps(translated)}")
            failures += 1
        elif args.verbose:
            print(f"ok   queries.txt:{number}: {djongo_text} -> {got}")
    print(f"djongo semantics: {len(cases) - failures} of {len(cases)} queries agree with Django")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the querysafe command")
    parser.add_argument("--data", required=True, help="tests/data/semantics/djongo")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every comparison")
    args = parser.parse_args()
    bindir = st.probe()
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    with st.TempPostgres(bindir) as pg:
        return compare(args, pg)


if __name__ == "__main__":
    sys.exit(main())
