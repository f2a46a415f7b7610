"""What may go into the text querysafe.django.check writes, and what becomes a parameter: the
names (model, field, lookup, annotation: Python identifiers only, checked once per process), the
values bound as $p0, $p1..., and the refusal of what the walk cannot map (UnmappedQuery). Shared
by walk.py and where.py."""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

from django.db import models

from ..errors import Diagnostic, NotSupportedError

# Values that go to the parameters as they are (the rest are looked at: model instances, sets);
# SCALARS: the same without the sequences, whose items are looked at.
PLAIN = frozenset(
    (str, int, float, bool, type(None), decimal.Decimal, datetime.date, datetime.datetime, bytes, list, tuple)
)
SCALARS = PLAIN - {list, tuple}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# "$p0", "$p1"...: the parameter references, made once.
REFS = tuple(f"$p{i}" for i in range(64))


class UnmappedQuery(NotSupportedError):
    """A part of a QuerySet that querysafe.django.check has no mapping for: the QuerySet is not
    approved (code ``django.unmapped``)."""

    default_code = "django.unmapped"


def unmapped(what: str) -> UnmappedQuery:
    message = f"querysafe cannot check this QuerySet: {what} is not mapped, so it is not approved"
    diagnostic = Diagnostic("NotSupportedError", "django.unmapped", message, 0, (0, 0), 0, 0)
    return UnmappedQuery(f"NotSupportedError: {message}", [diagnostic])


# Names and paths already checked (model and field names repeat from query to query); only
# strings that passed the check are added, so membership is the check.
NAMES: set = set()
PATHS: set = set()


def check_name(value: Any, what: str) -> str:
    if type(value) is str and value in NAMES:
        return value
    if not isinstance(value, str) or not IDENTIFIER.match(value) or "__" in value.strip("_"):
        raise unmapped(f"the {what} {value!r} (not a Python identifier)")
    remember(NAMES, value)
    return value


def check_path(value: Any, what: str) -> str:
    """A field path (``a__b``) whose every part is an identifier."""
    if type(value) is str and value in PATHS:
        return value
    if not isinstance(value, str) or not value:
        raise unmapped(f"the {what} {value!r}")
    for part in value.split("__"):
        check_name(part, what)
    remember(PATHS, value)
    return value


def remember(checked: set, value: str) -> None:
    if len(checked) > 4096:
        checked.clear()
    checked.add(value)


def cls_name(obj) -> str:
    return type(obj).__name__


def instance_value(instance) -> Any:
    """A model instance as a value: an embedded model's fields as a dict (as django-mongodb-backend
    stores it), any other model's primary key."""
    if any(cls.__name__ == "EmbeddedModel" for cls in type(instance).__mro__[1:]):
        out = {}
        for field in instance._meta.concrete_fields:
            value = getattr(instance, field.attname)
            if field.primary_key and value is None:
                continue
            out[field.attname] = instance_value(value) if isinstance(value, models.Model) else value
        return out
    return instance.pk
