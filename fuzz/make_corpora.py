#!/usr/bin/env python3
"""Regenerates the seed corpora fuzz/corpora/<target>/ from the project's test data.

    fuzz/make_corpora.py          # rewrite the generated seeds
    fuzz/make_corpora.py --check  # exit 1 if the committed seeds differ from what it generates

Seeds come from the golden tests and the conformance cases, so that fuzzing starts from every
shape of query and schema the tests already know:

  parse     the inputs of tests/data/parse/*.test, the queries of tests/data/translate/*.test and
            of the conformance cases, and a few lookup keys (the target also splits the input as
            one key);
  pipeline  the same queries with a first line `# <schema> [<server version>]` naming the fixed
            schema they were written for (pipeline_target.cc reads it), the parse goldens (their
            Patient model exists in the medical and anchor schemas), and queries on the spec-qe
            schemas;
  schema    the conformance and spec-qe schemas, and small schemas covering every field class,
            option, `queries` form and server rule family of lib/schema/README.md.

Generated files are named <source>-<name>; files named repro-* are reproducers of findings
(fuzz/README.md) and are never touched by this script.

It also writes fuzz/dicts/pipeline.dict: the model and field names of the pipeline target's fixed
schemas, as lookup paths, and the `# <schema>` lines that select them (fuzz/run.sh adds it to
dicts/parse.dict for the pipeline target).
"""

import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
CORPORA = os.path.join(ROOT, "fuzz", "corpora")


def slug(text, limit=60):
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")
    return s[:limit] or "empty"


class Corpus:
    def __init__(self, target):
        self.target = target
        self.files = {}  # name -> bytes
        self.seen = set()

    def add(self, name, content):
        data = content.encode("utf-8") if isinstance(content, str) else content
        if data in self.seen:
            return
        self.seen.add(data)
        name = slug(name)
        if name in self.files:
            name = f"{name}-{hashlib.sha1(data).hexdigest()[:8]}"
        self.files[name] = data


def parse_goldens():
    """(file stem, case name, input) of every tests/data/parse/*.test case."""
    out = []
    folder = os.path.join(DATA, "parse")
    for fname in sorted(os.listdir(folder)):
        if not fname.endswith(".test"):
            continue
        stem = fname[:-5]
        name, lines, state = None, [], "header"
        with open(os.path.join(folder, fname), encoding="utf-8") as f:
            for line in f.read().split("\n"):
                if line.startswith("=== "):
                    name, lines, state = line[4:].strip(), [], "input"
                elif state == "input" and line == "----":
                    out.append((stem, name, "\n".join(lines)))
                    state = "expected"
                elif state == "input":
                    lines.append(line)
    return out


def translate_goldens():
    """(file stem, index, schema, server version, query) of tests/data/translate/*.test."""
    out = []
    folder = os.path.join(DATA, "translate")
    for fname in sorted(os.listdir(folder)):
        if not fname.endswith(".test"):
            continue
        schema, version, index = "", "", 0
        with open(os.path.join(folder, fname), encoding="utf-8") as f:
            for line in f.read().split("\n"):
                if line.startswith("schema: "):
                    schema = line[8:].strip()
                elif line.startswith("server_version: "):
                    version = line[16:].strip()
                elif line.startswith("query "):
                    index += 1
                    out.append((fname[:-5], index, schema, version, line[6:]))
    return out


