"""The Cellbooks documents that sync to QuickBooks, named by their kind."""

from __future__ import annotations

from cellbooks.inventory.models import Invoice, PurchaseOrder

from .models import Binding

INVOICE = Binding.Kind.INVOICE
PURCHASE_ORDER = Binding.Kind.PURCHASE_ORDER
MODELS = {INVOICE: Invoice, PURCHASE_ORDER: PurchaseOrder}
LABELS = {INVOICE: "Invoice", PURCHASE_ORDER: "Purchase order"}


def kind_of(document) -> str:
    return INVOICE if isinstance(document, Invoice) else PURCHASE_ORDER


def partner_of(document) -> tuple:
    """The document's partner and the role it plays in QuickBooks: (partner, binding kind)."""
    if isinstance(document, Invoice):
        return document.customer, Binding.Kind.CUSTOMER
    return document.vendor, Binding.Kind.VENDOR


def load(*, company, kind: str, local_id: int):
    """The document, or ``DoesNotExist``."""
    return MODELS[kind].objects.select_related("company").get(pk=local_id, company=company)
