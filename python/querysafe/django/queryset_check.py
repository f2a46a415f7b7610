"""``querysafe.django.check(queryset)``: a live QuerySet checked and translated by querysafe.

The QuerySet is not turned into text by printing it: ``qs.query`` (Django's ``sql.Query``) is
walked node by node (the where tree with its lookups, transforms, negations and connectors, the
annotations and aggregates, ``values()``, ordering, slicing, ``distinct``, ``select_related``,
``only``/``defer``, combinators and subqueries) and rebuilt as the QuerySet expression querysafe
compiles. The way querysafe's QueryBuilder builds a query is kept: every value taken from the
QuerySet becomes a bound parameter (``$p0``, ``$p1``... passed to ``translate`` as the Python
object itself, never printed into the text), and every name that goes into the text (model, field,
lookup, transform and annotation names) must be a Python identifier, so no value or name can
change the query's structure. (The C++ builder itself expresses filter/exclude with keyword
lookups, order_by, slices and final methods; Q trees, F() expressions, annotations and combinators
go beyond it, which is why the text is generated here with the same two rules.)

What the walk does not know it does not guess: any node, attribute or option it has no mapping for
raises ``UnmappedQuery`` (a ``querysafe.NotSupportedError``) naming it. A QuerySet is never
approved unless every part of it was understood.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import threading
from typing import Any, Dict, List, Optional, Tuple

from django.db import models
from django.db.models import QuerySet
from django.db.models.aggregates import Aggregate, Star
from django.db.models.expressions import Col, CombinedExpression, F, OrderBy, Ref, Value
from django.db.models.lookups import Lookup, Transform
from django.db.models.sql.query import Query as SqlQuery
from django.db.models.sql.where import NothingNode, WhereNode

from ..core import Query, Schema, Translation, _call
from ..errors import Diagnostic, NotSupportedError

__all__ = ["UnmappedQuery", "check", "query_text", "schema_for"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_AGGREGATES = {"Count", "Sum", "Avg", "Min", "Max", "StdDev", "Variance"}
_CONNECTORS = {"+": "+", "-": "-", "*": "*", "/": "/", "%%": "%"}
_TERMINALS = ("get", "count", "exists", "first", "last", "delete")


class UnmappedQuery(NotSupportedError):
    """A part of a QuerySet that querysafe.django.check has no mapping for: the QuerySet is not
    approved (code ``django.unmapped``)."""

    default_code = "django.unmapped"


def _unmapped(what: str) -> UnmappedQuery:
    message = f"querysafe cannot check this QuerySet: {what} is not mapped, so it is not approved"
    diagnostic = Diagnostic("NotSupportedError", "django.unmapped", message, 0, (0, 0), 0, 0)
    return UnmappedQuery(f"NotSupportedError: {message}", [diagnostic])


# Names and paths already checked (model and field names repeat from query to query).
_NAMES: set = set()
_PATHS: set = set()


def _name(value: Any, what: str) -> str:
    if value in _NAMES:
        return value
    if not isinstance(value, str) or not _IDENTIFIER.match(value) or "__" in value.strip("_"):
        raise _unmapped(f"the {what} {value!r} (not a Python identifier)")
    _remember(_NAMES, value)
    return value


def _path(value: Any, what: str) -> str:
    """A field path (``a__b``) whose every part is an identifier."""
    if value in _PATHS:
        return value
    if not isinstance(value, str) or not value:
        raise _unmapped(f"the {what} {value!r}")
    for part in value.split("__"):
        _name(part, what)
    _remember(_PATHS, value)
    return value


def _remember(checked: set, value: str) -> None:
    if len(checked) > 4096:
        checked.clear()
    checked.add(value)


# Values that go to the parameters as they are (the rest are looked at: model instances, sets).
_PLAIN = frozenset(
    (str, int, float, bool, type(None), decimal.Decimal, datetime.date, datetime.datetime, bytes, list, tuple)
)


def _cls(obj) -> str:
    return type(obj).__name__


class _Renderer:
    """One QuerySet to (text, params). Values go to ``params`` as $p0, $p1..."""

    def __init__(self):
        self.params: Dict[str, Any] = {}

    # -- values and expressions -----------------------------------------------------------

    def param(self, value: Any) -> str:
        if type(value) in _PLAIN:
            pass
        elif isinstance(value, models.Model):
            value = _instance_value(value)
        elif isinstance(value, (set, frozenset)):
            value = list(value)
        name = f"p{len(self.params)}"
        self.params[name] = value
        return "$" + name

    def col_path(self, col, query) -> str:
        """The field path of a Col: its field, after the forward joins that lead to its table."""
        target = getattr(col, "target", None)
        if target is None or not getattr(target, "name", None):
            raise _unmapped(f"the column {col!r}")
        alias = col.alias
        base = query.base_table if query.alias_map else query.get_meta().db_table
        if alias == base:
            return _name(target.name, "field")
        parts = [_name(target.name, "field")]
        seen = 0
        while alias != base:
            join = query.alias_map.get(alias)
            field = getattr(join, "join_field", None)
            # Forward relations only (a ForeignKey of the parent's model): reverse and
            # many-to-many joins, FilteredRelation and base-table joins are not mapped.
            if (
                join is None
                or getattr(join, "filtered_relation", None) is not None
                or field is None
                or getattr(field, "is_relation", False) is not True
                or getattr(field, "auto_created", True)
                or not getattr(field, "many_to_one", False) and not getattr(field, "one_to_one", False)
                or seen > 50
            ):
                raise _unmapped(f"the join that reaches {target.name!r} (only forward foreign keys are)")
            parts.insert(0, _name(field.name, "relation"))
            alias = join.parent_alias
            seen += 1
        return "__".join(parts)

    def lhs_parts(self, lhs, query) -> List[str]:
        if type(lhs) is Col:
            return self.col_path(lhs, query).split("__")
        name = _annotation_name(lhs, query)
        if name is not None:
            return name.split("__")
        if isinstance(lhs, Col):
            return self.col_path(lhs, query).split("__")
        if isinstance(lhs, Ref):
            return _path(lhs.refs, "annotation").split("__")
        if isinstance(lhs, F) and _cls(lhs) == "F":
            return _path(lhs.name, "F() name").split("__")
        if isinstance(lhs, Transform):
            inner = self.lhs_parts(lhs.lhs, query)
            key = getattr(lhs, "key_name", None)
            if key is not None:
                # django-mongodb-backend's embedded-model KeyTransform (key_name, ref_field) and
                # Django's JSONField KeyTransform: one path segment each.
                return inner + [_name(str(key), "key")]
            name = getattr(type(lhs), "lookup_name", None)
            if name and len(lhs.get_source_expressions()) == 1:
                return inner + [_name(name, "transform")]
        raise _unmapped(f"the expression {lhs!r} on the left of a lookup")

    def expr(self, e, query, own: bool = False) -> str:
        """``own``: ``e`` is an annotation being defined (else a reference to one is F(name))."""
        name = None if own else _annotation_name(e, query)
        if name is not None:
            return f'F("{name}")'
        if isinstance(e, Value) and _cls(e) == "Value":
            return self.param(e.value)
        if isinstance(e, Col):
            return f'F("{self.col_path(e, query)}")'
        if isinstance(e, Ref):
            return f'F("{_path(e.refs, "annotation")}")'
        if isinstance(e, F) and _cls(e) == "F":
            return f'F("{_path(e.name, "F() name")}")'
        if isinstance(e, CombinedExpression) and e.connector in _CONNECTORS:
            return f"({self.operand(e.lhs, query)} {_CONNECTORS[e.connector]} {self.operand(e.rhs, query)})"
        if isinstance(e, Aggregate) and _cls(e) in _AGGREGATES:
            if e.filter is not None or e.default is not None or getattr(e, "order_by", None):
                raise _unmapped(f"{_cls(e)}() with filter, default or order_by")
            sources = e.get_source_expressions()[: len(e.source_expressions)]
            if len(sources) != 1:
                raise _unmapped(f"{_cls(e)}() of {len(sources)} expressions")
            source = sources[0]
            if isinstance(source, Star):
                arg = '"*"'
            elif isinstance(source, (Col, F)) and _cls(source) in ("Col", "F"):
                arg = '"' + (self.col_path(source, query) if isinstance(source, Col)
                             else _path(source.name, "F() name")) + '"'
            else:
                arg = self.expr(source, query)
            extra = ""
            if e.distinct:
                extra += ", distinct=True"
            if getattr(e, "extra", {}).get("sample"):
                extra += ", sample=True"
            return f"{_cls(e)}({arg}{extra})"
        if isinstance(e, SqlQuery):
            return self.query(e)
        if isinstance(e, models.Model):
            return self.param(e.pk)
        raise _unmapped(f"the expression {e!r}")

    def operand(self, e, query) -> str:
        """An operand of + - * / %: querysafe takes constants there, not parameters, so a number
        is written as its literal (an int, a finite float or Decimal: text that can only be
        that number); any other value is not mapped."""
        if isinstance(e, Value) and _cls(e) == "Value":
            v = e.value
            if isinstance(v, int) and not isinstance(v, bool):
                return str(v)
            if isinstance(v, float) and math.isfinite(v):
                return repr(v)
            if isinstance(v, decimal.Decimal) and v.is_finite():
                return f'Decimal("{v}")'
            raise _unmapped(f"the value {v!r} in an expression (numbers only)")
        return self.expr(e, query)

    # -- the where tree -------------------------------------------------------------------

    def lookup(self, lookup, query) -> Tuple[str, str]:
        if not isinstance(lookup, Lookup):
            raise _unmapped(f"the condition {_cls(lookup)}" + (" (extra(where=...))" if _cls(lookup) == "ExtraWhere" else ""))
        lhs = lookup.lhs
        key = self.col_path(lhs, query) if type(lhs) is Col else "__".join(self.lhs_parts(lhs, query))
        name = _name(lookup.lookup_name, "lookup")
        if name != "exact":
            key += "__" + name
        rhs = lookup.rhs
        t = type(rhs)
        if t in _PLAIN and t is not list and t is not tuple:
            return key, self.param(rhs)
        if hasattr(rhs, "resolve_expression"):
            value = self.expr(rhs, query)
        elif isinstance(rhs, (list, tuple)):
            if any(hasattr(v, "resolve_expression") for v in rhs):
                raise _unmapped(f"expressions inside the values of __{name}")
            value = self.param(list(rhs))
        else:
            value = self.param(rhs)
        return key, value

    def children(self, node, query) -> list:
        """The node's children, without the `field IS NOT NULL` Django's build_filter adds beside
        a negated lookup on a nullable field: the same condition querysafe adds for the lookup
        written by the user (the text `exclude(x=1)` and Django's `NOT (x = 1 AND x IS NOT
        NULL)`), so it is not rendered twice."""
        out = []
        for child in node.children:
            if (
                isinstance(child, Lookup)
                and child.lookup_name == "isnull"
                and child.rhs is False
                and isinstance(child.lhs, Col)
                and any(_added_isnull_for(prev, child.lhs) for prev in out)
            ):
                continue
            out.append(child)
        return out

    def q(self, node, query, negated: bool = False) -> str:
        """A where node as a Q expression; ``negated``: under a negation (where Django adds its
        IS NOT NULL conditions)."""
        if not isinstance(node, WhereNode):
            key, value = self.lookup(node, query)
            return f"Q({key}={value})"
        negated ^= node.negated
        children = self.children(node, query) if negated and node.connector == "AND" else node.children
        if node.connector not in ("AND", "OR", "XOR"):
            raise _unmapped(f"the connector {node.connector!r}")
        op = {"AND": " & ", "OR": " | ", "XOR": " ^ "}[node.connector]
        inner = op.join(self.q(c, query, negated) for c in children) if children else "Q()"
        if len(children) > 1:
            inner = f"({inner})"
        return f"~{inner}" if node.negated else inner

    def arguments(self, children, query, negated: bool = False) -> List[str]:
        """filter()/exclude() arguments: lookups as keywords when that keeps their order (after
        the Q objects) and no key repeats, else each as a Q()."""
        rendered = []
        keys = set()
        simple = True
        for c in children:
            if isinstance(c, WhereNode):
                rendered.append((None, self.q(c, query, negated)))
            else:
                key, value = self.lookup(c, query)
                simple = simple and key not in keys
                keys.add(key)
                rendered.append((key, value))
        # Q objects first, then keywords: as Python takes them (and as Django's Q stores them).
        first_keyword = next((i for i, (k, _) in enumerate(rendered) if k is not None), len(rendered))
        if simple and all(k is not None for k, _ in rendered[first_keyword:]):
            return [v if k is None else f"{k}={v}" for k, v in rendered]
        return [f"Q({k}={v})" if k is not None else v for k, v in rendered]

    def where(self, where, query) -> str:
        children = where.children
        if not children:
            return ""
        if where.negated or where.connector != "AND":
            return f".filter({self.q(where, query)})"
        out = []
        pending: List[Any] = []
        for child in children:
            if type(child) is NothingNode:
                return ".none()"
            if isinstance(child, WhereNode) and child.connector == "AND":
                if pending:
                    out.append(f".filter({', '.join(self.arguments(pending, query))})")
                    pending = []
                if child.negated:
                    args = self.arguments(self.children(child, query), query, True)
                    out.append(f".exclude({', '.join(args)})")
                else:
                    out.append(f".filter({', '.join(self.arguments(child.children, query))})")
            else:
                pending.append(child)
        if pending:
            out.append(f".filter({', '.join(self.arguments(pending, query))})")
        return "".join(out)

    # -- the query ------------------------------------------------------------------------

    def query(self, query, values_class: Optional[str] = None) -> str:
        _refuse_unmapped_state(query)
        model = _name(query.model._meta.object_name, "model")
        steps: List[str] = []
        if query.combinator:
            if query.combinator not in ("union", "intersection", "difference"):
                raise _unmapped(f"the combinator {query.combinator!r}")
            first, *others = [self.query(q) for q in query.combined_queries]
            extra = ", all=True" if query.combinator_all else ""
            # The combined QuerySet keeps the first one's where and annotations, unused.
            text = f"{first}.{query.combinator}({', '.join(others)}{extra})"
        else:
            text = f"{model}.objects"
            steps.append(self.annotations_and_where(query))
        steps.append(self.selection(query, values_class))
        if query.distinct:
            steps.append(f".distinct({', '.join(_quoted(_path(f, 'distinct field')) for f in query.distinct_fields)})")
        if query.select_related:
            steps.append(f".select_related({', '.join(_quoted(p) for p in _related_paths(query.select_related))})")
        names, defer = query.deferred_loading
        if names:
            method = "defer" if defer else "only"
            steps.append(f".{method}({', '.join(_quoted(_path(n, method + ' field')) for n in sorted(names))})")
        steps.append(self.ordering(query))
        if query.low_mark or query.high_mark is not None:
            high = "" if query.high_mark is None else str(int(query.high_mark))
            steps.append(f"[{int(query.low_mark)}:{high}]")
        return text + "".join(steps)

    def annotations_and_where(self, query) -> str:
        steps = []
        group_by = query.group_by
        if isinstance(group_by, tuple):
            # values(...).annotate(aggregate): GROUP BY the values() fields.
            fields = ["__".join(self.lhs_parts(c, query)) for c in group_by]
            steps.append(f".values({', '.join(_quoted(_path(f, 'values field')) for f in fields)})")
        elif group_by not in (None, True):
            raise _unmapped(f"the GROUP BY {group_by!r}")
        annotate, alias = [], []
        selected = query.annotation_select if query.annotations else {}
        for name, annotation in query.annotations.items():
            if "__" in name.strip("_") and name in (query.selected or ()) and not annotation.contains_aggregate:
                # values("a__b") through a transform: Django selects it as an annotation named
                # by the path; values() below names it again.
                if "__".join(self.lhs_parts(annotation, query)) == name:
                    continue
            item = f"{_name(name, 'annotation')}={self.expr(annotation, query, own=True)}"
            (annotate if name in selected else alias).append(item)
        if alias:
            steps.append(f".alias({', '.join(alias)})")
        if annotate:
            steps.append(f".annotate({', '.join(annotate)})")
        steps.append(self.where(query.where, query))
        return "".join(steps)

    def selection(self, query, values_class: Optional[str]) -> str:
        if isinstance(query.group_by, tuple):
            # values(...).annotate(...) wrote the grouping; a later values() picks columns.
            grouped = ["__".join(self.lhs_parts(c, query)) for c in query.group_by]
            names = list(query.selected) if query.selected is not None else grouped
            aggregates = [n for n in query.annotation_select if query.annotations[n].contains_aggregate]
            if names == grouped + [n for n in aggregates if n not in grouped]:
                return ""
            values_class = values_class or "ValuesIterable"
        elif query.selected is None:
            if query.select and not query.default_cols:
                raise _unmapped("a SELECT of columns without values()")
            return ""
        names = [_path(n, "values field") for n in (query.selected or ())]
        if values_class == "ValuesListIterable":
            return f".values_list({', '.join(_quoted(n) for n in names)})"
        if values_class == "FlatValuesListIterable":
            return f".values_list({', '.join(_quoted(n) for n in names)}, flat=True)"
        if values_class == "NamedValuesListIterable":
            return f".values_list({', '.join(_quoted(n) for n in names)}, named=True)"
        return f".values({', '.join(_quoted(n) for n in names)})"

    def ordering(self, query) -> str:
        if query.extra_order_by:
            raise _unmapped("extra(order_by=...)")
        fields = []
        for item in query.order_by:
            if isinstance(item, str):
                if item == "?":
                    raise _unmapped('random ordering (order_by("?"))')
                fields.append(("-" if item.startswith("-") else "") + _path(item.lstrip("-"), "order_by field"))
            elif isinstance(item, OrderBy) and item.nulls_first is None and item.nulls_last is None:
                e = item.expression
                if isinstance(e, F) and _cls(e) == "F":
                    path = _path(e.name, "order_by field")
                elif isinstance(e, Col):
                    path = self.col_path(e, query)
                else:
                    raise _unmapped(f"ordering by {e!r}")
                fields.append(("-" if item.descending else "") + path)
            elif isinstance(item, F) and _cls(item) == "F":
                fields.append(_path(item.name, "order_by field"))
            else:
                raise _unmapped(f"ordering by {item!r}")
        out = ""
        # order_by() clears the model's Meta.ordering; Django also clears it in subqueries and
        # combined queries, where there is nothing to write.
        if fields or (
            not query.default_ordering
            and query.get_meta().ordering
            and not query.combinator
            and not query.subquery
        ):
            out = f".order_by({', '.join(_quoted(f) for f in fields)})"
        if not query.standard_ordering:
            out += ".reverse()"
        return out


def _annotation_name(e, query) -> Optional[str]:
    """The name of the annotation ``e`` is, when Django put the annotation itself in a lookup or
    an expression (a filter on an aggregate: ``annotate(n=Count(...)).filter(n__gt=1)``)."""
    if not query.annotations or isinstance(e, (Col, Value)):
        return None
    for name, annotation in query.annotations.items():
        if annotation is e:
            return _path(name, "annotation")
    return None


def _default_alias(aggregate) -> Optional[str]:
    try:
        return aggregate.default_alias
    except (AttributeError, TypeError):  # TypeError: "Complex expressions require an alias."
        return None


def _quoted(path: str) -> str:
    return f'"{path}"'


def _related_paths(select_related) -> List[str]:
    if select_related is True:
        return []
    out = []

    def walk(prefix, tree):
        for name, sub in tree.items():
            path = f"{prefix}__{_name(name, 'select_related field')}" if prefix else _name(name, "select_related field")
            if sub:
                walk(path, sub)
            else:
                out.append(path)

    walk("", select_related)
    return out


def _added_isnull_for(lookup, col) -> bool:
    """Whether `col IS NOT NULL` is the condition build_filter adds for this negated lookup:
    on the column the lookup's left side starts from, or on a nullable column on its right."""

    if not isinstance(lookup, Lookup) or lookup.lookup_name == "isnull":
        return False
    lhs = lookup.lhs
    while isinstance(lhs, Transform):
        lhs = lhs.lhs
    same = lambda c: isinstance(c, Col) and c.alias == col.alias and c.target is col.target  # noqa: E731
    return same(lhs) or same(lookup.rhs)


def _instance_value(instance) -> Any:
    """A model instance as a value: an embedded model's fields as a dict (as django-mongodb-backend
    stores it), any other model's primary key."""
    if any(cls.__name__ == "EmbeddedModel" for cls in type(instance).__mro__[1:]):

        out = {}
        for field in instance._meta.concrete_fields:
            value = getattr(instance, field.attname)
            if field.primary_key and value is None:
                continue
            out[field.attname] = _instance_value(value) if isinstance(value, models.Model) else value
        return out
    return instance.pk


def _refuse_unmapped_state(query) -> None:
    if query.extra or query.extra_tables:
        raise _unmapped("extra()")
    if query.select_for_update:
        raise _unmapped("select_for_update()")
    if getattr(query, "explain_info", None):
        raise _unmapped("explain()")
    kind = _cls(query)
    if kind not in ("Query", "DeleteQuery", "UpdateQuery"):
        raise _unmapped(f"a {kind}")


def query_text(queryset, *, terminal: Optional[str] = None) -> Tuple[str, Dict[str, Any]]:
    """The QuerySet expression querysafe compiles for ``queryset`` (a QuerySet or its
    ``sql.Query``), with its values as parameters: ``(text, {"p0": value, ...})``.

    ``terminal`` appends a final method: get, count, exists, first, last or delete.
    """
    _check_terminal(terminal)
    query, values_class = _unwrap(queryset)
    return _render(query, values_class, terminal)


def _unwrap(queryset):
    if isinstance(queryset, QuerySet):
        if getattr(queryset, "_prefetch_related_lookups", ()):
            raise _unmapped("prefetch_related()")
        return queryset.query, _cls_name(queryset._iterable_class)
    if isinstance(queryset, SqlQuery):
        return queryset, None
    raise _unmapped(f"a {_cls(queryset)} (check takes a QuerySet)")


def _cls_name(c) -> str:
    return getattr(c, "__name__", "")


def _render(query, values_class, terminal, aggregates=None) -> Tuple[str, Dict[str, Any]]:
    """(text, params) for a sql.Query; ``aggregates`` ({name: aggregate}, as
    ``Query.get_aggregation`` takes them) makes it ``.aggregate(...)`` (``.count()`` for Django's
    own ``{"__count": Count("*")}``)."""
    renderer = _Renderer()
    kind = _cls(query)
    text = renderer.query(query, values_class)
    if kind == "DeleteQuery":
        text += ".delete()"
    elif kind == "UpdateQuery":
        if query.related_updates:
            raise _unmapped("an update of a parent model's fields")
        items = []
        for field, _model, value in query.values:
            rendered = renderer.expr(value, query) if hasattr(value, "resolve_expression") else renderer.param(value)
            items.append(f"{_name(field.name, 'update field')}={rendered}")
        text += f".update({', '.join(items)})"
    elif aggregates is not None:
        if list(aggregates) == ["__count"]:
            text += ".count()"
        elif "__count" in aggregates:
            raise _unmapped("count() beside other aggregates")
        else:
            # aggregate(Max("a")) is named a__max: written positionally, as it was.
            items = [
                renderer.expr(e, query, own=True)
                if _default_alias(e) == n
                else f"{_name(n, 'aggregate')}={renderer.expr(e, query, own=True)}"
                for n, e in aggregates.items()
            ]
            text += f".aggregate({', '.join(items)})"
    elif terminal:
        text += f".{terminal}()"
    return text, renderer.params


def _check_terminal(terminal: Optional[str]) -> None:
    if terminal is not None and terminal not in _TERMINALS:
        raise _unmapped(f"the final method {terminal!r}")


# -- schemas and compiled queries -------------------------------------------------------------

_lock = threading.Lock()
_schemas: Dict[str, Schema] = {}
_compiled: Dict[Tuple[int, str], Query] = {}
_MAX_COMPILED = 1024


def reset() -> None:
    """Forgets the schemas and compiled queries (settings or models changed)."""
    with _lock:
        _schemas.clear()
        _compiled.clear()


def _settings() -> Dict[str, Any]:
    from django.conf import settings

    return getattr(settings, "QUERYSAFE", None) or {}


def schema_for(using: str = "default") -> Schema:
    """The schema ``check`` uses for the database ``using``: ``QUERYSAFE["SCHEMA"]`` (a file
    written by querysafe_schema), else one built from the installed models, with the database's
    NAME; for ``QUERYSAFE["SERVER_VERSION"]`` (default "8.0"). Built once per process."""
    with _lock:
        schema = _schemas.get(using)
    if schema is not None:
        return schema
    config = _settings()
    version = config.get("SERVER_VERSION", "8.0")
    path = config.get("SCHEMA")
    if path:
        schema = Schema.from_file(path, server_version=version)
    else:
        from .schema import schema_from_models

        schema = Schema.from_dict(schema_from_models(using=using), server_version=version)
    with _lock:
        _schemas[using] = schema
    return schema


def _compile(schema: Schema, text: str) -> Query:
    key = (id(schema), text)
    query = _compiled.get(key)
    if query is None:
        config = _settings()
        query = Query.compile(
            schema,
            text,
            server_version=config.get("SERVER_VERSION", "8.0"),
            time_zone=config.get("TIME_ZONE", "UTC"),
        )
        with _lock:
            if len(_compiled) >= _MAX_COMPILED:
                _compiled.clear()
            _compiled[key] = query
    return query


def check(queryset, *, terminal: Optional[str] = None, schema: Optional[Schema] = None) -> Translation:
    """Checks a live QuerySet against Queryable Encryption's rules and returns its translation
    (the MongoDB command, with ``{"$encrypt": ...}`` where each encrypted value goes).

    Raises what querysafe raises for the equivalent query text (NotSupportedError with the
    documented message and server code, FieldError, ValidationError...), or UnmappedQuery for a
    part of the QuerySet it has no mapping for. ``terminal`` checks the QuerySet as ``count()``,
    ``exists()``, ``get()``, ``first()``, ``last()`` or ``delete()`` would run it. ``schema``
    defaults to ``schema_for(queryset.db)``. Nothing is sent to a database.
    """
    _check_terminal(terminal)
    query, values_class = _unwrap(queryset)
    text, params = _render(query, values_class, terminal)
    if schema is None:
        schema = schema_for(getattr(queryset, "db", None) or "default")
    # The native call without Query.translate's argument checks: params is a dict made here.
    return Translation(_call(_compile(schema, text)._native.translate, params))
