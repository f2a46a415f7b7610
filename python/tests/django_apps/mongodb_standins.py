"""Stand-ins for django-mongodb-backend's model classes, which Debian does not package.

This is the one place the tests imitate that package. Each class mirrors the public API
querysafe.django reads: the class names, ``EmbeddedModel`` as a base class, ``embedded_model`` on
EmbeddedModelField (a class or a lazy name), ``queries`` on the ``Encrypted*`` fields (stored as
given, as EncryptedFieldMixin.__init__ stores it), and get_internal_type() returning the class
name, as django-mongodb-backend's fields do. querysafe.django never imports them: it works the
same with the real package.
"""

from django.db import models


class EmbeddedModel(models.Model):
    class Meta:
        abstract = True


class EmbeddedModelField(models.Field):
    def __init__(self, embedded_model, *args, **kwargs):
        self.embedded_model = embedded_model
        super().__init__(*args, **kwargs)

    def get_internal_type(self):
        return "EmbeddedModelField"


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
