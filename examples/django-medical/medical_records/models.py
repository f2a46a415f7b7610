"""The models of MongoDB's tutorial "Queryable Encryption with Django MongoDB Backend": a patient
with an embedded record whose ssn is encrypted and queryable by equality, and whose billing
subdocument is encrypted whole (not queryable). ../medical-records/schema.json is their
hand-written querysafe schema; `manage.py querysafe_schema medical_records --database encrypted`
writes the same from these classes."""

from django.db import models

try:
    from django_mongodb_backend.fields import (EmbeddedModelField, EncryptedCharField,
                                               EncryptedEmbeddedModelField)
    from django_mongodb_backend.models import EmbeddedModel
except ImportError:  # the stand-ins, put on the path by settings.py
    from mongodb_standins import (EmbeddedModel, EmbeddedModelField, EncryptedCharField,
                                  EncryptedEmbeddedModelField)


class Billing(EmbeddedModel):
    cc_type = models.CharField(max_length=50)
    cc_number = models.CharField(max_length=20)


class PatientRecord(EmbeddedModel):
    ssn = EncryptedCharField(max_length=11, queries={"queryType": "equality"})
    billing = EncryptedEmbeddedModelField(Billing)
    bill_amount = models.DecimalField(max_digits=10, decimal_places=2)


class Patient(models.Model):
    patient_name = models.CharField(max_length=255)
    patient_id = models.BigIntegerField()
    patient_record = EmbeddedModelField(PatientRecord)

    class Meta:
        db_table = "patients"

    def __str__(self):
        return f"{self.patient_name} ({self.patient_id})"
