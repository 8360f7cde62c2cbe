"""manage.py qbo_prune: forget old QuickBooks sync history (the worker also does it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ...retention import prune


class Command(BaseCommand):
    help = (
        "Delete QuickBooks sync attempts, finished sync requests and applied webhook events older "
        "than QBO_RETENTION_DAYS (default 90). Failures nobody has resolved are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"keep this many days instead of {settings.QBO['RETENTION_DAYS']}",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, days=None, dry_run=False, **options):
        counts = prune(days=days, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"{verb} {summary}.")
