"""querysafe for Python: Django-style queries on MongoDB Queryable Encryption fields, checked,
translated and encrypted before anything leaves the process.

    import querysafe
    schema = querysafe.Schema.from_file("schema.json")
    q = querysafe.Query.compile(schema, 'Patient.objects.filter(patient_record__ssn=$ssn)')
    q.translate(ssn="987-65-4320").command     # {"find": "patients", "filter": {...}}

The README's "Python" section has the rest.
"""

from ._querysafe import __version__
from .core import (
    HAVE_BSON,
    Encryptor,
    ParamInfo,
    Query,
    QueryBuilder,
    Schema,
    Translation,
    translate,
)
from .errors import (
    ArgumentError,
    DatabaseError,
    Diagnostic,
    DoesNotExist,
    Error,
    FieldError,
    ImproperlyConfigured,
    MultipleObjectsReturned,
    NotSupportedError,
    SyntaxError,
    ValidationError,
)

__all__ = [
    "ArgumentError",
    "DatabaseError",
    "Diagnostic",
    "DoesNotExist",
    "Encryptor",
    "Error",
    "FieldError",
    "HAVE_BSON",
    "ImproperlyConfigured",
    "MultipleObjectsReturned",
    "NotSupportedError",
    "ParamInfo",
    "Query",
    "QueryBuilder",
    "Schema",
    "SyntaxError",
    "Translation",
    "ValidationError",
    "__version__",
    "translate",
]
