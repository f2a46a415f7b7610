"""Encrypted-field definitions MongoDB or django-mongodb-backend refuse, one per system check id
(installed only by settings_broken.py). The stand-ins accept them; the real package refuses
null/unique/db_index already when the field is constructed."""

from django.db import models

from mongodb_standins import EncryptedCharField, EncryptedPositiveSmallIntegerField


class Broken(models.Model):
    ssn = EncryptedCharField(max_length=11, null=True, queries={"queryType": "equality"})  # E001
    badge = EncryptedCharField(max_length=11, unique=True)  # E002
    score = EncryptedPositiveSmallIntegerField(queries={"queryType": "range", "min": 10, "max": 1})  # E100
    code = EncryptedCharField(
        max_length=20,
        queries={"queryType": "prefixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
                 "caseSensitive": True, "diacriticSensitive": True},
    )  # E004 on MongoDB 8.0

    class Meta:
        db_table = "broken"
