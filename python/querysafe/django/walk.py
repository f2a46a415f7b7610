"""The walk of a Django ``sql.Query`` into the QuerySet expression querysafe compiles, with its
values as bound parameters (``$p0``, ``$p1``...): the part of ``querysafe.django.check`` that reads
the QuerySet (queryset_check.py compiles and translates what it gives).

``qs.query`` is walked node by node (the where tree with its lookups, transforms, negations and
connectors, the annotations and aggregates, ``values()``, ordering, slicing, ``distinct``,
``select_related``, ``only``/``defer``, combinators and subqueries), never printed. The way
querysafe's QueryBuilder builds a query is kept: every value taken from the QuerySet becomes a
bound parameter (the Python object itself, never printed into the text), and every name that goes
into the text (model, field, lookup, transform and annotation names) must be a Python identifier,
so no value or name can change the query's structure. (The C++ builder itself expresses
filter/exclude with keyword lookups, order_by, slices and final methods; Q trees, F() expressions,
annotations and combinators go beyond it, which is why the text is generated here with the same
two rules.)

What the walk does not know it does not guess: any node, attribute or option it has no mapping for
raises ``UnmappedQuery`` (a ``querysafe.NotSupportedError``) naming it. A QuerySet is never
approved unless every part of it was understood.

It runs on every check (and, with the runtime guard, on every query sent), so it is written for
speed: exact-type tests before ``isinstance``, names checked once per process (a bounded set), the
common cases (a column of the model's own table, a plain value) inline, no generator or temporary
list where a loop does. Nothing the QuerySet holds is cached: every call reads all of it.
"""

from __future__ import annotations

import decimal
import math
from typing import Any, List, Optional, Tuple

from django.db import models
from django.db.models.aggregates import Aggregate, Star
from django.db.models.expressions import Col, CombinedExpression, F, OrderBy, Ref, Value
from django.db.models.lookups import Lookup, Transform
from django.db.models.sql.query import Query as SqlQuery

from .names import NAMES as _NAMES, PATHS as _PATHS, PLAIN as _PLAIN, REFS as _REFS
from .names import unmapped
from .names import check_name as _name, check_path as _path, cls_name as _cls
from .names import instance_value as _instance_value
from .where import WhereWalk

_AGGREGATES = {"Count", "Sum", "Avg", "Min", "Max", "StdDev", "Variance"}
_CONNECTORS = {"+": "+", "-": "-", "*": "*", "/": "/", "%%": "%"}
_QUERY_KINDS = frozenset(("Query", "DeleteQuery", "UpdateQuery"))
_VALUES_LISTS = {
    "ValuesListIterable": "",
    "FlatValuesListIterable": ", flat=True",
    "NamedValuesListIterable": ", named=True",
}
TERMINALS = ("get", "count", "exists", "first", "last", "delete")

# The attributes Renderer.query reads that most QuerySets never change. Django's Query declares
# each on the class and sets it on the instance only when a QuerySet method changes it
# (select_for_update(), values(), distinct(), select_related(), only(), reverse(), union()...),
# and clone() copies the instance's __dict__. So when none of these names is in a query's
# __dict__ and its class is Django's own Query with exactly these defaults (checked here, once),
# each has its default and the walk skips reading it: about 350 instructions per read under
# CPython 3.13, since Query instances' dicts do not share keys and the reads cannot be
# specialized (cachegrind; bench/README.md). Any other query takes the full path.
_RARE_DEFAULTS = {
    "extra_tables": (),
    "select_for_update": False,
    "explain_info": None,
    "combinator": None,
    "group_by": None,
    "selected": None,
    "select": (),
    "default_cols": True,
    "distinct": False,
    "select_related": False,
    "deferred_loading": (frozenset(), True),
    "default_ordering": True,
    "standard_ordering": True,
}


