"""Read-only questions other apps may ask about QuickBooks, without touching the adapter."""

from django.utils import timezone

from .models import Binding


def invoice_binding(*, company, invoice) -> Binding | None:
    return Binding.objects.filter(
        company=company, kind=Binding.Kind.INVOICE, local_id=invoice.pk
    ).first()


def flag_manual_payment(*, company, invoice) -> None:
    """A payment was typed in Cellbooks on an invoice whose payments QuickBooks keeps."""
    Binding.objects.filter(company=company, kind=Binding.Kind.INVOICE, local_id=invoice.pk).update(
        manual_payment_flagged_at=timezone.now()
    )
