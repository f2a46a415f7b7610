"""The Python API over querysafe's C++ API (include/querysafe/): schemas, compiled queries,
translations, offline encryption and the query builder.

Every failure is a ``querysafe.Error``: diagnostics become the exception of their Django
category, and a Python argument querysafe cannot take becomes ``ArgumentError``. Nothing here
can crash the interpreter: the native module reports every problem as a value or a Python
exception.
"""

from __future__ import annotations

import base64
import json
import os
from collections import namedtuple
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from . import _querysafe as _native
from .errors import ArgumentError, Error, from_outcome

try:  # pymongo's bson: commands then come back with its types (Int64, Binary, Decimal128...).
    from bson import decode as _bson_decode
    from bson import json_util as _json_util
    from bson.codec_options import CodecOptions as _CodecOptions

    _CODEC_OPTIONS = _CodecOptions(tz_aware=True)
    HAVE_BSON = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_BSON = False

__all__ = [
    "HAVE_BSON",
    "Encryptor",
    "ParamInfo",
    "Query",
    "QueryBuilder",
    "Schema",
    "Translation",
    "translate",
]

DEFAULT_SERVER_VERSION = "8.0"

ParamInfo = namedtuple("ParamInfo", "name expected_type sequence encrypted")
ParamInfo.__doc__ = """A `$name` parameter of a compiled query: the BSON type its value becomes
("long", "string"...), whether it takes a list (`__in`, `__range`) and whether it is encrypted."""


def _call(function, *args):
    """Runs a native call that returns (value or None, diagnostics, rendering)."""
    try:
        value, diagnostics, rendered = function(*args)
    except Error:
        raise
    except (TypeError, ValueError, OverflowError) as e:  # UnicodeError is a ValueError
        raise ArgumentError(str(e)) from None
    if value is None:
        raise from_outcome(diagnostics, rendered)
    return value


def _require(value, types, what: str):
    if not isinstance(value, types):
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise ArgumentError(f"{what}: expected {names}, not {type(value).__name__}")
    return value


def _version_text(server_version) -> str:
    if isinstance(server_version, tuple) and len(server_version) == 2:
        return f"{server_version[0]}.{server_version[1]}"
    return _require(server_version, str, "server_version")


def _options(server_version, time_zone, require_encryptable, max_depth, max_input_bytes) -> tuple:
    _require(time_zone, str, "time_zone")
    for name, value in (("max_depth", max_depth), ("max_input_bytes", max_input_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**32:
            raise ArgumentError(f"{name}: expected a positive int below 2**32, not {value!r}")
    return (
        _version_text(server_version),
        time_zone,
        bool(require_encryptable),
        max_depth,
        max_input_bytes,
    )


def _text(value, what: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ArgumentError(f"{what}: not UTF-8 ({e})") from None
    return _require(value, str, what)


def _loads_extended_json(text: str):
    if HAVE_BSON:
        return _json_util.loads(text, json_options=_json_util.CANONICAL_JSON_OPTIONS)
    return json.loads(text)


class Schema:
    """The models an ORM queries, with their encrypted fields (lib/schema/README.md has the
    format). Immutable; share one between threads."""

    __slots__ = ("_native",)

    def __init__(self, native):
        if not isinstance(native, _native.Schema):
            raise ArgumentError("use Schema.from_json, Schema.from_dict or Schema.from_file")
        self._native = native

    @classmethod
    def from_json(cls, text: Union[str, bytes], *, server_version=DEFAULT_SERVER_VERSION) -> "Schema":
        """Loads a schema; ImproperlyConfigured (with the line in the JSON) if the rules refuse it."""
        text = _text(text, "text")
        return cls(_call(_native.schema_from_json, text, _version_text(server_version)))

    @classmethod
    def from_dict(cls, schema: Mapping[str, Any], *, server_version=DEFAULT_SERVER_VERSION) -> "Schema":
        """The same from a dict, as json.loads would give it."""
        _require(schema, Mapping, "schema")
        try:
            text = json.dumps(schema, indent=1)
        except (TypeError, ValueError) as e:
            raise ArgumentError(f"schema: not JSON-serializable ({e})") from None
        return cls.from_json(text, server_version=server_version)

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike], *, server_version=DEFAULT_SERVER_VERSION) -> "Schema":
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read(), server_version=server_version)

    @property
    def database(self) -> str:
        return self._native.database

    @property
    def key_vault_namespace(self) -> str:
        return self._native.key_vault_namespace

    @property
    def model_names(self) -> list:
        return list(self._native.model_names)

    def db_table(self, model: str) -> str:
        """The collection of a top-level model; "" for an embedded or unknown one."""
        return self._native.db_table(_require(model, str, "model"))

    @property
    def has_encrypted_fields(self) -> bool:
        return self._native.has_encrypted_fields

    def encrypted_fields_map(self) -> Dict[str, Any]:
        """{db_table: encryptedFields}, with exact BSON types (pymongo's when it is installed)."""
        return _loads_extended_json(self._native.encrypted_fields_map_extended_json())

    def encrypted_fields_map_json(self) -> str:
        """The map as django-mongodb-backend's showencryptedfieldsmap prints it."""
        return self._native.encrypted_fields_map_json()

    def __repr__(self) -> str:
        return f"<querysafe.Schema database={self.database!r} models={self.model_names!r}>"


