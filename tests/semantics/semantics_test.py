#!/usr/bin/env python3
"""Differential semantics test: Django on PostgreSQL vs querysafe's command on mongomock.

For every query in queries.txt, Django answers it on PostgreSQL (the reference for what a
plaintext lookup means) and querysafe translates the same text into a MongoDB command that
mongomock runs on the same rows. The answers (primary keys, in order where the query is
ordered; counts; exists; single objects) must agree. See README.md next to this file.

usage: semantics_test.py --cli PATH/querysafe --data tests/data/semantics [-k SUBSTRING] [-v]
                         [--time-zones UTC,America/Chicago,Asia/Kolkata]

Exit status: 0 all agree, 1 a disagreement (or a broken case), 77 the tools it needs (Django,
psycopg2, mongomock, PostgreSQL >= 17) are missing: ctest reports the test as skipped.
"""

import argparse
import contextlib
import ctypes
import datetime
import decimal
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


class _HidePymongo:
    """mongomock switches to pymongo's bson when pymongo is importable: it then BSON-encodes every
    inserted document (refusing decimal.Decimal) and cannot sort or compare Decimal128. The
    reference here is mongomock's own value model, as on a machine without pymongo, so this
    process hides pymongo and bson from it (the build root has python3-pymongo for the
    Python package)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pymongo", "bson", "gridfs"):
            raise ImportError(f"{name} is hidden from the semantics test")
        return None


sys.meta_path.insert(0, _HidePymongo())


def skip(reason):
    print(f"SKIP: semantics test: {reason}")
    sys.exit(SKIP)


# ---------------------------------------------------------------------------------------------
# What the test needs. Missing pieces skip it (a native build without them), never fail it.

def find_postgres_bindir():
    """The newest /usr/lib/postgresql/N/bin, or the directory of `initdb` on PATH."""
    candidates = []
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for v in os.listdir(base):
            if v.isdigit() and os.path.exists(os.path.join(base, v, "bin", "initdb")):
                candidates.append((int(v), os.path.join(base, v, "bin")))
    if candidates:
        return max(candidates)
    initdb = shutil.which("initdb")
    if not initdb:
        return None
    out = subprocess.run([initdb, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"(\d+)", out)
    return (int(m.group(1)) if m else 0, os.path.dirname(initdb))


def probe():
    for module in ("django", "psycopg2", "mongomock"):
        try:
            __import__(module)
        except ImportError:
            skip(f"python3 module '{module}' is not installed (Debian: python3-django, "
                 "python3-psycopg2, python3-mongomock)")
    found = find_postgres_bindir()
    if found is None:
        skip("PostgreSQL's initdb was not found (Debian: postgresql)")
    version, bindir = found
    # The builtin C.UTF-8 locale (PostgreSQL 17) compares and sorts by code point, as MongoDB
    # compares strings, and upper()s with Unicode's simple case mapping; no libc locale does
    # both, so an older server would make the reference itself wrong for non-ASCII text.
    if version < 17:
        skip(f"PostgreSQL {version} found; the builtin C.UTF-8 locale needs PostgreSQL >= 17")
    return bindir


# ---------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster: a temporary directory, a unix socket in it, no TCP, removed at
# the end whatever happens. postgres refuses to run as root, so as root it runs as `postgres`
# (or `nobody`); it is told to die with this process, so even a SIGKILLed test leaves no server.

PR_SET_PDEATHSIG = 1


class TempPostgres:
    def __init__(self, bindir):
        self.bindir = bindir
        self.dir = None
        self.proc = None
        self.user = None

    def _demote(self):
        """preexec_fn: drop to the cluster's owner, then ask for SIGQUIT when the parent dies.
        The order matters: changing the uid clears the parent-death signal."""
        if self.user is not None:
            os.setgroups([])
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGQUIT)
        os.setsid()

    def _run(self, args):
        res = subprocess.run(args, capture_output=True, text=True, preexec_fn=self._demote)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{res.stdout}{res.stderr}")

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="qs-sem-")
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self):
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self.user = pwd.getpwnam(name)
                    break
            if self.user is None:
                skip("running as root and there is no 'postgres' or 'nobody' user to run "
                     "PostgreSQL as")
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "postgres",
                   "-A", "trust", "-E", "UTF8", "--locale=C", "--locale-provider=builtin",
                   "--builtin-locale=C.UTF-8", "--no-sync", "--no-instructions"])
        log = open(self.log, "w")
        if self.user is not None:
            os.chown(self.log, self.user.pw_uid, self.user.pw_gid)
        self.proc = subprocess.Popen(
            [os.path.join(self.bindir, "postgres"), "-D", self.data, "-k", self.dir,
             "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "shared_buffers=16MB",
             "-c", "max_connections=8", "-c", "unix_socket_permissions=0700"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=self._demote)
        log.close()
        import psycopg2
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.proc.returncode}):\n" + self.log_text())
            try:
                psycopg2.connect(host=self.dir, user="postgres", dbname="postgres").close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError("postgres did not start in 30 s:\n" + self.log_text())
                time.sleep(0.1)

    def log_text(self):
        with contextlib.suppress(OSError), open(self.log) as f:
            return f.read()
        return ""

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            # SIGQUIT is PostgreSQL's immediate shutdown: nothing to keep, nothing to flush.
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False


# ---------------------------------------------------------------------------------------------
# The schema, as Django models and as django-mongodb-backend's documents.

def load_schema(path):
    with open(path) as f:
        return json.load(f)


def python_value(ftype, v):
    """A rows.json value (JSON has no dates or decimals) as the field's Python value."""
    if v is None:
        return None
    if ftype == "DateField":
        return datetime.date.fromisoformat(v)
    if ftype == "DateTimeField":
        # rows.json holds instants in UTC, whatever TIME_ZONE the queries run under.
        return datetime.datetime.fromisoformat(v).replace(tzinfo=datetime.timezone.utc)
    if ftype == "TimeField":
        return datetime.time.fromisoformat(v)
    if ftype == "DecimalField":
        return decimal.Decimal(v)
    return v