def _is_plain(d) -> bool:
    """Whether none of _RARE_DEFAULTS' names is in a query's ``__dict__``: one ``in`` per name,
    written out, since frozenset.isdisjoint(dict) iterates the whole dict and costs about three
    times as much. test_django_check.py checks that it tests exactly _RARE_DEFAULTS' names."""
    return not (
        "extra_tables" in d
        or "select_for_update" in d
        or "explain_info" in d
        or "combinator" in d
        or "group_by" in d
        or "selected" in d
        or "select" in d
        or "default_cols" in d
        or "distinct" in d
        or "select_related" in d
        or "deferred_loading" in d
        or "default_ordering" in d
        or "standard_ordering" in d
    )


_MISSING = object()
_PLAIN_QUERY = (
    SqlQuery
    if all(type(SqlQuery.__dict__.get(k, _MISSING)) is type(v) and SqlQuery.__dict__[k] == v
           for k, v in _RARE_DEFAULTS.items())
    else None
)


class Renderer(WhereWalk):
    """One QuerySet to text; the values go to ``values``, referred to as $p0, $p1..."""

    __slots__ = ("values", "_base_query", "_base")

    def __init__(self):
        self.values: List[Any] = []
        # The last query's base table alias (WhereWalk.base): every lookup of a query asks.
        self._base_query = None
        self._base = None

    # -- values and expressions -----------------------------------------------------------

    def param(self, value: Any) -> str:
        if type(value) not in _PLAIN:
            if isinstance(value, models.Model):
                value = _instance_value(value)
            elif isinstance(value, (set, frozenset)):
                value = list(value)
        values = self.values
        n = len(values)
        values.append(value)
        return _REFS[n] if n < 64 else f"$p{n}"

    def col_path(self, col, query) -> str:
        """The field path of a Col: its field, after the forward joins that lead to its table."""
        target = getattr(col, "target", None)
        if target is None or not getattr(target, "name", None):
            raise unmapped(f"the column {col!r}")
        alias = col.alias
        base = self._base if query is self._base_query else self.base(query)
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
                raise unmapped(f"the join that reaches {target.name!r} (only forward foreign keys are)")
            parts.insert(0, _name(field.name, "relation"))
            alias = join.parent_alias
            seen += 1
        return "__".join(parts)

    def lhs_path(self, lhs, query) -> str:
        """The lookup key's path for the left side of a lookup (a column, an annotation, a
        transform of one)."""
        if type(lhs) is Col:
            return self.col_path(lhs, query)
        name = _annotation_name(lhs, query)
        if name is not None:
            return name
        if isinstance(lhs, Col):
            return self.col_path(lhs, query)
        if isinstance(lhs, Ref):
            return _path(lhs.refs, "annotation")
        if isinstance(lhs, F) and _cls(lhs) == "F":
            return _path(lhs.name, "F() name")
        if isinstance(lhs, Transform):
            inner = self.lhs_path(lhs.lhs, query)
            key = getattr(lhs, "key_name", None)
            if key is not None:
                # django-mongodb-backend's embedded-model KeyTransform (key_name, ref_field) and
                # Django's JSONField KeyTransform: one path segment each.
                return inner + "__" + _name(str(key), "key")
            name = getattr(type(lhs), "lookup_name", None)
            if name and len(lhs.get_source_expressions()) == 1:
                return inner + "__" + _name(name, "transform")
        raise unmapped(f"the expression {lhs!r} on the left of a lookup")

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
            return self.aggregate(e, query)
        if isinstance(e, SqlQuery):
            return self.query(e)
        if isinstance(e, models.Model):
            return self.param(e.pk)
        raise unmapped(f"the expression {e!r}")

    def aggregate(self, e, query) -> str:
        if e.filter is not None or e.default is not None or getattr(e, "order_by", None):
            raise unmapped(f"{_cls(e)}() with filter, default or order_by")
        sources = e.get_source_expressions()[: len(e.source_expressions)]
        if len(sources) != 1:
            raise unmapped(f"{_cls(e)}() of {len(sources)} expressions")
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
            raise unmapped(f"the value {v!r} in an expression (numbers only)")
        return self.expr(e, query)

    # -- the query ------------------------------------------------------------------------

    def query(self, query, values_class: Optional[str] = None) -> str:
        # plain: none of _RARE_DEFAULTS' attributes was ever set on this query, so each has its
        # class default and is not read (see _RARE_DEFAULTS).
        plain = type(query) is _PLAIN_QUERY and _is_plain(query.__dict__)
        if query.extra:
            raise unmapped("extra()")
        if not plain:
            if query.extra_tables:
                raise unmapped("extra()")
            if query.select_for_update:
                raise unmapped("select_for_update()")
            if getattr(query, "explain_info", None):
                raise unmapped("explain()")
            kind = _cls(query)
            if kind not in _QUERY_KINDS:
                raise unmapped(f"a {kind}")
        model = query.model._meta.object_name
        if type(model) is not str or model not in _NAMES:
            _name(model, "model")
        if plain:
            text = model + ".objects"
            if query.annotations:
                text += self.annotations(query)
            where = query.where
            children = where.children
            if (
                len(children) == 1
                and isinstance(children[0], Lookup)
                and not where.negated
                and where.connector == "AND"
            ):
                # One lookup (filter(a=b)): what where() gives it, without its two frames.
                key, value = self.lookup(children[0], query)
                text += ".filter(" + key + "=" + value + ")"
            elif children:
                text += self.where(where, query)
            # ordering() only when there is one: its frame is a tenth of a simple filter's walk.
            if query.order_by or query.extra_order_by:
                text += self.ordering(query, True)
            low, high = query.low_mark, query.high_mark
            return text + _slice(low, high) if low or high is not None else text
        if query.combinator:
            if query.combinator not in ("union", "intersection", "difference"):
                raise unmapped(f"the combinator {query.combinator!r}")
            first, *others = [self.query(q) for q in query.combined_queries]
            extra = ", all=True" if query.combinator_all else ""
            # The combined QuerySet keeps the first one's where and annotations, unused.
            text = f"{first}.{query.combinator}({', '.join(others)}{extra})"
        else:
            text = model + ".objects"
            if query.group_by is not None or query.annotations:
                text += self.annotations(query)
            if query.where.children:
                text += self.where(query.where, query)
        if query.selected is not None or isinstance(query.group_by, tuple):
            text += self.selection(query, values_class)
        elif query.select and not query.default_cols:
            raise unmapped("a SELECT of columns without values()")
        if query.distinct:
            text += f".distinct({', '.join(_quoted(_path(f, 'distinct field')) for f in query.distinct_fields)})"
        if query.select_related:
            text += f".select_related({', '.join(_quoted(p) for p in _related_paths(query.select_related))})"
        names, defer = query.deferred_loading
        if names:
            method = "defer" if defer else "only"
            text += f".{method}({', '.join(_quoted(_path(n, method + ' field')) for n in sorted(names))})"
        text += self.ordering(query)
        low, high = query.low_mark, query.high_mark
        return text + _slice(low, high) if low or high is not None else text

    def annotations(self, query) -> str:
        steps = ""
        group_by = query.group_by
        if isinstance(group_by, tuple):
            # values(...).annotate(aggregate): GROUP BY the values() fields.
            fields = [self.lhs_path(c, query) for c in group_by]
            steps += f".values({', '.join(_quoted(_path(f, 'values field')) for f in fields)})"
        elif group_by not in (None, True):
            raise unmapped(f"the GROUP BY {group_by!r}")
        annotate, alias = [], []
        selected = query.annotation_select if query.annotations else {}
        for name, annotation in query.annotations.items():
            if "__" in name.strip("_") and name in (query.selected or ()) and not annotation.contains_aggregate:
                # values("a__b") through a transform: Django selects it as an annotation named
                # by the path; values() below names it again.
                if self.lhs_path(annotation, query) == name:
                    continue
            item = f"{_name(name, 'annotation')}={self.expr(annotation, query, own=True)}"
            (annotate if name in selected else alias).append(item)
        if alias:
            steps += f".alias({', '.join(alias)})"
        if annotate:
            steps += f".annotate({', '.join(annotate)})"
        return steps

    def selection(self, query, values_class: Optional[str]) -> str:
        if isinstance(query.group_by, tuple):
            # values(...).annotate(...) wrote the grouping; a later values() picks columns.
            grouped = [self.lhs_path(c, query) for c in query.group_by]
            names = list(query.selected) if query.selected is not None else grouped
            aggregates = [n for n in query.annotation_select if query.annotations[n].contains_aggregate]
            if names == grouped + [n for n in aggregates if n not in grouped]:
                return ""
            values_class = values_class or "ValuesIterable"
        names = ", ".join([_quoted(_path(n, "values field")) for n in (query.selected or ())])
        flags = _VALUES_LISTS.get(values_class)
        if flags is None:
            return f".values({names})"
        return f".values_list({names}{flags})"

    def ordering(self, query, plain: bool = False) -> str:
        """``plain``: default_ordering and standard_ordering are known to be True."""
        if query.extra_order_by:
            raise unmapped("extra(order_by=...)")
        fields = []
        for item in query.order_by:
            if type(item) is str:
                if item == "?":
                    raise unmapped('random ordering (order_by("?"))')
                if item[:1] == "-":
                    fields.append("-" + _path(item.lstrip("-"), "order_by field"))
                else:
                    fields.append(item if item in _PATHS else _path(item.lstrip("-"), "order_by field"))
            else:
                fields.append(self.order_item(item, query))
        out = ""
        # order_by() clears the model's Meta.ordering; Django also clears it in subqueries and
        # combined queries, where there is nothing to write.
        if fields or (
            not plain
            and not query.default_ordering
            and query.get_meta().ordering
            and not query.combinator
            and not query.subquery
        ):
            out = ".order_by(" + ", ".join(['"' + f + '"' for f in fields]) + ")"
        if not plain and not query.standard_ordering:
            out += ".reverse()"
        return out

    def order_item(self, item, query) -> str:
        if isinstance(item, str):  # a str subclass
            return ("-" if item.startswith("-") else "") + _path(item.lstrip("-"), "order_by field")
        if isinstance(item, OrderBy) and item.nulls_first is None and item.nulls_last is None:
            e = item.expression
            if isinstance(e, F) and _cls(e) == "F":
                path = _path(e.name, "order_by field")
            elif isinstance(e, Col):
                path = self.col_path(e, query)
            else:
                raise unmapped(f"ordering by {e!r}")
            return ("-" if item.descending else "") + path
        if isinstance(item, F) and _cls(item) == "F":
            return _path(item.name, "order_by field")
        raise unmapped(f"ordering by {item!r}")


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


