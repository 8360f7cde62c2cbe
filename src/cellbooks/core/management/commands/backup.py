from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cellbooks.core import backups


class Command(BaseCommand):
    help = (
        "Back up this install into one .tar.gz: the database (SQLite's online backup, or "
        "pg_dump on PostgreSQL), uploaded files and the encryption key file. Safe while "
        "Cellbooks runs. The archive holds the key that decrypts the QuickBooks tokens in it: "
        "keep it as secret as a password. Restore with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="where to write it (default: <data dir>/backups/cellbooks-<UTC time>.tar.gz)",
        )
        parser.add_argument(
            "--without-key",
            action="store_true",
            help="leave the encryption key file out (then keep the key safe yourself: without "
            "it, restored QuickBooks connections must be reconnected)",
        )

    def handle(self, *args, path=None, without_key=False, **options):
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        destination = Path(
            path or Path(settings.DATA_DIR) / "backups" / f"cellbooks-{stamp}.tar.gz"
        )
        try:
            manifest = backups.backup(destination, include_key=not without_key)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up the {manifest['database']} database, {manifest['media_files']} uploaded "
            f"file(s); encryption key: {manifest['encryption_key']}.\n{destination}"
        )
        if manifest["encryption_key"] != "included":
            self.stderr.write(
                self.style.WARNING(
                    "The encryption key is NOT in this backup: keep it with the backup, or the "
                    "restored QuickBooks connections will have to be reconnected."
                )
            )