def mongo_value(ftype, v):
    """A field's value as django-mongodb-backend stores it (its adapt_*_value): dates at
    midnight UTC, times on 0001-01-01, datetimes to the millisecond; Decimal is Decimal128,
    which mongomock (without pymongo's bson) keeps as decimal.Decimal."""
    if v is None:
        return None
    if ftype == "DateField":
        return datetime.datetime.combine(v, datetime.time())
    if ftype == "TimeField":
        return datetime.datetime.combine(datetime.date(1, 1, 1), v)
    if ftype == "DateTimeField":
        return v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return v


def build_models(schema):
    from django.db import models

    class MongoNullsQuerySet(models.QuerySet):
        """NULL placement in ORDER BY is the database's choice (Django leaves it to the
        backend). PostgreSQL sorts NULLs last ascending; MongoDB, and so django-mongodb-backend,
        sorts null below every value. The reference is asked for MongoDB's placement, so that
        what is compared is the order of values, not a backend convention."""

        def order_by(self, *fields):
            return super().order_by(*[mongo_nulls(f) for f in fields])

    def mongo_nulls(f):
        if isinstance(f, str) and f != "?":
            name = f.lstrip("-")
            expr = models.F(name)
            return expr.desc(nulls_last=True) if f.startswith("-") else expr.asc(nulls_first=True)
        return f

    simple = {"max_length", "max_digits", "decimal_places", "null", "blank", "db_column",
              "primary_key", "unique", "db_index"}
    result = {}
    for model_name, spec in schema["models"].items():
        attrs = {"__module__": __name__}
        for fname, fspec in spec["fields"].items():
            cls = getattr(models, fspec["type"])
            kwargs = {k: v for k, v in fspec.items() if k in simple}
            unknown = set(fspec) - simple - {"type"}
            if unknown:
                raise ValueError(f"{model_name}.{fname}: options {sorted(unknown)} are not "
                                 "mapped to Django by this test")
            attrs[fname] = cls(**kwargs)
        attrs["Meta"] = type("Meta", (), {"app_label": "semantics",
                                          "db_table": spec.get("db_table")})
        attrs["objects"] = MongoNullsQuerySet.as_manager()
        result[model_name] = type(model_name, (models.Model,), attrs)
    return result


# ---------------------------------------------------------------------------------------------
# querysafe's commands as mongomock input: canonical Extended JSON to Python values.

def ejson_hook(d):
    if len(d) != 1:
        return d
    (k, v), = d.items()
    if k in ("$numberInt", "$numberLong"):
        return int(v)
    if k == "$numberDouble":
        return float(v)
    if k == "$numberDecimal":
        return decimal.Decimal(v)
    if k == "$date":
        ms = v if isinstance(v, int) else int(v) if isinstance(v, str) and v.lstrip("-").isdigit() \
            else None
        if ms is None:
            raise ValueError(f"unexpected $date form {v!r}")
        return datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    if k in ("$oid", "$binary", "$regularExpression", "$timestamp", "$minKey", "$maxKey",
             "$symbol", "$code", "$dbPointer", "$undefined"):
        raise ValueError(f"the semantics test does not map {k} to mongomock yet")
    return d


