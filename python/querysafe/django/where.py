"""The where tree of a Django ``sql.Query`` (lookups, Q trees, negations, connectors) as
filter()/exclude() arguments: the half of walk.py's Renderer that reads ``query.where``. A mixin:
the column paths, expressions and parameters come from the Renderer it is part of."""

from __future__ import annotations

from typing import Any, List, Tuple

from django.db.models.expressions import Col
from django.db.models.lookups import Lookup, Transform
from django.db.models.sql.where import NothingNode, WhereNode

from .names import NAMES as _NAMES, REFS as _REFS, SCALARS as _SCALARS, unmapped
from .names import check_name as _name, cls_name as _cls

_WHERE_OPS = {"AND": " & ", "OR": " | ", "XOR": " ^ "}


class WhereWalk:
    """filter()/exclude() text for a where tree; values go to ``self.values``."""

    __slots__ = ()

    def base(self, query) -> str:
        """The alias of the query's own table, kept for the query last asked about (the
        Renderer's slots): every column of every lookup is compared with it."""
        # Django's base_table is the first alias (None before any join is set up); a query with
        # no alias yet reads its model's table.
        base = query.base_table if query.alias_map else query.get_meta().db_table
        self._base_query = query
        self._base = base
        return base

    def lookup(self, lookup, query) -> Tuple[str, str]:
        """(key, value) of a lookup: ``patient_id__in`` and its parameter or expression."""
        if not isinstance(lookup, Lookup):
            raise unmapped(f"the condition {_cls(lookup)}" + (" (extra(where=...))" if _cls(lookup) == "ExtraWhere" else ""))
        lhs = lookup.lhs
        # The common case inline: a column of the model's own table.
        if type(lhs) is Col and lhs.alias == (self._base if query is self._base_query else self.base(query)):
            key = lhs.target.name
            if key not in _NAMES:
                key = self.col_path(lhs, query)
        else:
            key = self.lhs_path(lhs, query)
        name = lookup.lookup_name
        if name != "exact":
            if type(name) is not str or name not in _NAMES:
                _name(name, "lookup")
            key = key + "__" + name
        rhs = lookup.rhs
        kind = type(rhs)
        if kind in _SCALARS:
            values = self.values
            n = len(values)
            values.append(rhs)
            return key, _REFS[n] if n < 64 else f"$p{n}"
        # An exact list (__in=[...]) has no resolve_expression: not asked.
        if kind is not list and hasattr(rhs, "resolve_expression"):
            return key, self.expr(rhs, query)
        if kind is list or isinstance(rhs, (list, tuple)):
            for v in rhs:  # a scalar is no expression: asked of the others only
                if type(v) not in _SCALARS and hasattr(v, "resolve_expression"):
                    raise unmapped(f"expressions inside the values of __{name}")
            return key, self.param(list(rhs))
        return key, self.param(rhs)

    def children(self, node) -> list:
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
        if type(node) is not WhereNode and not isinstance(node, WhereNode):
            key, value = self.lookup(node, query)
            return "Q(" + key + "=" + value + ")"
        connector = node.connector
        op = _WHERE_OPS.get(connector) if type(connector) is str else None
        if op is None:
            raise unmapped(f"the connector {connector!r}")
        negated ^= node.negated
        children = self.children(node) if negated and connector == "AND" else node.children
        if not children:
            inner = "Q()"
        elif len(children) == 1:
            inner = self.q(children[0], query, negated)
        else:
            inner = "(" + op.join([self.q(c, query, negated) for c in children]) + ")"
        return "~" + inner if node.negated else inner

    def arguments(self, children, query, negated: bool = False) -> str:
        """filter()/exclude() arguments: lookups as keywords when that keeps their order (after
        the Q objects) and no key repeats, else each as a Q()."""
        if len(children) == 1:  # the common case: one lookup or one Q
            c = children[0]
            if type(c) is WhereNode or isinstance(c, WhereNode):
                return self.q(c, query, negated)
            key, value = self.lookup(c, query)
            return key + "=" + value
        rendered = []
        keys = set()
        simple = True
        keyword_seen = False
        for c in children:
            if type(c) is WhereNode or isinstance(c, WhereNode):
                # Q objects first, then keywords: as Python takes them (and as Django's Q
                # stores them). A Q after a keyword cannot be written positionally.
                simple = simple and not keyword_seen
                rendered.append((None, self.q(c, query, negated)))
            else:
                key, value = self.lookup(c, query)
                simple = simple and key not in keys
                keys.add(key)
                keyword_seen = True
                rendered.append((key, value))
        if simple:
            return ", ".join([v if k is None else k + "=" + v for k, v in rendered])
        return ", ".join([v if k is None else "Q(" + k + "=" + v + ")" for k, v in rendered])

    def where(self, where, query) -> str:
        if where.negated or where.connector != "AND":
            return ".filter(" + self.q(where, query) + ")"
        out = ""
        pending: List[Any] = []
        for child in where.children:
            t = type(child)
            if t is NothingNode:
                return ".none()"
            if (t is WhereNode or isinstance(child, WhereNode)) and child.connector == "AND":
                if pending:
                    out += ".filter(" + self.arguments(pending, query) + ")"
                    pending = []
                if child.negated:
                    out += ".exclude(" + self.arguments(self.children(child), query, True) + ")"
                else:
                    out += ".filter(" + self.arguments(child.children, query) + ")"
            else:
                pending.append(child)
        if pending:
            out += ".filter(" + self.arguments(pending, query) + ")"
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
