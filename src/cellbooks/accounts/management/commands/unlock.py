"""``manage.py unlock <email or address>…``: lift a login lockout at once (django-axes)."""

import ipaddress

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Unlock accounts (by email) or addresses (IPv4/IPv6) locked after too many failed "
        "sign-ins or wrong API keys. --all unlocks everything."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "who",
            nargs="*",
            help="An account's email or an address, e.g. dana@example.com or 203.0.113.7.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Unlock every account and address.",
        )

    def handle(self, *args, who: list[str], everything: bool = False, **options):
        if everything:
            count = reset()
            self.stdout.write(
                f"Unlocked everything ({count} record(s) of failed attempts removed)."
            )
            return
        if not who:
            raise CommandError("Name an account's email or an address to unlock, or use --all.")
        for item in who:
            item = item.strip()
            try:
                address = str(ipaddress.ip_address(item))
            except ValueError:
                count = reset(username=item.lower())
                what = f"the account {item.lower()}"
            else:
                count = reset(ip=address)
                what = f"the address {address}"
            if count:
                self.stdout.write(
                    f"Unlocked {what} ({count} record(s) of failed attempts removed)."
                )
            else:
                self.stdout.write(f"{what[0].upper()}{what[1:]} was not locked: nothing to do.")
