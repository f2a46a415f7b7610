"""The tutorial's router: every model of the medical_records app lives in the "encrypted" database."""


class EncryptedRouter:
    def db_for_read(self, model, **hints):
        return "encrypted" if model._meta.app_label == "medical_records" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == "medical_records":
            return db == "encrypted"
        if db == "encrypted":
            return False
        return None