def pcre_to_python(pattern):
    """querysafe writes PCRE (MongoDB's regex engine); mongomock compiles patterns with
    Python's re. The one spelling they differ on in querysafe's output is the absolute end
    anchor: PCRE `\\z`, which Python's re (before 3.14) rejects as a bad escape, is Python's
    `\\Z`. PCRE's own `\\Z` (end, or before a final newline) is Python's `(?=\\n?\\Z)`.
    Escapes are walked pairwise so that an escaped backslash followed by `z` stays literal."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out.append("\\Z" if n == "z" else "(?=\\n?\\Z)" if n == "Z" else c + n)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def adapt_regexes(node):
    """Rewrites every $regex / $regexMatch pattern in a command with pcre_to_python: a pattern
    written out, or the constant parts of one built at run time with $concat (a pattern lookup
    against F(): the anchors around the other field's escaped value)."""
    if isinstance(node, list):
        return [adapt_regexes(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "$regex" and isinstance(v, str):
            out[k] = pcre_to_python(v)
        elif k == "$regexMatch" and isinstance(v, dict) and isinstance(v.get("regex"), str):
            out[k] = dict(adapt_regexes(v), regex=pcre_to_python(v["regex"]))
        elif (k == "$regexMatch" and isinstance(v, dict) and isinstance(v.get("regex"), dict)
              and isinstance(v["regex"].get("$concat"), list)):
            parts = [pcre_to_python(x) if isinstance(x, str) else adapt_regexes(x)
                     for x in v["regex"]["$concat"]]
            out[k] = dict(adapt_regexes(v), regex={"$concat": parts})
        else:
            out[k] = adapt_regexes(v)
    return out


def add_replace_all(mongomock):
    """mongomock 4.3 has no $replaceAll (MongoDB 4.4), which a pattern lookup against F() uses to
    escape the other field's value. This adds it to mongomock's expression parser as MongoDB
    documents it (https://www.mongodb.com/docs/manual/reference/operator/aggregation/replaceAll/):
    every non-overlapping occurrence of `find`, left to right; null if any argument is null or
    missing; an error for a non-string. It is the one operator the test adds: a gap in what
    mongomock knows, not a wrong answer it gives, and without it no F() pattern would be
    compared."""
    from mongomock import OperationFailure, aggregate

    if "$replaceAll" in aggregate.string_operators:
        return
    original = aggregate._Parser._handle_string_operator

    def handle(self, operator, values):
        if operator != "$replaceAll":
            return original(self, operator, values)
        if not isinstance(values, dict) or set(values) != {"input", "find", "replacement"}:
            raise OperationFailure("$replaceAll needs input, find and replacement")
        args = []
        for name in ("input", "find", "replacement"):
            try:
                v = self.parse(values[name])
            except KeyError:
                v = None  # a missing field
            if v is not None and not isinstance(v, str):
                raise OperationFailure(f"$replaceAll requires that '{name}' be a string")
            args.append(v)
        if None in args:
            return None
        return args[0].replace(args[1], args[2])

    aggregate.string_operators.append("$replaceAll")
    aggregate._Parser._handle_string_operator = handle


# Command fields mongomock is given, and those that do not change which documents match.
FIND_FIELDS = {"find", "filter", "sort", "projection", "skip", "limit", "singleBatch"}
COUNT_FIELDS = {"count", "query", "skip", "limit"}
AGGREGATE_FIELDS = {"aggregate", "pipeline", "cursor"}


def run_command(coll, cmd):
    """Runs a find / count / aggregate on a mongomock collection. A command field the test
    does not know (collation, hint, let...) is an error, never silently dropped: it could
    change the answer."""
    if "find" in cmd:
        extra = set(cmd) - FIND_FIELDS
        if extra:
            raise ValueError(f"find fields {sorted(extra)} are not run by this test")
        cur = coll.find(cmd.get("filter", {}), cmd.get("projection"))
        if cmd.get("sort"):
            cur = cur.sort(list(cmd["sort"].items()))
        if cmd.get("skip"):
            cur = cur.skip(cmd["skip"])
        if cmd.get("limit"):
            cur = cur.limit(abs(cmd["limit"]))
        return list(cur)
    if "count" in cmd:
        extra = set(cmd) - COUNT_FIELDS
        if extra:
            raise ValueError(f"count fields {sorted(extra)} are not run by this test")
        kwargs = {k: cmd[k] for k in ("skip", "limit") if cmd.get(k)}
        return coll.count_documents(cmd.get("query", {}), **kwargs)
    if "aggregate" in cmd:
        extra = set(cmd) - AGGREGATE_FIELDS
        if extra:
            raise ValueError(f"aggregate fields {sorted(extra)} are not run by this test")
        return list(coll.aggregate(cmd["pipeline"]))
    raise ValueError(f"command {next(iter(cmd))!r} is not run by this test")


# ---------------------------------------------------------------------------------------------
# mongomock's known gaps. Each is recognised by what mongomock does (the exception it raises and
# its message), not by the query text, and reported with the number of runs it cost; that run
# (query x collection) is not compared, and every other run stays strict. A new exception is a
# failure until it is understood. Each entry: name, exception type, regex over the message, why.

MONGOMOCK_GAPS = [
    ("iso-date-parts", "NotImplementedError",
     r"'\$(isoDayOfWeek|isoWeek|isoWeekYear)' is a valid date operator",
     "mongomock 4.3 lists $isoDayOfWeek, $isoWeek and $isoWeekYear but does not implement them "
     "(iso_week_day, week and iso_year lookups)"),
    ("date-part-of-null", "AttributeError", r"^'NoneType' object has no attribute '",
     "mongomock's date operators ($year, $dayOfMonth, $hour, $dateToString...) call datetime "
     "methods on a null date and crash; MongoDB returns null"),
    ("missing-expr-operand", "KeyError", r"^'[A-Za-z_][A-Za-z0-9_]*'$",
     "a field missing from a document raises KeyError out of mongomock's $expr comparisons and "
     "date operators; MongoDB evaluates it as missing (below null)"),
    ("regexmatch-missing-input", "OperationFailure",
     r"^\$regexMatch needs 'input' to be of type string$",
     "mongomock's $toString of a missing field is None, which its $regexMatch refuses; in "
     "MongoDB $toString gives null and $regexMatch of null is false"),
    ("date-trunc", "OperationFailure", r"^Unrecognized expression '\$dateTrunc'$",
     "mongomock 4.3 does not know $dateTrunc (MongoDB 5.0; the __date transform)"),
]


def classify_gap(exc):
    text = str(exc)
    for name, etype, pattern, _ in MONGOMOCK_GAPS:
        if type(exc).__name__ == etype and re.search(pattern, text):
            return name
    return None


# Gaps where mongomock answers wrongly without raising. They cannot be recognised by an exception,
# so each is recognised by what the run would feed mongomock's faulty code: the operator in the
# command and the values it reads in the collection's documents. Each entry: name, why, and a
# function (command, documents) -> whether the run hits the gap.

def field_refs(node):
    """The document fields ("$name") an aggregation expression reads."""
    if isinstance(node, str):
        return {node[1:]} if node.startswith("$") and not node.startswith("$$") else set()
    if isinstance(node, list):
        return set().union(*[field_refs(x) for x in node]) if node else set()
    if isinstance(node, dict):
        return set().union(*[field_refs(v) for v in node.values()]) if node else set()
    return set()


def operator_args(node, op):
    """Every argument of operator `op` in a command."""
    if isinstance(node, list):
        for x in node:
            yield from operator_args(x, op)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == op:
                yield v
            yield from operator_args(v, op)


def hits_date_from_parts(cmd, docs):
    for args in operator_args(cmd, "$dateFromParts"):
        # Milliseconds are misread only when they are a part (__time; __date under a time zone
        # passes year, month and day only).
        millis = isinstance(args, dict) and "millisecond" in args
        for f in field_refs(args):
            for d in docs:
                if f not in d or (millis and isinstance(d[f], datetime.datetime) and
                                  d[f].microsecond):
                    return True
    return False


def hits_to_string_of_null(cmd, docs):
    for args in operator_args(cmd, "$regexMatch"):
        if not isinstance(args, dict) or "$toString" not in json.dumps(args.get("input")):
            continue
        if not isinstance(args.get("regex"), str):
            continue  # built at run time from another field: querysafe tests both for null first
        flags = re.I if "i" in args.get("options", "") else 0
        if not re.search(args["regex"], "None", flags):
            continue
        if any(d.get(f, 0) is None for f in field_refs(args.get("input")) for d in docs):
            return True
    return False


MONGOMOCK_SILENT_GAPS = [
    ("date-from-parts",
     "mongomock's $dateFromParts (the __time transform) builds a date from the parts that are "
     "there when one evaluates to missing, where MongoDB returns null, and reads millisecond as "
     "microseconds",
     hits_date_from_parts),
    ("tostring-of-null",
     "mongomock's $toString of null is the text 'None' (MongoDB: null, which $regexMatch never "
     "matches), so a pattern matching 'None' over a non-text field matches its NULLs",
     hits_to_string_of_null),
]


def silent_gap(cmd, docs):
    for name, _, hits in MONGOMOCK_SILENT_GAPS:
        if hits(cmd, docs):
            return name
    return None


# ---------------------------------------------------------------------------------------------
# Answers. Both sides reduce to one of:
#   ("rows", [pk...])    a QuerySet of models (ordered or not: `ordered` says how to compare)
#   ("one", pk | None)   first(), last(), [n], get() (None: no object)
#   ("many",)            get() matched more than one
#   ("count", n)         count()
#   ("exists", bool)     exists()

class CaseError(Exception):
    """The case itself cannot be compared (not a disagreement): a bad query file entry."""


def order_names(qs):
    """The field names a Django QuerySet is ordered by, for the tie check."""
    from django.db.models import F, OrderBy
    names = []
    for o in qs.query.order_by:
        if isinstance(o, OrderBy) and isinstance(o.expression, F):
            names.append(o.expression.name)
        else:
            raise CaseError(f"ordering by {o!r} is not compared by this test")
    return names


def django_answer(models_ns, text):
    from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
    from django.db.models import QuerySet
    try:
        result = eval(text, {"__builtins__": {}}, models_ns)  # noqa: S307 (trusted test data)
    except ObjectDoesNotExist:
        return ("one", None), None
    except MultipleObjectsReturned:
        return ("many",), None
    except IndexError:
        return ("one", None), None
    if isinstance(result, bool):
        return ("exists", result), None
    if isinstance(result, int):
        return ("count", result), None
    if result is None:
        return ("one", None), None
    if isinstance(result, QuerySet):
        if result._iterable_class.__name__ != "ModelIterable":
            raise CaseError("values()/values_list() results are not compared by this test")
        pks = [o.pk for o in result]
        ordering = None
        if result.ordered:
            names = order_names(result)
            full = result._chain()
            full.query.clear_limits()
            ordering = (names, [o.pk for o in full])
        elif result.query.low_mark or result.query.high_mark is not None:
            raise CaseError("a slice of an unordered QuerySet is not deterministic; add "
                            "order_by()")
        return ("rows", pks), ordering
    if hasattr(result, "pk"):
        return ("one", result.pk), None
    raise CaseError(f"result of type {type(result).__name__} is not compared by this test")


def mongo_answer(kind, cmd, result):
    """querysafe's command result, shaped as Django's answer of the same kind."""
    if "count" in cmd:
        return ("count", result)
    pks = [d["_id"] for d in result]
    if kind == "rows":
        return ("rows", pks)
    if kind == "exists":
        return ("exists", bool(pks))
    if kind in ("one", "many"):
        if len(pks) > 1 and "singleBatch" not in cmd:
            return ("many",)  # get(): Django fetches up to 21 rows to say "more than one"
        return ("one", pks[0] if pks else None)
    raise CaseError(f"Django answered {kind}, querysafe issued {next(iter(cmd))}")


def agree(django, mongo, ordering, keys):
    """Whether the answers agree. For ordered rows: the same sequence of sort keys, and every
    row one Django could have returned (ties may come in either order, and a slice through a
    tie may take either row), all distinct."""
    if django[0] != mongo[0]:
        return False
    if ordering is None or django[0] not in ("rows", "one"):
        if django[0] == "rows":
            return sorted(django[1], key=repr) == sorted(mongo[1], key=repr)
        return django == mongo
    names, full = ordering
    d = django[1] if django[0] == "rows" else [django[1]] if django[1] is not None else []
    m = mongo[1] if mongo[0] == "rows" else [mongo[1]] if mongo[1] is not None else []
    key = lambda pk: tuple(keys[pk][n] for n in names)  # noqa: E731
    allowed = set(full)
    return (len(set(m)) == len(m) and all(pk in allowed for pk in m) and
            [key(pk) for pk in d] == [key(pk) for pk in m])


# ---------------------------------------------------------------------------------------------
# The query file: one query per line; `#` comments. A line `@differs [CONDITION] REASON` before a
# query says the two answers are expected to differ, by design (a regex dialect, a text format
# each backend defines, a bug of the installed Django): the test checks that they still do, so
# that a change on either side is noticed. CONDITION, optional, is `django<X.Y`: the mark applies
# only then.

def load_queries(path):
    import django
    cases, pending = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@differs"):
                reason = line[len("@differs"):].strip()
                m = re.match(r"\[django<(\d+)\.(\d+)\]\s*(.*)", reason)
                if m:
                    applies = django.VERSION[:2] < (int(m.group(1)), int(m.group(2)))
                    reason = m.group(3)
                else:
                    applies = True
                pending = (reason or "no reason given") if applies else None
                continue
            cases.append((lineno, line, pending))
            pending = None
    return cases


def translate(cli, schema_path, text, time_zone):
    # --canonical: every BSON type kept, which ejson_hook turns into the Python value.
    res = subprocess.run([cli, "translate", "--canonical", "--schema", schema_path, "--time-zone",
                          time_zone, text], capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        return None, res.stderr.strip() or f"exit {res.returncode}"
    out = json.loads(res.stdout, object_hook=ejson_hook)
    return out, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the querysafe command")
    parser.add_argument("--data", required=True, help="tests/data/semantics")
    parser.add_argument("-k", dest="only", help="run only the queries containing this text")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every comparison")
    parser.add_argument("--time-zones", default=",".join(TIME_ZONES),
                        help="Django TIME_ZONEs to run every query under, comma-separated "
                        f"(default {','.join(TIME_ZONES)})")
    args = parser.parse_args()

    bindir = probe()
    # ctest's timeout and ^C end the test with a signal: turn them into an exception so that the
    # `with` block stops PostgreSQL and removes its directory.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    started = time.monotonic()
    with TempPostgres(bindir) as pg:
        return compare_all(args, pg, started)


# The Mongo side runs every query on three collections, each against Django's answer over the
# same rows:
#   nulls stored   NULL as null, as django-mongodb-backend inserts a model
#   nulls absent   NULL as a missing field (a document written before the field existed)
#   dates set      only the rows whose date and time fields are all set: mongomock's date
#                  operators fail on null and missing dates (gaps above), and this keeps the date
#                  transforms compared on every row they can run on
VARIANTS = ("nulls stored", "nulls absent", "dates set")

# Django's TIME_ZONE for each pass over the queries: the default, a zone with DST (changes on
# 2024-03-10 and 2024-11-03, rows 51-64 sit on them) and one with a half-hour offset. querysafe
# is given the same zone (--time-zone).
TIME_ZONES = ("UTC", "America/Chicago", "Asia/Kolkata")


def check_mongomock_time_zones(client):
    """The comparison under a time zone rests on mongomock's `timezone` argument of the date
    operators querysafe writes. mongomock 4.3 implements {date, timezone} for $year, $month,
    $dayOfMonth, $dayOfWeek, $hour, $minute, $second and $millisecond (pytz), not for
    $dateFromParts, $dateToString or $dateTrunc (querysafe writes none of those with a zone).
    This checks, before anything is compared, that each gives what MongoDB documents (the part of
    the date in that zone) on instants at midnight and at DST changes, against Python's zoneinfo.
    A mongomock that ignored the zone would make every comparison below meaningless: that is a
    failure, not a skip."""
    import zoneinfo
    parts = {"$year": lambda t: t.year, "$month": lambda t: t.month,
             "$dayOfMonth": lambda t: t.day, "$dayOfWeek": lambda t: t.isoweekday() % 7 + 1,
             "$hour": lambda t: t.hour, "$minute": lambda t: t.minute,
             "$second": lambda t: t.second,
             "$millisecond": lambda t: t.microsecond // 1000}
    instants = [datetime.datetime(2024, 3, 10, 7, 59, 59, 999000),
                datetime.datetime(2024, 3, 10, 8, 0), datetime.datetime(2024, 11, 3, 6, 30),
                datetime.datetime(2024, 11, 3, 7, 30), datetime.datetime(2024, 1, 14, 18, 30),
                datetime.datetime(2023, 12, 31, 18, 29, 59)]
    coll = client["timezone_check"]["instants"]
    coll.insert_many([{"_id": i, "d": t} for i, t in enumerate(instants)])
    wrong = []
    for zone in TIME_ZONES:
        project = {op[1:]: {op: {"date": "$d", "timezone": zone}} for op in parts}
        for doc in coll.aggregate([{"$project": dict(project, d=1)}]):
            local = doc["d"].replace(tzinfo=datetime.timezone.utc).astimezone(
                zoneinfo.ZoneInfo(zone))
            for op, part in parts.items():
                if doc[op[1:]] != part(local):
                    wrong.append(f"{op} of {doc['d']}Z in {zone}: {doc[op[1:]]}, not "
                                 f"{part(local)}")
    if wrong:
        raise RuntimeError("mongomock's date operators do not convert to the time zone as MongoDB "
                           "does:\n  " + "\n  ".join(wrong))


def compare_all(args, pg, started):
    import warnings

    import django
    from django.conf import settings
    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres",
                               "USER": "postgres", "HOST": pg.dir}},
        INSTALLED_APPS=[], USE_TZ=True, TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField")
    django.setup()
    # Query texts use naive datetimes, which querysafe reads as UTC, as Django does here (with a
    # RuntimeWarning each time).
    warnings.filterwarnings("ignore", message=r".*received a naive datetime",
                            category=RuntimeWarning)
    import mongomock
    add_replace_all(mongomock)
    from django.db import connection, models
    from django.db.models import Avg, Count, F, Max, Min, Q, Sum

    schema_path = os.path.join(args.data, "schema.json")
    schema = load_schema(schema_path)
    with open(os.path.join(args.data, "rows.json"), encoding="utf-8") as f:
        rows = json.load(f)
    cases = load_queries(os.path.join(args.data, "queries.txt"))
    if args.only:
        cases = [c for c in cases if args.only in c[1]]

    model_classes = build_models(schema)
    if len(model_classes) != 1:
        raise CaseError("the test loads rows.json into exactly one model")
    (model_name, model), = model_classes.items()
    ftypes = {f: s["type"] for f, s in schema["models"][model_name]["fields"].items()}
    with connection.schema_editor() as editor:
        editor.create_model(model)
    model.objects.bulk_create(
        [model(**{k: python_value(ftypes[k], v) for k, v in r.items()}) for r in rows])

    # The documents, from the rows as PostgreSQL stored them (decimals at the field's scale).
    temporal = [f for f, t in ftypes.items() if t in ("DateField", "DateTimeField", "TimeField")]
    client = mongomock.MongoClient()
    db = client[schema["database"]]
    collections = {v: db[f"variant{i}"] for i, v in enumerate(VARIANTS)}
    keys, dated = {}, []
    docs = {v: [] for v in VARIANTS}
    for obj in model.objects.all():
        doc = {}
        for field in model._meta.concrete_fields:
            value = getattr(obj, field.attname)
            if isinstance(value, (datetime.datetime, datetime.time)) and value.microsecond % 1000:
                raise CaseError(f"row {obj.pk}: {field.name} has sub-millisecond precision, "
                                "which MongoDB dates cannot hold")
            doc[field.column] = mongo_value(ftypes[field.name], value)
        docs["nulls stored"].append(dict(doc))
        docs["nulls absent"].append({k: v for k, v in doc.items() if v is not None})
        if all(getattr(obj, f) is not None for f in temporal):
            docs["dates set"].append(dict(doc))
            dated.append(obj.pk)
        keys[obj.pk] = {f.name: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        keys[obj.pk]["pk"] = obj.pk

    for variant, coll in collections.items():
        coll.insert_many([dict(d) for d in docs[variant]])

    # Django's side of "dates set": a proxy whose every query starts from those rows.
    base_manager = model.objects.__class__

    class DatedManager(base_manager):
        def get_queryset(self):
            return super().get_queryset().filter(pk__in=dated)

    dated_model = type(f"{model_name}DatesSet", (model,), {
        "__module__": __name__, "objects": DatedManager(),
        "Meta": type("Meta", (), {"proxy": True, "app_label": "semantics"})})

    common = {"Q": Q, "F": F, "Count": Count, "Sum": Sum, "Avg": Avg, "Min": Min, "Max": Max,
              "date": datetime.date, "datetime": datetime.datetime, "time": datetime.time,
              "timedelta": datetime.timedelta, "timezone": datetime.timezone,
              "Decimal": decimal.Decimal}
    namespaces = {"nulls stored": dict(common, **{model_name: model}),
                  "dates set": dict(common, **{model_name: dated_model})}
    namespaces["nulls absent"] = namespaces["nulls stored"]

    check_mongomock_time_zones(client)
    from django.test.utils import override_settings
    zones = [z for z in args.time_zones.split(",") if z]
    failures, gaps, compared, differs_ok = [], {}, 0, 0
    for zone in zones:
        # override_settings resets Django's cached default time zone and the connection's.
        with override_settings(TIME_ZONE=zone):
            for lineno, text, differs in cases:
                where = f"queries.txt:{lineno} [{zone}]: {text}"
                out, err = translate(args.cli, schema_path, text, zone)
                django_answers = {}
                try:
                    for variant in ("nulls stored", "dates set"):
                        django_answers[variant] = django_answer(namespaces[variant], text)
                except CaseError as e:
                    failures.append(f"{where}\n  bad case: {e}")
                    continue
                except Exception as e:  # Django refused it: the query file is wrong
                    failures.append(f"{where}\n  Django raised {type(e).__name__}: {e}")
                    continue
                django_answers["nulls absent"] = django_answers["nulls stored"]
                if out is None:
                    failures.append(f"{where}\n  Django answers "
                                    f"{django_answers['nulls stored'][0]}, querysafe rejects "
                                    f"it:\n  {err}")
                    continue
                cmd = adapt_regexes(out["command"])
                shown = json.dumps(out["command"], default=str, ensure_ascii=False)
                outcomes = []  # (variant, agrees, Django's answer, mongomock's answer)
                for variant, coll in collections.items():
                    django_res, ordering = django_answers[variant]
                    coll_cmd = dict(cmd)
                    for verb in ("find", "count", "aggregate"):
                        if verb in coll_cmd:
                            coll_cmd[verb] = coll.name
                    gap = silent_gap(coll_cmd, docs[variant])
                    if gap is not None:
                        gaps.setdefault(gap, []).append(f"{text} [{zone}, {variant}]")
                        continue
                    try:
                        raw = run_command(coll, coll_cmd)
                    except Exception as e:
                        gap = classify_gap(e)
                        if gap is None:
                            failures.append(f"{where} [{variant}]\n  mongomock raised "
                                            f"{type(e).__name__}: {e}\n  command: {shown}")
                        else:
                            gaps.setdefault(gap, []).append(f"{text} [{zone}, {variant}]")
                        continue
                    try:
                        mongo_res = mongo_answer(django_res[0], coll_cmd, raw)
                    except CaseError as e:
                        failures.append(f"{where} [{variant}]\n  bad case: {e}")
                        continue
                    compared += 1
                    ok = agree(django_res, mongo_res, ordering, keys)
                    outcomes.append((variant, ok, django_res, mongo_res))
                    if args.verbose:
                        print(f"{'ok  ' if ok else 'DIFF'} [{zone}, {variant}] {text}: "
                              f"{django_res}")
                if differs is not None:
                    # Expected to differ where the rows show the difference: on at least one
                    # collection (a subset of the rows may not hold the row that tells them apart).
                    if outcomes and all(ok for _, ok, _, _ in outcomes):
                        failures.append(f"{where}\n  marked @differs ({differs}) but the "
                                        f"answers agree on every collection: {outcomes[0][2]}; "
                                        "remove the mark")
                    differs_ok += sum(1 for _, ok, _, _ in outcomes if not ok)
                    continue
                for variant, ok, django_res, mongo_res in outcomes:
                    if not ok:
                        failures.append(
                            f"{where} [{variant}]\n  Django (PostgreSQL): {django_res}\n"
                            f"  querysafe (mongomock): {mongo_res}\n  command: {shown}")

    elapsed = time.monotonic() - started
    whys = {g[0]: g[3] for g in MONGOMOCK_GAPS}
    whys.update({g[0]: g[1] for g in MONGOMOCK_SILENT_GAPS})
    for name, hits in sorted(gaps.items()):
        why = whys[name]
        print(f"mongomock gap {name}: {len(hits)} runs not compared, e.g. {hits[0]}\n  ({why})")
    for f in failures:
        print(f"FAIL {f}")
    runs = len(cases) * len(VARIANTS) * len(zones)
    print(f"semantics: {len(cases)} queries x {len(VARIANTS)} collections x {len(zones)} time "
          f"zones over {len(rows)} rows "
          f"({len(dated)} with dates set): {compared} of {runs} runs compared ({differs_ok} "
          f"expected differences), {sum(len(h) for h in gaps.values())} hit mongomock gaps; "
          f"{len(failures)} failures; {elapsed:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
