"""The risk-register app (examples/risk-register/schema.json is its hand-written schema; with
QUERYSAFE_ENCRYPTED_SCORE set, schema-encrypted-score.json)."""

import os

from django.db import models

from mongodb_standins import (
    EmbeddedModel,
    EmbeddedModelField,
    EncryptedCharField,
    EncryptedPositiveSmallIntegerField,
)

LEVELS = [("Low", "Low"), ("Medium", "Medium"), ("High", "High")]
ENCRYPTED_SCORE = bool(os.environ.get("QUERYSAFE_ENCRYPTED_SCORE"))


class RiskCategory(EmbeddedModel):
    name = EncryptedCharField(max_length=100)
    description = EncryptedCharField(max_length=500, blank=True)


class RiskOwner(EmbeddedModel):
    username = EncryptedCharField(max_length=150)
    email = EncryptedCharField(max_length=254, blank=True)
    role = EncryptedCharField(max_length=100, blank=True)


class Risk(EmbeddedModel):
    title = EncryptedCharField(max_length=200)
    description = EncryptedCharField(max_length=500, blank=True, default="")
    category = EmbeddedModelField(RiskCategory)


class RiskAssessment(models.Model):
    risk = EmbeddedModelField(Risk)
    owner = EmbeddedModelField(RiskOwner, blank=True, null=True)
    likelihood = models.CharField(max_length=10, choices=LEVELS)
    impact = models.CharField(max_length=10, choices=LEVELS)
    if ENCRYPTED_SCORE:
        score = EncryptedPositiveSmallIntegerField(queries={"queryType": "range", "min": 1, "max": 10})
    else:
        score = models.PositiveSmallIntegerField()
    assessed_on = models.DateField(auto_now_add=True)

    class Meta:
        db_table = "risk_assessments"
        ordering = ["-assessed_on"]
        indexes = [models.Index(fields=["likelihood"]), models.Index(fields=["impact"])] + (
            [] if ENCRYPTED_SCORE else [models.Index(fields=["score"])]
        )
