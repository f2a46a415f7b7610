"""querysafe's exceptions: one per diagnostic category, named as Django names them.

Every error querysafe raises is a ``querysafe.Error``. The categories are Django's exception
names (django.core.exceptions.FieldError, ValidationError, ImproperlyConfigured,
django.db.NotSupportedError...), so an ORM can map them onto the exceptions its users already
catch; querysafe does not import Django for it.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple


@dataclass(frozen=True)
class Diagnostic:
    """One problem with a query, a schema or a value: what the C++ API's Diagnostic holds.

    ``span`` is the byte range [begin, end) in the UTF-8 of the text it is about (the query or
    the schema JSON); ``line`` and ``column`` are 1-based, the column in characters.
    """

    category: str
    code: str
    message: str
    server_code: int
    span: Tuple[int, int]
    line: int
    column: int
    location: str = ""


class Error(Exception):
    """Base of every querysafe exception.

    ``diagnostics`` lists every problem found (at least one); ``code``, ``server_code``,
    ``span`` and ``message`` are the first one's. ``str()`` is the compiler-style rendering
    ``querysafe translate`` prints: position, category, message, server code, then the line
    with a caret under the span.
    """

    default_code = ""

    def __init__(self, rendered: str, diagnostics: Sequence[Diagnostic] = ()):
        super().__init__(rendered)
        self.rendered = rendered
        self.diagnostics = list(diagnostics)
        first: Optional[Diagnostic] = self.diagnostics[0] if self.diagnostics else None
        self.category = first.category if first else type(self).__name__
        self.code = first.code if first else self.default_code
        self.server_code = first.server_code if first else 0
        self.span = first.span if first else (0, 0)
        self.message = first.message if first else rendered

    def __str__(self) -> str:
        return self.rendered

    def __reduce__(self):
        return (type(self), (self.rendered, self.diagnostics))


class SyntaxError(Error):  # noqa: A001 - the category's name, as the diagnostics spell it
    """The query text does not parse."""


class FieldError(Error):
    """An unknown field or lookup (django.core.exceptions.FieldError)."""


class ValidationError(Error):
    """A value that cannot become the field's type (django.core.exceptions.ValidationError)."""


class NotSupportedError(Error):
    """A query Queryable Encryption or the QuerySet API cannot run (django.db.NotSupportedError)."""


class ImproperlyConfigured(Error):
    """The schema or configuration is wrong (django.core.exceptions.ImproperlyConfigured)."""


class DatabaseError(Error):
    """The key vault, the KMS or libmongocrypt refused (django.db.DatabaseError)."""


class DoesNotExist(Error):
    """get() matched nothing."""


class MultipleObjectsReturned(Error):
    """get() matched more than one document."""


class ArgumentError(Error, builtins.TypeError, builtins.ValueError):
    """A Python argument querysafe cannot take: a wrong type, a value BSON cannot hold.

    Also a TypeError and a ValueError, which is what Python code would raise for it.
    """

    default_code = "python.argument"


_BY_CATEGORY = {
    cls.__name__: cls
    for cls in (
        SyntaxError,
        FieldError,
        ValidationError,
        NotSupportedError,
        ImproperlyConfigured,
        DatabaseError,
        DoesNotExist,
        MultipleObjectsReturned,
    )
}


def from_outcome(diagnostics, rendered: str) -> Error:
    """The exception for a native call's diagnostics: the class of the first one's category."""
    items = [
        Diagnostic(category, code, message, server_code, (begin, end), line, column, location)
        for (category, code, message, server_code, begin, end, line, column, location) in diagnostics
    ]
    cls = _BY_CATEGORY.get(items[0].category, Error) if items else Error
    return cls(rendered, items)
