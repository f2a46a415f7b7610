"""Stand-ins for django-mongodb-backend's model classes, which Debian does not package.

This is the one place the tests imitate that package. Each class mirrors the public API
querysafe.django reads: the class names, ``EmbeddedModel`` as a base class, ``embedded_model`` on
EmbeddedModelField (a class or a lazy name), ``queries`` on the ``Encrypted*`` fields (stored as
given, as EncryptedFieldMixin.__init__ stores it), and get_internal_type() returning the class
name, as django-mongodb-backend's fields do. Lookups through an embedded model
(``patient_record__ssn``) resolve as the package documents them ("Querying EmbeddedModelField"):
EmbeddedModelField.get_transform(name) gives a ``KeyTransform`` with ``key_name`` (the embedded
field's name) and ``ref_field`` (that field), which takes the embedded field's lookups and
transforms and has it as its output_field. querysafe.django never imports them: it works the same
with the real package.
"""

from django.apps import apps
from django.db import models
from django.db.models.lookups import Transform


class EmbeddedModel(models.Model):
    class Meta:
        abstract = True


class EmbeddedModelField(models.Field):
    def __init__(self, embedded_model, *args, **kwargs):
        self.embedded_model = embedded_model
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "EmbeddedModelField"

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        model = self.embedded_model
        if isinstance(model, str):
            model = apps.get_model(self.model._meta.app_label, model)
        field = model._meta.get_field(name)
        return lambda lhs: KeyTransform(name, field, lhs)


class KeyTransform(Transform):
    """``embedded_field__name``: one field of an embedded model."""

    def __init__(self, key_name, ref_field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_name = str(key_name)
        self.ref_field = ref_field

    def get_lookup(self, name):
        return self.ref_field.get_lookup(name)

    def get_transform(self, name):
        return self.ref_field.get_transform(name)

    @property
    def output_field(self):
        return self.ref_field


class EncryptedFieldMixin:
    encrypted = True

    def __init__(self, *args, queries=None, **kwargs):
        self.queries = queries
        super().__init__(*args, **kwargs)


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    pass


class EncryptedPositiveSmallIntegerField(EncryptedFieldMixin, models.PositiveSmallIntegerField):
    pass


class EncryptedEmbeddedModelField(EncryptedFieldMixin, EmbeddedModelField):
    pass