class Translation:
    """A translated command: database, collection and the command document, with
    ``{"$encrypt": {...}}`` where each encrypted value goes (none left after explain)."""

    __slots__ = ("_native", "_command")

    def __init__(self, native):
        self._native = native
        # _command is set by the first .command (until then the slot is empty), so that
        # querysafe.django.check can make a Translation with one slot store (queryset_check.py).

    @property
    def database(self) -> str:
        return self._native.database

    @property
    def collection(self) -> str:
        return self._native.collection

    @property
    def command_name(self) -> str:
        """"find", "aggregate", "count", "update" or "delete"."""
        return self._native.command_name

    @property
    def encryption_count(self) -> int:
        """How many values still need encrypting (0 after explain)."""
        return self._native.encryption_count

    @property
    def command(self) -> Dict[str, Any]:
        """The command as a dict: pymongo's bson types when pymongo is installed (ready for
        ``db.command(...)``), else Extended JSON (``{"$numberLong": "21"}``)."""
        try:
            return self._command
        except AttributeError:
            pass
        if HAVE_BSON:
            self._command = _bson_decode(self._native.command_bson(), _CODEC_OPTIONS)
        else:
            self._command = json.loads(self._native.command_json())
        return self._command

    def command_extended_json(self) -> Dict[str, Any]:
        """The command as canonical Extended JSON in dicts, whatever is installed."""
        return json.loads(self._native.command_json())

    def to_json(self) -> str:
        """{"database", "collection", "command"} as canonical Extended JSON: what
        ``querysafe translate`` (or ``explain``) prints."""
        return self._native.to_json()

    def to_dict(self) -> Dict[str, Any]:
        return {"database": self.database, "collection": self.collection, "command": self.command}

    def __repr__(self) -> str:
        return f"<querysafe.Translation {self.to_json()}>"


class Encryptor:
    """Offline encryption with libmongocrypt: key documents from a key vault file (or text) and
    a local master key. Share one between threads; data keys are cached."""

    __slots__ = ("_native",)

    def __init__(self, native):
        if not isinstance(native, _native.Encryptor):
            raise ArgumentError("use Encryptor.open_offline or Encryptor.from_text")
        self._native = native

    @staticmethod
    def _key(local_master_key) -> str:
        # The C++ API takes base64 text or "@FILE"; raw bytes are encoded here.
        if isinstance(local_master_key, (bytes, bytearray)):
            return base64.b64encode(bytes(local_master_key)).decode("ascii")
        return _require(local_master_key, str, "local_master_key")

    @classmethod
    def open_offline(cls, key_vault_path: Union[str, os.PathLike], local_master_key) -> "Encryptor":
        """``local_master_key``: the 96 bytes, their base64, or "@FILE"."""
        path = os.fspath(_require(key_vault_path, (str, os.PathLike), "key_vault_path"))
        return cls(_call(_native.open_offline, _text(path, "key_vault_path"), cls._key(local_master_key), False))

    @classmethod
    def from_text(cls, key_vault_json: Union[str, bytes], local_master_key) -> "Encryptor":
        """The key documents as text (an array, one per line, or one document)."""
        text = _text(key_vault_json, "key_vault_json")
        return cls(_call(_native.open_offline, text, cls._key(local_master_key), True))

    def explain(self, translation: Translation) -> Translation:
        """``translation`` with every placeholder encrypted: the command exactly as sent."""
        _require(translation, Translation, "translation")
        return Translation(_call(self._native.explain, translation._native))


def _merge_params(params, kwargs) -> Optional[dict]:
    if params is not None:
        _require(params, Mapping, "params")
        params = dict(params)
    if kwargs:
        params = {**(params or {}), **kwargs}
    return params


class Query:
    """A query compiled once against a schema (parsed, resolved, checked against every QE rule)
    and translated as often as needed with its `$name` parameters bound. Immutable; translate
    one from any number of threads at once."""

    __slots__ = ("_native",)

    def __init__(self, native):
        if not isinstance(native, _native.Query):
            raise ArgumentError("use Query.compile or QueryBuilder.compile")
        self._native = native

    @classmethod
    def compile(
        cls,
        schema: Schema,
        text: str,
        *,
        server_version=DEFAULT_SERVER_VERSION,
        time_zone: str = "UTC",
        require_encryptable: bool = False,
        max_depth: int = 200,
        max_input_bytes: int = 1 << 20,
    ) -> "Query":
        """Compiles QuerySet text (``Patient.objects.filter(...)``); raises the diagnostics'
        exception (FieldError, NotSupportedError...) if querysafe refuses it."""
        _require(schema, Schema, "schema")
        text = _text(text, "text")
        options = _options(server_version, time_zone, require_encryptable, max_depth, max_input_bytes)
        return cls(_call(_native.compile, schema._native, text, *options))

    @property
    def text(self) -> str:
        """The query text (for a built query, the generated text with $p0, $p1...)."""
        return self._native.text

    @property
    def params(self) -> list:
        """The `$name` parameters, as ParamInfo."""
        return [ParamInfo(*p) for p in self._native.params]

    def translate(self, params: Optional[Mapping[str, Any]] = None, /, **kwargs) -> Translation:
        """Binds the parameters (a dict, keywords, or both) and lowers to the MongoDB command.
        A built query binds its own values and takes none."""
        params = _merge_params(params, kwargs)
        return Translation(_call(self._native.translate, params))

    def explain(self, encryptor: Encryptor, params: Optional[Mapping[str, Any]] = None, /, **kwargs) -> Translation:
        """translate(), then encrypt every value: the command exactly as it would be sent."""
        _require(encryptor, Encryptor, "encryptor")
        return encryptor.explain(self.translate(params, **kwargs))

    def __repr__(self) -> str:
        return f"<querysafe.Query {self.text!r}>"


