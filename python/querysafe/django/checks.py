"""The system check (``manage.py check``): encrypted-field definitions that MongoDB or
django-mongodb-backend would refuse, found by loading the apps' schema with querysafe, before a
migration or a query fails on the server.

Only the encryption rules are reported here, each with a stable id; everything else querysafe's
schema says about a project (a field class it does not know, say) is left to
``manage.py querysafe_schema --check``, so that this check never fails a project for something
unrelated to Queryable Encryption. The server version the rules apply to is
``settings.QUERYSAFE["SERVER_VERSION"]`` (default "8.0").
"""

from __future__ import annotations

import json

from django.core import checks

# Stable ids: diagnostic code -> check id. New rules get new ids; ids are never reused.
CHECK_IDS = {
    "schema.encrypted_null": "querysafe.E001",
    "schema.encrypted_unique": "querysafe.E002",
    "schema.encrypted_db_index": "querysafe.E003",
    "schema.server_version": "querysafe.E004",
    "schema.queries_not_supported": "querysafe.E005",
    "schema.contains_encrypted": "querysafe.E006",
    "schema.recursive_encrypted": "querysafe.E007",
    "schema.no_encrypted_version": "querysafe.E008",
    "schema.index_on_encrypted": "querysafe.E009",
    "schema.missing_query_type": "querysafe.E010",
    "schema.unknown_query_type": "querysafe.E011",
    "schema.unknown_query_key": "querysafe.E012",
    "schema.range_preview": "querysafe.E013",
    "schema.precision_negative": "querysafe.E014",
    "schema.text_length": "querysafe.E015",
    "schema.too_many_encrypted_paths": "querysafe.E016",
}
# The server's own encryptedFields rules (range min/max, sparsity, contention...): one id, the
# server's error code in the message.
SERVER_RULE_ID = "querysafe.E100"


def _check_id(code: str):
    if code in CHECK_IDS:
        return CHECK_IDS[code]
    if code.startswith("schema.server."):
        return SERVER_RULE_ID
    return None


def _target(location: str, models_by_name):
    """The model field (or model) a diagnostic's location names: models.<Model>.fields.<field>..."""
    parts = location.split(".")
    if len(parts) >= 2 and parts[0] == "models" and parts[1] in models_by_name:
        model = models_by_name[parts[1]]
        if len(parts) >= 4 and parts[2] == "fields":
            try:
                return model._meta.get_field(parts[3])
            except Exception:  # noqa: BLE001 - a location querysafe made up; the model will do
                return model
        return model
    return None


@checks.register("querysafe")
def check_encrypted_fields(app_configs=None, **kwargs):
    import querysafe
    from django.apps import apps
    from django.conf import settings

    from .schema import collect_models, schema_from_models

    labels = [c.label for c in app_configs] if app_configs else []
    version = getattr(settings, "QUERYSAFE", {}).get("SERVER_VERSION", "8.0")
    schema = schema_from_models(labels, database="check")
    if not any(
        f.get("type", "").startswith("Encrypted") or "Encrypted" in json.dumps(f.get("base_field", {}))
        for m in schema["models"].values()
        for f in m["fields"].values()
    ):
        return []
    try:
        querysafe.Schema.from_dict(schema, server_version=version)
    except querysafe.Error as e:
        models_by_name = {m.__name__: m for m in collect_models(labels, apps)}
        errors = []
        for d in e.diagnostics:
            check_id = _check_id(d.code)
            if check_id is None:
                continue
            message = d.message + (f" [server code {d.server_code}]" if d.server_code else "")
            errors.append(checks.Error(message, obj=_target(d.location, models_by_name), id=check_id))
        return errors
    return []
