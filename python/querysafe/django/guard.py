"""The runtime guard: every query Django is about to run on an encrypted connection is checked by
querysafe first, and a query Queryable Encryption would refuse raises instead of being sent.

Opt-in, meant for DEBUG and tests::

    QUERYSAFE = {
        "GUARD": True,                      # default False
        "GUARD_DATABASES": ["encrypted"],   # default: every alias whose OPTIONS has
                                            # "auto_encryption_opts" (django-mongodb-backend's QE)
    }

Where it hooks in: every query a QuerySet runs goes through its compiler's ``execute_sql``
(iteration, ``get()``, ``update()``, ``delete()``, and, through ``Query.get_aggregation`` and
``Query.has_results``, ``count()``, ``aggregate()`` and ``exists()``). django-mongodb-backend
compiles through its own SQLCompiler subclasses (``connection.ops.compiler_module``), so the guard
wraps ``execute_sql`` on the compiler classes of each guarded database's backend, and
``get_aggregation`` and ``has_results`` on Django's ``sql.Query`` to see those three before Django
rewrites the query for them. Inserts (``create()``, ``save()`` of a new object,
``bulk_create()``) are not queries and are not checked.

A refusal raises ``GuardError``: both ``querysafe.NotSupportedError`` (with the code, the server
code and the diagnostics) and Django's ``django.db.NotSupportedError``; its ``str()`` is the
caret rendering under the QuerySet expression querysafe checked. A query the guard cannot map
raises too (``UnmappedQuery``'s message): it never lets through a query it did not understand.
"""

from __future__ import annotations

import functools
import importlib
import threading
from typing import Iterable, Optional, Set

from django.db import NotSupportedError as DjangoNotSupportedError
from django.db.models.sql import compiler as sql_compiler
from django.db.models.sql.query import Query as SqlQuery

from .. import errors
from . import queryset_check as _check
from .walk import render

__all__ = ["GuardError", "install", "uninstall", "installed", "guarded_databases"]

_state = threading.local()
_guarded: Set[str] = set()  # the aliases checked
_installed = []  # (owner, attribute name, original)


class GuardError(errors.NotSupportedError, DjangoNotSupportedError):
    """A query refused by the runtime guard: querysafe's NotSupportedError and Django's."""

    def __init__(self, rendered: str, diagnostics=()):
        errors.NotSupportedError.__init__(self, rendered, diagnostics)


def _config():
    return _check._settings()


def guarded_databases() -> Set[str]:
    """The aliases the guard checks: QUERYSAFE["GUARD_DATABASES"], else every database whose
    OPTIONS has auto_encryption_opts."""
    from django.conf import settings

    aliases = _config().get("GUARD_DATABASES")
    if aliases is not None:
        return set(aliases)
    return {
        alias
        for alias, db in settings.DATABASES.items()
        if (db.get("OPTIONS") or {}).get("auto_encryption_opts") is not None
    }


def _busy() -> bool:
    return getattr(_state, "busy", 0) > 0


class _Busy:
    """Marks a query already checked, so that the execute_sql it leads to is not checked again."""

    def __enter__(self):
        _state.busy = getattr(_state, "busy", 0) + 1

    def __exit__(self, *exc):
        _state.busy -= 1


def _guard(query, alias: str, *, terminal: Optional[str] = None, aggregates=None) -> None:
    if alias not in _guarded:
        return
    try:
        text, values = render(query, None, terminal, aggregates)
        _check._translate(_check.schema_for(alias), text, values)
    except errors.Error as e:
        raise GuardError(e.rendered, e.diagnostics) from e


def _wrap_execute_sql(original):
    @functools.wraps(original)
    def execute_sql(self, *args, **kwargs):
        if not _busy() and self.connection.alias in _guarded:
            kind = type(self.query).__name__
            if kind != "InsertQuery":
                _guard(self.query, self.connection.alias)
        with _Busy():
            return original(self, *args, **kwargs)

    execute_sql._querysafe_guard = True
    return execute_sql


def _wrap_get_aggregation(original):
    @functools.wraps(original)
    def get_aggregation(self, using, aggregate_exprs):
        if not _busy() and aggregate_exprs:
            _guard(self, using, aggregates=aggregate_exprs)
        with _Busy():
            return original(self, using, aggregate_exprs)

    get_aggregation._querysafe_guard = True
    return get_aggregation


def _wrap_has_results(original):
    @functools.wraps(original)
    def has_results(self, using):
        if not _busy():
            _guard(self, using, terminal="exists")
        with _Busy():
            return original(self, using)

    has_results._querysafe_guard = True
    return has_results


def _patch(owner, name, wrapper) -> None:
    original = owner.__dict__.get(name)
    if original is None or getattr(original, "_querysafe_guard", False):
        return
    setattr(owner, name, wrapper(original))
    _installed.append((owner, name, original))


def _compiler_classes(aliases: Iterable[str]):
    from django.db import connections

    modules = {sql_compiler}
    for alias in aliases:
        if alias in connections.settings:
            modules.add(importlib.import_module(connections[alias].ops.compiler_module))
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, sql_compiler.SQLCompiler):
                yield value


def install(databases: Optional[Iterable[str]] = None) -> None:
    """Turns the guard on for ``databases`` (default: guarded_databases()). The app does this at
    startup when QUERYSAFE["GUARD"] is true, and again when the setting changes in tests."""
    aliases = set(guarded_databases() if databases is None else databases)
    _guarded.clear()
    _guarded.update(aliases)
    for cls in _compiler_classes(aliases):
        _patch(cls, "execute_sql", _wrap_execute_sql)
    _patch(SqlQuery, "get_aggregation", _wrap_get_aggregation)
    _patch(SqlQuery, "has_results", _wrap_has_results)


def uninstall() -> None:
    """Turns the guard off and restores the methods it wrapped."""
    _guarded.clear()
    while _installed:
        owner, name, original = _installed.pop()
        setattr(owner, name, original)


def installed() -> bool:
    return bool(_installed)


def configure() -> None:
    """Applies the QUERYSAFE setting: the guard on or off, the cached schemas forgotten."""
    _check.reset()
    if _config().get("GUARD"):
        install()
    else:
        uninstall()


def _on_setting_changed(setting, **kwargs):
    if setting in ("QUERYSAFE", "DATABASES"):
        configure()