def translate(schema: Schema, text: str, params: Optional[Mapping[str, Any]] = None, /, **options) -> Translation:
    """Query.compile(schema, text, **options).translate(params), in one call."""
    return Query.compile(schema, text, **options).translate(params)


_TERMINALS = ("get", "count", "exists", "first", "last", "delete")


class QueryBuilder:
    """Builds a query from calls, for ORMs that hold queries as calls, as a QuerySet does:
    every call returns a new builder. Every value becomes a bound parameter, and every lookup
    key is checked against the lookup grammar first, so nothing an application passes can
    change the query's structure.

        q = (QueryBuilder("Patient").filter(patient_record__ssn=ssn)
             .order_by("-patient_id")[:10].compile(schema))
        q.translate()
    """

    __slots__ = ("_model", "_calls")

    def __init__(self, model: str, _calls: Tuple[tuple, ...] = ()):
        self._model = _require(model, str, "model")
        self._calls = _calls

    def _with(self, *calls: tuple) -> "QueryBuilder":
        return QueryBuilder(self._model, self._calls + calls)

    @staticmethod
    def _lookups(args, kwargs) -> Iterable[Tuple[str, Any]]:
        pairs = []
        for mapping in args:
            _require(mapping, Mapping, "lookups")
            pairs.extend(mapping.items())
        pairs.extend(kwargs.items())
        for key, _ in pairs:
            _require(key, str, "lookup key")
        return pairs

    def filter(self, *lookups: Mapping[str, Any], **kwargs) -> "QueryBuilder":
        """filter(key=value, ...); keys that are not Python names go in a dict."""
        return self._with(*(("filter", k, v) for k, v in self._lookups(lookups, kwargs)))

    def exclude(self, *lookups: Mapping[str, Any], **kwargs) -> "QueryBuilder":
        return self._with(*(("exclude", k, v) for k, v in self._lookups(lookups, kwargs)))

    def order_by(self, *fields: str) -> "QueryBuilder":
        for f in fields:
            _require(f, str, "order_by field")
        return self._with(("order_by", list(fields)))

    def __getitem__(self, item) -> "QueryBuilder":
        """[start:stop] as on a QuerySet (no step, no negative indexes)."""
        if not isinstance(item, slice) or item.step is not None:
            raise ArgumentError("a builder takes [start:stop] slices only")
        start = 0 if item.start is None else item.start
        for bound in (start, item.stop):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int) or bound < 0):
                raise ArgumentError("slice bounds must be ints >= 0 (negative indexing is not supported)")
        limit = -1 if item.stop is None else max(item.stop - start, 0)
        if start >= 2**63 or limit >= 2**63:
            raise ArgumentError("slice bounds must fit in 64 bits")
        return self._with(("slice", start, limit))

    def terminal(self, method: str) -> "QueryBuilder":
        """A final method without arguments: get, count, exists, first, last, delete."""
        return self._with(("terminal", _require(method, str, "method")))

    def get(self, *lookups, **kwargs) -> "QueryBuilder":
        b = self.filter(*lookups, **kwargs) if (lookups or kwargs) else self
        return b.terminal("get")

    def count(self) -> "QueryBuilder":
        return self.terminal("count")

    def exists(self) -> "QueryBuilder":
        return self.terminal("exists")

    def first(self) -> "QueryBuilder":
        return self.terminal("first")

    def last(self) -> "QueryBuilder":
        return self.terminal("last")

    def delete(self) -> "QueryBuilder":
        return self.terminal("delete")

    def compile(
        self,
        schema: Schema,
        *,
        server_version=DEFAULT_SERVER_VERSION,
        time_zone: str = "UTC",
        require_encryptable: bool = False,
        max_depth: int = 200,
        max_input_bytes: int = 1 << 20,
    ) -> Query:
        """Compiles the calls; invalid keys or values given earlier are reported here."""
        _require(schema, Schema, "schema")
        options = _options(server_version, time_zone, require_encryptable, max_depth, max_input_bytes)
        return Query(_call(_native.build, schema._native, self._model, list(self._calls), *options))

    def __repr__(self) -> str:
        return f"<querysafe.QueryBuilder {self._model} {list(self._calls)!r}>"