def _slice(low, high) -> str:
    """A slice's text: ``[low:high]``, ``[low:]`` when it has no end."""
    return f"[{int(low)}:{'' if high is None else int(high)}]"


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


def render(query, values_class, terminal, aggregates=None) -> Tuple[str, List[Any]]:
    """(text, values) for a sql.Query; ``values[i]`` is bound to ``$p{i}``. ``aggregates``
    ({name: aggregate}, as ``Query.get_aggregation`` takes them) makes it ``.aggregate(...)``
    (``.count()`` for Django's own ``{"__count": Count("*")}``)."""
    renderer = Renderer()
    kind = type(query).__name__
    text = renderer.query(query, values_class)
    if kind == "DeleteQuery":
        text += ".delete()"
    elif kind == "UpdateQuery":
        if query.related_updates:
            raise unmapped("an update of a parent model's fields")
        items = []
        for field, _model, value in query.values:
            rendered = renderer.expr(value, query) if hasattr(value, "resolve_expression") else renderer.param(value)
            items.append(f"{_name(field.name, 'update field')}={rendered}")
        text += f".update({', '.join(items)})"
    elif aggregates is not None:
        if list(aggregates) == ["__count"]:
            text += ".count()"
        elif "__count" in aggregates:
            raise unmapped("count() beside other aggregates")
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
        text += "." + terminal + "()"
    return text, renderer.values
