"""What an event's ``data`` says about the records it is about: plain JSON, money as strings with
two decimals (as in the REST API), ids that the REST API answers to."""

from decimal import Decimal

from cellbooks.core.money import CENT
from cellbooks.inventory.models import (
    CustomerReturn,
    Device,
    Invoice,
    Payment,
    PurchaseOrder,
    VendorReturn,
)


def money(amount) -> str | None:
    return None if amount is None else str(Decimal(amount).quantize(CENT))


def partner(partner) -> dict:
    return {"id": partner.pk, "name": partner.name}


def invoice(inv: Invoice) -> dict:
    return {
        "id": inv.pk,
        "number": inv.number,
        "status": inv.status,
        "customer": partner(inv.customer),
        "date": inv.date.isoformat(),
        "due_date": inv.due_date.isoformat() if inv.due_date else None,
        "total": money(inv.total),
        "amount_paid": money(inv.amount_paid),
        "balance_due": money(inv.balance_due),
    }


def purchase_order(po: PurchaseOrder, *, total) -> dict:
    return {
        "id": po.pk,
        "number": po.number,
        "status": po.status,
        "vendor": partner(po.vendor),
        "date": po.date.isoformat(),
        "total": money(total),
        "received_at": po.received_at.isoformat() if po.received_at else None,
    }


def payment(pay: Payment) -> dict:
    return {
        "id": pay.pk,
        "invoice_id": pay.invoice_id,
        "amount": money(pay.amount),
        "date": pay.date.isoformat() if hasattr(pay.date, "isoformat") else str(pay.date),
        "method": pay.method,
        "reference": pay.reference,
        "source": pay.source,
        "external_id": pay.external_id,
    }


def sold_device(device: Device, *, inv: Invoice, unit_price) -> dict:
    return {
        "id": device.pk,
        "identifier": device.identifier,
        "product": {"id": device.product_id, "name": device.product.display_name},
        "condition": device.condition.code,
        "status": device.status,
        "unit_price": money(unit_price),
        "invoice": {"id": inv.pk, "number": inv.number, "customer": partner(inv.customer)},
    }


def customer_return(rma: CustomerReturn) -> dict:
    return {
        "id": rma.pk,
        "number": rma.number,
        "status": rma.status,
        "invoice_id": rma.invoice_id,
        "customer": partner(rma.customer),
        "date": rma.date.isoformat(),
        "reason": rma.reason,
        "credit": rma.credit,
        "total": money(rma.total),
        "devices": [
            {
                "id": line.device_id,
                "identifier": line.device.identifier,
                "unit_price": money(line.unit_price),
                "disposition": line.disposition,
            }
            for line in rma.lines.select_related("device").order_by("id")
        ],
    }


def vendor_return(rtv: VendorReturn) -> dict:
    return {
        "id": rtv.pk,
        "number": rtv.number,
        "status": rtv.status,
        "vendor": partner(rtv.vendor),
        "purchase_order_id": rtv.purchase_order_id,
        "date": rtv.date.isoformat(),
        "reason": rtv.reason,
        "total": money(rtv.total),
        "devices": [
            {
                "id": line.device_id,
                "identifier": line.device.identifier,
                "credit_amount": money(line.credit_amount),
            }
            for line in rtv.lines.select_related("device").order_by("id")
        ],
    }