def conformance_cases():
    out = []
    folder = os.path.join(DATA, "conformance")
    for fname in ("cases.jsonl", "more_cases.jsonl"):
        with open(os.path.join(folder, fname), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                case = json.loads(line)
                out.append(case)
    return out


def directive(schema, version):
    return f"# {schema} {version}".rstrip() + "\n"


# Queries on the spec-qe schemas (model Default), whose keys and range options are the spec's.
SPEC_QUERIES = {
    "indexed": [
        'Default.objects.filter(encryptedIndexed="123")',
        "Default.objects.filter(encryptedIndexed=$v)",
        'Default.objects.filter(encryptedIndexed__in=["123", "456"])',
        'Default.objects.exclude(encryptedIndexed="123")',
        'Default.objects.filter(encryptedUnindexed="123")',
        'Default.objects.filter(encryptedIndexed="123").update(encryptedUnindexed="x")',
        'Default.objects.filter(encryptedIndexed="123").delete()',
    ],
    "range_int": [
        "Default.objects.filter(encryptedInt__gt=0)",
        "Default.objects.filter(encryptedInt__gte=123, encryptedInt__lt=199)",
        "Default.objects.filter(encryptedInt__range=(0, 200))",
        "Default.objects.filter(encryptedInt__in=[1, 2, 3])",
        "Default.objects.filter(encryptedInt=$v)",
        "Default.objects.filter(encryptedInt__lte=$hi, encryptedInt__gt=$lo)",
        "Default.objects.filter(Q(encryptedInt__gt=5) | Q(encryptedInt__lt=2))",
        "Default.objects.filter(encryptedInt__gt=201)",
        "Default.objects.order_by(\"encryptedInt\")",
    ],
    "range_long": [
        "Default.objects.filter(encryptedLong__gt=0)",
        "Default.objects.filter(encryptedLong__range=$r)",
        "Default.objects.filter(encryptedLong__gte=0, encryptedLong__lte=200)",
    ],
    "range_date": [
        "Default.objects.filter(encryptedDate__gt=datetime(1970, 1, 1))",
        "Default.objects.filter(encryptedDate__lt=datetime(1970, 1, 1, 0, 0, 0, 100000))",
        "Default.objects.filter(encryptedDate__range=(datetime(1970, 1, 1), $hi))",
    ],
    "range_double": [
        "Default.objects.filter(amount__gt=0)",
        "Default.objects.filter(amount__lt=1.5e300)",
        'Default.objects.filter(amount__gte=float("-inf"))',
    ],
    "range_double_precision": [
        "Default.objects.filter(amount__gt=0)",
        "Default.objects.filter(amount__range=(0.5, 199.5))",
        "Default.objects.filter(amount__lte=200.01)",
    ],
    "range_decimal": [
        'Default.objects.filter(amount__gt=Decimal("0"))',
        'Default.objects.filter(amount__lte=Decimal("1E+100"))',
    ],
    "range_decimal_precision": [
        'Default.objects.filter(amount__gt=Decimal("0"))',
        'Default.objects.filter(amount__range=(Decimal("0.5"), Decimal("199.5")))',
        'Default.objects.filter(amount__gte=Decimal("0.001"))',
    ],
}

LOOKUP_KEYS = [
    "patient_record__ssn__in",
    "a___b",
    "__a",
    "a__",
    "a____b",
    "pk",
    "score__gte",
    "name__icontains",
    "\u00e9t\u00e9__exact",
]


def make_parse(corpus):
    for stem, name, text in parse_goldens():
        corpus.add(f"golden-{stem}-{name}", text)
    for stem, index, _, _, query in translate_goldens():
        corpus.add(f"translate-{stem}-{index:03d}", query)
    for case in conformance_cases():
        corpus.add(f"conformance-{case['id']}", case["query"])
    for key in LOOKUP_KEYS:
        corpus.add(f"key-{key}", key)


def make_pipeline(corpus):
    for stem, index, schema, version, query in translate_goldens():
        corpus.add(f"translate-{stem}-{index:03d}", directive(schema, version) + query)
    for case in conformance_cases():
        corpus.add(f"conformance-{case['id']}",
                   directive(case["schema"], case.get("server_version", "")) + case["query"])
    for schema, queries in SPEC_QUERIES.items():
        for index, query in enumerate(queries, 1):
            corpus.add(f"spec-{schema}-{index:02d}", directive(schema, "") + query)
    for stem, name, text in parse_goldens():
        corpus.add(f"golden-{stem}-{name}", text)
    for name, query in matrix_queries():
        corpus.add(f"matrix-{name}", directive("every", "8.2") + query)


# Seeds of lookup x right-hand side x field class on the `every` schema (every field class, plain
# and encrypted; fuzz/lookup_matrix.h enumerates the whole product in a test). Fuzzing missed
# `name__startswith=F("nickname")` because no seed had a pattern lookup against F() and coverage
# gave mutations no path to one, so each lookup meets each kind of right-hand side here, on
# fields taken in turn so that every field class appears too.
MATRIX_LOOKUPS = ["exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte",
                  "startswith", "istartswith", "endswith", "iendswith", "range", "isnull", "regex",
                  "iregex", "overlap", "contained_by", "len", "year", "date", "0"]
MATRIX_RHS = ['"a.*%_\\\\"', "7", "None", "[1, 2]", "(1, 5)", "$v", 'F("p_text")',
              'F("p_integer")', 'F("e_char")', 'F("p_integer") + 1']


def matrix_queries():
    with open(os.path.join(DATA, "matrix", "schemas", "every.json"), encoding="utf-8") as f:
        fields = list(json.load(f)["models"]["Every"]["fields"])
    out, i = [], 0
    for lookup in MATRIX_LOOKUPS:
        for j, rhs in enumerate(MATRIX_RHS):
            field = fields[i % len(fields)]
            i += 1
            out.append((f"{lookup}-{j}-{field}", f"Every.objects.filter({field}__{lookup}={rhs})"))
    # Transforms before a pattern lookup against F().
    for key in ("p_date__year", "p_date_time__date", "p_time__hour", "p_array__len",
                "p_array__0", "p_json__k"):
        out.append((f"transform-{key}", f'Every.objects.filter({key}__startswith=F("p_char"))'))
    return out


# One field per class, as the schema README's option table allows it.
PLAIN_FIELDS = {
    "BigIntegerField": {},
    "BinaryField": {},
    "BooleanField": {},
    "CharField": {"max_length": 20},
    "DateField": {"auto_now_add": True},
    "DateTimeField": {"auto_now": True},
    "DecimalField": {"max_digits": 10, "decimal_places": 2},
    "DurationField": {},
    "EmailField": {"max_length": 254},
    "FileField": {"upload_to": "files/"},
    "FilePathField": {"path": "/tmp"},
    "FloatField": {},
    "GenericIPAddressField": {},
    "ImageField": {"upload_to": "images/"},
    "IntegerField": {"null": True, "default": 3},
    "JSONField": {"default": {"a": [1, 2]}},
    "PositiveBigIntegerField": {},
    "PositiveIntegerField": {},
    "PositiveSmallIntegerField": {"choices": [[1, "one"], [2, "two"]]},
    "SlugField": {"db_index": True},
    "SmallIntegerField": {},
    "TextField": {"blank": True},
    "TimeField": {},
    "URLField": {"max_length": 200},
    "UUIDField": {"unique": True},
    "ObjectIdField": {"db_column": "oid"},
    "ArrayField": {"base_field": {"type": "IntegerField"}, "size": 3},
}

EQUALITY_TYPES = ["EncryptedCharField", "EncryptedBinaryField", "EncryptedBooleanField",
                  "EncryptedEmailField", "EncryptedObjectIdField", "EncryptedUUIDField",
                  "EncryptedBigIntegerField", "EncryptedDateTimeField"]

RANGE_VARIANTS = {
    "EncryptedIntegerField": [{}, {"min": 0, "max": 100, "sparsity": 1, "trimFactor": 0},
                              {"min": -5, "max": 5, "contention": 0}],
    "EncryptedSmallIntegerField": [{"min": 0, "max": 200, "sparsity": 8, "trimFactor": 6}],
    "EncryptedBigIntegerField": [{"min": {"$numberLong": "-9223372036854775808"},
                                  "max": {"$numberLong": "9223372036854775807"}}],
    "EncryptedDateField": [{"min": {"$date": "2000-01-01T00:00:00Z"},
                            "max": {"$date": "2030-01-01T00:00:00Z"}}],
    "EncryptedDateTimeField": [{"min": {"$date": {"$numberLong": "0"}},
                                "max": {"$date": {"$numberLong": "200"}}, "sparsity": 1}],
    "EncryptedFloatField": [{}, {"min": 0.0, "max": 100.0, "precision": 2},
                            {"min": -1e10, "max": 1e10, "precision": 0}],
    "EncryptedDecimalField": [{}, {"min": {"$numberDecimal": "0"}, "max": {"$numberDecimal": "1000"},
                                   "precision": 2},
                              {"min": 0.1, "max": 99.9, "precision": 1, "trimFactor": 1}],
    "EncryptedDurationField": [{"contention": 16}],
    "EncryptedTimeField": [{}],
}

TEXT_QUERIES = [
    {"queryType": "prefixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
     "caseSensitive": True, "diacriticSensitive": False},
    {"queryType": "suffixPreview", "strMinQueryLength": 1, "strMaxQueryLength": 5,
     "caseSensitive": False, "diacriticSensitive": False},
    {"queryType": "substringPreview", "strMinQueryLength": 2, "strMaxQueryLength": 8,
     "strMaxLength": 60, "caseSensitive": True, "diacriticSensitive": True},
    [{"queryType": "prefixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
      "caseSensitive": True, "diacriticSensitive": True},
     {"queryType": "suffixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
      "caseSensitive": True, "diacriticSensitive": True}],
]


def one_model(fields, extra_models=None, **top):
    doc = {"database": "db", "models": {"M": {"db_table": "m", "fields": fields}}}
    doc["models"].update(extra_models or {})
    doc.update(top)
    return json.dumps(doc)


def make_schema(corpus):
    for name in ("medical", "qe_matrix", "risk", "anchor"):
        with open(os.path.join(DATA, "conformance", "schemas", name + ".json"), "rb") as f:
            corpus.add(f"conformance-{name}", f.read())
    folder = os.path.join(DATA, "spec-qe", "schemas")
    for fname in sorted(os.listdir(folder)):
        with open(os.path.join(folder, fname), "rb") as f:
            corpus.add(f"spec-{fname[:-5]}", f.read())
    for cls, options in PLAIN_FIELDS.items():
        corpus.add(f"field-{cls}", one_model({"f": dict(type=cls, **options)}))
    for cls in EQUALITY_TYPES:
        corpus.add(f"equality-{cls}", one_model(
            {"f": {"type": cls, "queries": {"queryType": "equality", "contention": 4}}}))
    for cls, variants in RANGE_VARIANTS.items():
        for index, options in enumerate(variants, 1):
            field = {"type": cls, "queries": dict(queryType="range", **options)}
            if cls == "EncryptedDecimalField":
                field.update(max_digits=10, decimal_places=2)
            corpus.add(f"range-{cls}-{index}", one_model({"f": field}))
    for index, queries in enumerate(TEXT_QUERIES, 1):
        corpus.add(f"text-{index}", one_model(
            {"f": {"type": "EncryptedCharField", "max_length": 60, "queries": queries}}))
    corpus.add("embedded-chain", one_model(
        {"e": {"type": "EmbeddedModelField", "embedded_model": "E1"}},
        {"E1": {"embedded": True, "fields": {
            "x": {"type": "EncryptedIntegerField", "queries": {"queryType": "range"}},
            "e2": {"type": "EncryptedEmbeddedModelField", "embedded_model": "E2"}}},
         "E2": {"embedded": True, "fields": {"y": {"type": "CharField", "max_length": 5}}}}))
    corpus.add("polymorphic", one_model(
        {"p": {"type": "PolymorphicEmbeddedModelField", "embedded_models": ["A", "B"]},
         "pa": {"type": "PolymorphicEmbeddedModelArrayField", "embedded_models": ["A"],
                "max_size": 4},
         "ea": {"type": "EmbeddedModelArrayField", "embedded_model": "B"}},
        {"A": {"embedded": True, "fields": {"a": {"type": "IntegerField"}}},
         "B": {"embedded": True, "fields": {"b": {"type": "CharField", "max_length": 3}}}}))
    corpus.add("relations", one_model(
        {"author": {"type": "ForeignKey", "to": "Author", "on_delete": "CASCADE",
                    "related_name": "books"},
         "profile": {"type": "OneToOneField", "to": "Author"}},
        {"Author": {"db_table": "authors", "fields": {"name": {"type": "CharField",
                                                              "max_length": 9}}}}))
    corpus.add("meta", json.dumps({
        "database": "db", "app_label": "app", "key_vault_namespace": "keys.vault",
        "models": {"M": {"ordering": ["-a", "?", "b__c"], "managed": False,
                         "indexes": [["a"], {"fields": ["-a"], "name": "by_a"}],
                         "fields": {"a": {"type": "IntegerField", "primary_key": True},
                                    "b": {"type": "EmbeddedModelField", "embedded_model": "N"}}},
                   "N": {"embedded": True, "fields": {"c": {"type": "CharField",
                                                            "max_length": 1}}}}}))
    corpus.add("map-keyid", json.dumps({
        "database": "db",
        "models": {"M": {"db_table": "m", "fields": {
            "s": {"type": "EncryptedCharField", "max_length": 9,
                  "queries": {"queryType": "equality"}}}}},
        "encrypted_fields_map": {"m": {"fields": [{
            "keyId": {"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}},
            "path": "s", "bsonType": "string", "queries": {"queryType": "equality"}}]}}}))
    corpus.add("map-altname", json.dumps({
        "database": "db",
        "models": {"M": {"db_table": "m", "fields": {
            "s": {"type": "EncryptedIntegerField", "queries": [{"queryType": "range"}]}}}},
        "encrypted_fields_map": {"m": {"escCollection": "x", "fields": [{
            "keyAltName": "m.s", "path": "s", "bsonType": "long",
            "queries": [{"queryType": "range", "contention": {"$numberLong": "8"}}]}]}}}))
    for name, text in [
            ("malformed-truncated", '{"database": "db", "models": {"M": {"fields": {'),
            ("malformed-trailing-comma", '{"database": "db", "models": {},}'),
            ("malformed-big-number", '{"database": "db", "models": {}, "x": 99999999999999999999}'),
            ("malformed-not-object", '[1, 2, 3]'),
            ("malformed-duplicate-key", '{"database": "a", "database": "b", "models": {}}'),
            ("malformed-cycle", one_model(
                {"e": {"type": "EmbeddedModelField", "embedded_model": "E"}},
                {"E": {"embedded": True, "fields": {
                    "s": {"type": "EncryptedCharField", "max_length": 2},
                    "e": {"type": "EmbeddedModelField", "embedded_model": "E"}}}})),
            ("malformed-prefix-paths", one_model(
                {"a": {"type": "EncryptedEmbeddedModelField", "embedded_model": "E"},
                 "b": {"type": "EmbeddedModelField", "embedded_model": "E"}},
                {"E": {"embedded": True, "fields": {
                    "x": {"type": "EncryptedIntegerField"}}}})),
    ]:
        corpus.add(name, text)


PIPELINE_SCHEMAS = [("medical", "conformance"), ("qe_matrix", "conformance"),
                    ("risk", "conformance"), ("anchor", "conformance"),
                    ("indexed", "spec-qe"), ("range_int", "spec-qe"), ("range_long", "spec-qe"),
                    ("range_date", "spec-qe"), ("range_double", "spec-qe"),
                    ("range_double_precision", "spec-qe"), ("range_decimal", "spec-qe"),
                    ("range_decimal_precision", "spec-qe"), ("every", "matrix")]


def pipeline_dictionary():
    entries = []

    def add(text):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\x0a")
        quoted = '"' + escaped + '"'
        if quoted not in entries:
            entries.append(quoted)

    for name, folder in PIPELINE_SCHEMAS:
        add(f"# {name}\n")
        with open(os.path.join(DATA, folder, "schemas", name + ".json"), encoding="utf-8") as f:
            models = json.load(f)["models"]

        def paths(model, prefix, depth):
            for field, spec in models[model]["fields"].items():
                yield prefix + field
                target = spec.get("embedded_model")
                if target in models and depth < 3:
                    yield from paths(target, prefix + field + "__", depth + 1)

        for model, spec in models.items():
            add(model if spec.get("embedded") else model + ".objects")
            for path in paths(model, "", 0):
                add(path)
    add("# 7.0\n")
    add(" 8.2")
    return entries


def write_dictionary(check):
    path = os.path.join(ROOT, "fuzz", "dicts", "pipeline.dict")
    text = ("# Generated by fuzz/make_corpora.py: the pipeline target's fixed schemas (models, field\n"
            "# paths) and the comment lines that select a schema. run.sh adds dicts/parse.dict.\n" +
            "\n".join(pipeline_dictionary()) + "\n")
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
    if old != text and not check:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    print("pipeline.dict" + (" (out of date)" if old != text else ""))
    return old == text


def write(corpus, check):
    folder = os.path.join(CORPORA, corpus.target)
    os.makedirs(folder, exist_ok=True)
    existing = {n for n in os.listdir(folder) if not n.startswith("repro-")}
    differs = existing != set(corpus.files)
    for name, data in corpus.files.items():
        path = os.path.join(folder, name)
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old != data:
            differs = True
            if not check:
                with open(path, "wb") as f:
                    f.write(data)
    if not check:
        for name in existing - set(corpus.files):
            os.remove(os.path.join(folder, name))
    print(f"{corpus.target}: {len(corpus.files)} seeds" + (" (out of date)" if differs else ""))
    return not differs


def main():
    check = "--check" in sys.argv[1:]
    ok = True
    for target, make in (("parse", make_parse), ("pipeline", make_pipeline),
                         ("schema", make_schema)):
        corpus = Corpus(target)
        make(corpus)
        ok = write(corpus, check) and ok
    ok = write_dictionary(check) and ok
    return 0 if ok or not check else 1


if __name__ == "__main__":
    sys.exit(main())
