"""manage.py querysafe_schema [app_label...]: querysafe's schema JSON from the live models."""

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write querysafe's schema JSON for the models of the given apps (default: every app)."

    def add_arguments(self, parser):
        parser.add_argument("app_label", nargs="*")
        parser.add_argument("--database", default="default",
                            help="the DATABASES alias whose NAME is the schema's database")
        parser.add_argument("--database-name", help="the MongoDB database name, instead")
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")
        parser.add_argument("--check", action="store_true",
                            help="also load the schema with querysafe and fail on its diagnostics")

    def handle(self, *args, **options):
        from django.apps import apps

        from querysafe.django.schema import schema_from_models

        app_labels = options["app_label"]
        for label in app_labels:
            try:
                apps.get_app_config(label)
            except LookupError as e:
                raise CommandError(str(e)) from None
        schema = schema_from_models(app_labels, database=options["database_name"],
                                    using=options["database"])
        text = json.dumps(schema, indent=2) + "\n"
        if options["check"]:
            import querysafe

            try:
                querysafe.Schema.from_json(text)
            except querysafe.Error as e:
                raise CommandError(str(e)) from None
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as f:
                f.write(text)
        else:
            self.stdout.write(text, ending="")
