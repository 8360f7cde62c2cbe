"""python manage.py qbo_sync [--company SLUG] (--all | --po NUMBER | --invoice NUMBER)"""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cellbooks.accounts.models import Company, Membership
from cellbooks.inventory.models import Invoice, PurchaseOrder

from ... import outbox, worker
from ...models import SyncRequest


class Command(BaseCommand):
    help = (
        "Sync purchase orders and invoices to QuickBooks now, in this process, with a progress bar. "
        "--all syncs every received PO and open invoice not yet synced; --po/--invoice sync one document "
        "(updating it in QuickBooks if it changed). Failures are listed with QuickBooks' code and a hint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--company", help="company slug (needed when there are several companies)"
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--all", action="store_true", help="every document not yet synced")
        target.add_argument("--po", metavar="NUMBER", help="one purchase order, by number")
        target.add_argument("--invoice", metavar="NUMBER", help="one invoice, by number")

    def handle(self, *args, **options):
        company = self._company(options["company"])
        user = Membership.objects.filter(company=company, role=Membership.Role.OWNER).first()
        if options["all"]:
            work = [
                (kind, pk)
                for kind in (SyncRequest.Kind.PURCHASE_ORDER, SyncRequest.Kind.INVOICE)
                for pk in outbox.unsynced_ids(company=company, kind=kind)
            ]
        elif options["po"]:
            work = [
                (SyncRequest.Kind.PURCHASE_ORDER, self._find(PurchaseOrder, company, options["po"]))
            ]
        else:
            work = [(SyncRequest.Kind.INVOICE, self._find(Invoice, company, options["invoice"]))]
        if not work:
            self.stdout.write("Nothing to sync: every document is already synced.")
            return
        requests = [
            outbox.request_sync(company=company, kind=kind, local_id=pk, user=user and user.user)
            for kind, pk in work
        ]
        with tqdm(total=len(requests), unit="doc", desc="Syncing", file=self.stderr) as bar:
            for request in requests:
                worker.process_request(request.pk)
                bar.update(1)
        self._wait_for_others(requests)
        self._report(requests)

    def _company(self, slug):
        if slug:
            try:
                return Company.objects.get(slug=slug)
            except Company.DoesNotExist:
                raise CommandError(f"No company with slug {slug!r}.") from None
        companies = list(Company.objects.all()[:2])
        if len(companies) != 1:
            raise CommandError("There are several companies: name one with --company SLUG.")
        return companies[0]

    @staticmethod
    def _find(model, company, number):
        try:
            return model.objects.get(company=company, number=number).pk
        except model.DoesNotExist:
            raise CommandError(
                f"No {model._meta.verbose_name} numbered {number!r} in {company}."
            ) from None

    @staticmethod
    def _wait_for_others(requests, timeout=120):
        """A background worker may have claimed some first: wait for it to finish them."""
        deadline = time.monotonic() + timeout
        ids = [r.pk for r in requests]
        while time.monotonic() < deadline:
            if not SyncRequest.objects.filter(
                pk__in=ids, status=SyncRequest.Status.RUNNING
            ).exists():
                return
            time.sleep(0.5)

    def _report(self, requests):
        rows = SyncRequest.objects.filter(pk__in=[r.pk for r in requests])
        counts = {
            status: rows.filter(status=status).count() for status in SyncRequest.Status.values
        }
        self.stdout.write(
            f"Synced {counts['done']}, failed {counts['failed']}, waiting to retry {counts['pending']}, "
            f"paused {counts['paused']}."
        )
        for failed in rows.exclude(status=SyncRequest.Status.DONE):
            error = failed.last_error or {}
            code = f" [{error.get('code')}]" if error.get("code") else ""
            self.stdout.write(
                f"  {failed.kind} #{failed.local_id}: {failed.get_status_display()}{code} "
                f"{error.get('message', '')} {error.get('hint', '')}".rstrip()
            )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} document(s) failed to sync.")
