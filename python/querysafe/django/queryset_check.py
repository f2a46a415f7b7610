"""``querysafe.django.check(queryset)``: a live QuerySet checked and translated by querysafe.

The QuerySet is not turned into text by printing it: walk.py walks ``qs.query`` node by node into
the QuerySet expression querysafe compiles, with every value as a bound parameter; here that text
is compiled against the schema (once per distinct text and schema: the compiled query is kept)
and translated with the values. Whatever the walk has no mapping for raises ``UnmappedQuery``; a
QuerySet is never approved unless every part of it was understood.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

from django.db.models import QuerySet
from django.db.models.sql.query import Query as SqlQuery

from ..core import Query, Schema, Translation, _require
from ..errors import ArgumentError, Error, from_outcome
from .names import UnmappedQuery, unmapped
from .walk import TERMINALS, render

__all__ = ["UnmappedQuery", "check", "query_text", "schema_for"]


def query_text(queryset, *, terminal: Optional[str] = None) -> Tuple[str, Dict[str, Any]]:
    """The QuerySet expression querysafe compiles for ``queryset`` (a QuerySet or its
    ``sql.Query``), with its values as parameters: ``(text, {"p0": value, ...})``.

    ``terminal`` appends a final method: get, count, exists, first, last or delete.
    """
    if terminal is not None and terminal not in TERMINALS:
        raise unmapped(f"the final method {terminal!r}")
    query, values_class = _unwrap(queryset)
    text, values = render(query, values_class, terminal)
    return text, {f"p{i}": v for i, v in enumerate(values)}


def _unwrap(queryset):
    if isinstance(queryset, QuerySet):
        if getattr(queryset, "_prefetch_related_lookups", ()):
            raise unmapped("prefetch_related()")
        return queryset.query, getattr(queryset._iterable_class, "__name__", "")
    if isinstance(queryset, SqlQuery):
        return queryset, None
    raise unmapped(f"a {type(queryset).__name__} (check takes a QuerySet)")


# -- schemas and compiled queries -------------------------------------------------------------

_new_object = object.__new__
_lock = threading.Lock()
_schemas: Dict[str, Schema] = {}
# {schema: {text: the native compiled query}}. Keyed by the Schema object itself, which the key
# keeps alive, so that a schema freed and another made at its address never finds the first
# one's queries. Bounded: cleared when full.
_compiled: Dict[Schema, Dict[str, Any]] = {}
_MAX_COMPILED = 1024
_MAX_SCHEMAS = 64


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
    """The compiled query for ``text`` on ``schema``, with the settings' compile options; compiled
    once, then kept (reset() forgets them when the settings change)."""
    queries = _compiled.get(schema)
    if queries is not None:
        native = queries.get(text)
        if native is not None:
            return Query(native)
    config = _settings()
    query = Query.compile(
        schema,
        text,
        server_version=config.get("SERVER_VERSION", "8.0"),
        time_zone=config.get("TIME_ZONE", "UTC"),
    )
    with _lock:
        queries = _compiled.get(schema)
        if queries is None:
            if len(_compiled) >= _MAX_SCHEMAS:
                _compiled.clear()
            queries = _compiled[schema] = {}
        elif len(queries) >= _MAX_COMPILED:
            queries.clear()
        queries[text] = query._native
    return query


def _translate(schema: Schema, text: str, values: List[Any]) -> Translation:
    """Compiles ``text`` (or finds it compiled) and translates it with ``values`` as $p0, $p1..."""
    queries = _compiled.get(schema)
    native = queries.get(text) if queries is not None else None
    if native is None:
        native = _compile(schema, text)._native
    try:
        result = native.translate_values(values)
    except Error:
        raise
    except (TypeError, ValueError, OverflowError) as e:  # a value BSON cannot hold
        raise ArgumentError(str(e)) from None
    if type(result) is tuple:  # refused: (None, diagnostics, rendering)
        raise from_outcome(result[1], result[2])
    # Translation(result) without the __init__ frame: a fifth of what this function costs on
    # the simple anchor (bench/README.md).
    translation = _new_object(Translation)
    translation._native = result
    return translation


def check(queryset, *, terminal: Optional[str] = None, schema: Optional[Schema] = None) -> Translation:
    """Checks a live QuerySet against Queryable Encryption's rules and returns its translation
    (the MongoDB command, with ``{"$encrypt": ...}`` where each encrypted value goes).

    Raises what querysafe raises for the equivalent query text (NotSupportedError with the
    documented message and server code, FieldError, ValidationError...), or UnmappedQuery for a
    part of the QuerySet it has no mapping for. ``terminal`` checks the QuerySet as ``count()``,
    ``exists()``, ``get()``, ``first()``, ``last()`` or ``delete()`` would run it. ``schema``
    defaults to ``schema_for(queryset.db)``. Nothing is sent to a database.
    """
    if terminal is not None and terminal not in TERMINALS:
        raise unmapped(f"the final method {terminal!r}")
    query, values_class = _unwrap(queryset)
    text, values = render(query, values_class, terminal)
    if schema is None:
        schema = schema_for(getattr(queryset, "db", None) or "default")
    elif type(schema) is not Schema:
        _require(schema, Schema, "schema")
    return _translate(schema, text, values)
