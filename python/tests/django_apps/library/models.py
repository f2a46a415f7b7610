"""Two models joined by a foreign key, for check()'s joins (tests/test_django_check.py only)."""

from django.db import models

from mongodb_standins import EncryptedCharField


class Author(models.Model):
    name = models.CharField(max_length=100)
    ssn = EncryptedCharField(max_length=11, queries={"queryType": "equality"})

    class Meta:
        db_table = "authors"


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)

    class Meta:
        db_table = "books"
