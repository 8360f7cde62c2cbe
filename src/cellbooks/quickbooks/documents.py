"""The Cellbooks documents that sync to QuickBooks, named by their kind."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from cellbooks.inventory.models import CustomerReturn, Invoice, PurchaseOrder, VendorReturn

from .models import Binding

INVOICE = Binding.Kind.INVOICE
PURCHASE_ORDER = Binding.Kind.PURCHASE_ORDER
CUSTOMER_RETURN = Binding.Kind.CUSTOMER_RETURN
VENDOR_RETURN = Binding.Kind.VENDOR_RETURN
RETURNS = (CUSTOMER_RETURN, VENDOR_RETURN)
MODELS = {
    INVOICE: Invoice,
    PURCHASE_ORDER: PurchaseOrder,
    CUSTOMER_RETURN: CustomerReturn,
    VENDOR_RETURN: VendorReturn,
}
KINDS = {model: kind for kind, model in MODELS.items()}
LABELS = {
    INVOICE: "Invoice",
    PURCHASE_ORDER: "Purchase order",
    CUSTOMER_RETURN: "Return",
    VENDOR_RETURN: "Vendor return",
}
PAGES = {
    INVOICE: "invoice_detail",
    PURCHASE_ORDER: "purchase_order_detail",
    CUSTOMER_RETURN: "return_detail",
    VENDOR_RETURN: "vendor_return_detail",
}
# Customers' documents; the others are vendors'.
SALES = (INVOICE, CUSTOMER_RETURN)


def kind_of(document) -> str:
    return KINDS[type(document)]


def partner_of(document) -> tuple:
    """The document's partner and the role it plays in QuickBooks: (partner, binding kind)."""
    if kind_of(document) in SALES:
        return document.customer, Binding.Kind.CUSTOMER
    return document.vendor, Binding.Kind.VENDOR


def load(*, company, kind: str, local_id: int):
    """The document, or ``DoesNotExist``."""
    return MODELS[kind].objects.select_related("company").get(pk=local_id, company=company)


def by_kind(keys) -> dict[str, set[int]]:
    """``(kind, local_id)`` keys as the ids of each kind (one query a kind, for the callers)."""
    wanted: dict[str, set[int]] = {}
    for kind, local_id in keys:
        wanted.setdefault(kind, set()).add(local_id)
    return wanted


def load_many(*, company, keys) -> dict[tuple[str, int], object]:
    """The documents of ``keys`` ((kind, local_id)) that exist, with their company and partner
    read along: one query a kind."""
    found = {}
    for kind, ids in by_kind(keys).items():
        partner = "customer" if kind in SALES else "vendor"
        rows = MODELS[kind].objects.select_related("company", partner)
        for document in rows.filter(company=company, pk__in=ids):
            found[(kind, document.pk)] = document
    return found


@dataclass(frozen=True)
class DocumentName:
    label: str  # "Invoice INV-1004"
    url: str


def names(*, company, keys) -> dict[tuple[str, int], DocumentName]:
    """What people call these documents, with their pages: one query per kind. A document that no
    longer exists is named by its kind and id."""
    found = {}
    for kind, ids in by_kind(keys).items():
        if kind not in MODELS:
            continue
        numbers = (
            MODELS[kind].objects.filter(company=company, pk__in=ids).values_list("pk", "number")
        )
        for pk, number in numbers:
            found[(kind, pk)] = DocumentName(
                f"{LABELS[kind]} {number}", reverse(PAGES[kind], args=[pk])
            )
    return {
        key: found.get(
            key, DocumentName(f"{LABELS.get(key[0], key[0])} (deleted, id {key[1]})", "")
        )
        for key in keys
    }
