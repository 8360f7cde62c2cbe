from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cellbooks.core import backups
from cellbooks.core.integrations import registry


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into this install: the database (which "
        "must be empty, or --replace), uploaded files and the encryption key file (this install's "
        "own key, if different, is kept beside it). Then applies any newer migrations and checks "
        "that the restored QuickBooks tokens decrypt. Stop the web and worker processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .tar.gz written by `manage.py backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that already holds data",
        )

    def handle(self, *args, path, replace=False, **options):
        try:
            restored = backups.restore(path, replace=replace)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = restored.manifest
        self.stdout.write(
            f"Restored the {manifest['database']} database backed up at {manifest['created_at']}, "
            f"{restored.media_files} uploaded file(s)"
            + (", the encryption key file" if restored.key_restored else "")
            + "."
        )
        if restored.key_set_aside:
            self.stdout.write(
                f"This install's previous key file is kept as {restored.key_set_aside}."
            )
        call_command("migrate", interactive=False, verbosity=0)
        problems = registry.restore_problems()
        for problem in problems:
            self.stderr.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(
                f"Restored, but {len(problems)} thing(s) cannot be used with this install's "
                "encryption key (above)."
            )
