"""manage.py querysafe_lint [PATH...]: the QuerySet lint (querysafe.lint) with the schema of the
project's live models, as querysafe_schema writes it."""

import os
import sys

from django.core.management.base import BaseCommand, CommandError


def _project_app_paths():
    """The directories of the installed apps that are the project's own: not Django's, not
    querysafe's, not installed packages (site-packages, dist-packages)."""
    from django.apps import apps

    paths = []
    for config in apps.get_app_configs():
        path = os.path.realpath(config.path)
        parts = set(path.split(os.sep))
        if parts & {"site-packages", "dist-packages"}:
            continue
        if config.name == "django" or config.name.startswith(("django.", "querysafe.")):
            continue
        # Relative to the current directory when inside it, as the findings then print.
        relative = os.path.relpath(path)
        paths.append(path if relative.startswith(os.pardir) else relative)
    return paths


class Command(BaseCommand):
    help = ("Find the QuerySets in Python sources (default: the project's apps) that MongoDB "
            "Queryable Encryption would refuse, checked against the schema of the live models. "
            "Prints path:line:col: QS<server code> message, as flake8 does; exits 1 when any.")
    # The findings are the output: Django's own system checks would only add noise before them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH",
                            help="files, or directories searched for *.py (default: every "
                                 "installed app of the project)")
        parser.add_argument("--app", action="append", dest="app_labels", default=[],
                            metavar="APP_LABEL",
                            help="the schema of these apps' models only (default: every app)")
        parser.add_argument("--database", default="default",
                            help="the DATABASES alias whose NAME is the schema's database")
        parser.add_argument("--server-version",
                            help='the MongoDB version to check for (default: settings.QUERYSAFE'
                                 '["SERVER_VERSION"], else 8.0)')

    def handle(self, *args, **options):
        from django.apps import apps
        from django.conf import settings

        import querysafe
        from querysafe.django.schema import schema_from_models
        from querysafe.lint import lint_paths

        for label in options["app_labels"]:
            try:
                apps.get_app_config(label)
            except LookupError as e:
                raise CommandError(str(e)) from None
        server_version = (options["server_version"]
                          or getattr(settings, "QUERYSAFE", {}).get("SERVER_VERSION")
                          or querysafe.core.DEFAULT_SERVER_VERSION)
        schema_dict = schema_from_models(options["app_labels"], using=options["database"])
        try:
            schema = querysafe.Schema.from_dict(schema_dict, server_version=server_version)
        except querysafe.Error as e:
            raise CommandError(f"the models' schema does not load (manage.py querysafe_schema "
                               f"--check says why):\n{e}") from None
        paths = options["paths"] or _project_app_paths()
        findings = lint_paths(paths, schema, server_version=server_version,
                              verbose=sys.stderr if options["verbosity"] >= 2 else None)
        for finding in findings:
            self.stdout.write(str(finding))
        if findings:
            refused = sum(1 for f in findings if f.code != "QS999")
            unread = len(findings) - refused
            raise CommandError(f"{refused} refused" + (f", {unread} files not linted" if unread else ""),
                               returncode=1)
