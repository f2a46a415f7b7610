"""The schema JSON (lib/schema/README.md) from Django's live models.

Every value comes from public model and field API: ``Model._meta`` (db_table, managed, ordering,
concrete fields), each field's constructor options (``null``, ``unique``, ``max_length``...) and,
for django-mongodb-backend's fields, the attributes its documentation names: ``queries`` on
``Encrypted*`` fields, ``embedded_model`` / ``embedded_models`` on the embedded-model fields,
``base_field`` and ``size`` on ArrayField. A field's ``type`` is its class name when that is one of
django-mongodb-backend's ``Encrypted*`` classes, else ``get_internal_type()`` (so a project's
subclass of CharField is a CharField, as Django stores it).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

# Options whose value is written whenever it differs from Django's default.
_BOOL_OPTIONS = ("null", "blank", "unique", "db_index", "primary_key")


def _is_embedded_model(model) -> bool:
    # django_mongodb_backend.models.EmbeddedModel, by name: the package may not be installed.
    return any(cls.__name__ == "EmbeddedModel" for cls in model.__mro__[1:])


def _type_name(field) -> str:
    for cls in type(field).__mro__:
        if cls.__name__.startswith("Encrypted") and cls.__name__.endswith("Field"):
            return cls.__name__
    return field.get_internal_type()


def _jsonable(value) -> Any:
    """Values as the schema's JSON takes them (Extended JSON for what JSON lacks)."""
    import datetime
    import decimal

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return {"$numberDecimal": str(value)}
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return {"$date": value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat() + "T00:00:00Z"}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _choices(field) -> Optional[List[List[Any]]]:
    if not field.choices:
        return None
    flat = []
    for value, label in field.flatchoices:
        flat.append([_jsonable(value), str(label)])
    return flat


def _resolve(field, model):
    """A model given by name ("Billing", "app.Billing"), as Django's lazy references allow."""
    if not isinstance(model, str):
        return model
    from django.apps import apps

    label = model if "." in model else f"{field.model._meta.app_label}.{model}"
    return apps.get_model(label)


def _field(field, referenced: List[Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"type": _type_name(field)}
    # auto_now / auto_now_add make Django set blank=True (and editable=False) itself.
    implied_blank = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    for option in _BOOL_OPTIONS:
        if getattr(field, option, False) and not (option == "blank" and implied_blank):
            out[option] = True
    if getattr(field, "max_length", None) is not None:
        out["max_length"] = field.max_length
    if field.db_column:
        out["db_column"] = field.db_column
    if out["type"].endswith("DecimalField"):
        out["max_digits"] = field.max_digits
        out["decimal_places"] = field.decimal_places
    for option in ("auto_now", "auto_now_add"):
        if getattr(field, option, False):
            out[option] = True
    choices = _choices(field)
    if choices:
        out["choices"] = choices
    if field.has_default() and not callable(field.default):
        out["default"] = _jsonable(field.default)
    embedded = _resolve(field, getattr(field, "embedded_model", None))
    if embedded is not None:
        out["embedded_model"] = embedded.__name__
        referenced.append(embedded)
    embedded_models = getattr(field, "embedded_models", None)
    if embedded_models:
        embedded_models = [_resolve(field, m) for m in embedded_models]
        out["embedded_models"] = [m.__name__ for m in embedded_models]
        referenced.extend(embedded_models)
    base = getattr(field, "base_field", None)
    if base is not None:
        out["base_field"] = _field(base, referenced)
        size = getattr(field, "size", None)
        if size is not None:
            out["size"] = size
    if field.is_relation and field.remote_field is not None and (field.many_to_one or field.one_to_one):
        out["to"] = field.remote_field.model.__name__
        referenced.append(field.remote_field.model)
    queries = getattr(field, "queries", None)
    if out["type"].startswith("Encrypted") and queries:
        out["queries"] = _jsonable(queries)
    return out


def _implicit_pk(field) -> bool:
    # The schema adds the implicit `id` (ObjectIdAutoField, column _id) itself.
    return field.primary_key and field.auto_created and field.name == "id"


def _model(model, referenced: List[Any]) -> Dict[str, Any]:
    meta = model._meta
    out: Dict[str, Any] = {}
    if _is_embedded_model(model):
        out["embedded"] = True
    else:
        out["db_table"] = meta.db_table
    if not meta.managed:
        out["managed"] = False
    ordering = [o for o in meta.ordering if isinstance(o, str)]
    if ordering:
        out["ordering"] = ordering
    indexes = [list(index.fields) for index in meta.indexes if index.fields]
    fields = {}
    for field in meta.concrete_fields:
        if _implicit_pk(field):
            continue
        fields[field.name] = _field(field, referenced)
    out["fields"] = fields
    if indexes:
        out["indexes"] = indexes
    return out


def collect_models(app_labels: Iterable[str], apps=None) -> List[Any]:
    """The models of ``app_labels`` (or of every app) and every embedded or related model they
    reference, from any app, in that order."""
    if apps is None:
        from django.apps import apps
    labels = list(app_labels)
    if labels:
        queue = [m for label in labels for m in apps.get_app_config(label).get_models()]
    else:
        queue = list(apps.get_models())
    out: List[Any] = []
    while queue:
        model = queue.pop(0)
        if model in out or model._meta.abstract or model._meta.proxy:
            continue
        out.append(model)
        referenced: List[Any] = []
        for field in model._meta.concrete_fields:
            _field(field, referenced)
        queue.extend(referenced)
    return out


def schema_from_models(
    app_labels: Iterable[str] = (), *, database: Optional[str] = None, using: str = "default"
) -> Dict[str, Any]:
    """The schema of the installed models (of ``app_labels``, or of every app), with every
    embedded or related model they reference, from any app. ``database`` defaults to the NAME of
    settings.DATABASES[using]."""
    from django.conf import settings

    if database is None:
        database = settings.DATABASES.get(using, {}).get("NAME") or ""
    models = {model.__name__: _model(model, []) for model in collect_models(app_labels)}
    return {"database": str(database), "models": models}
