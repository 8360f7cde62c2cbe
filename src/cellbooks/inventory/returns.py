"""Returns: devices a customer sends back from an invoice (an RMA), and devices sent back to the
vendor they were bought from (an RTV). Same conventions as ``services.py``: keyword-only, one
transaction each, refusals as ``ValidationError`` naming the field.

A customer return never rewrites its invoice. It is a document of its own whose total is what the
returned devices sold for, and whose credit is either applied to the invoice's balance (the invoice
counts it like a payment), kept as the customer's credit, or refunded. Completing it puts each
device back in stock (optionally regraded and moved) or writes it off. A vendor return takes
devices in stock out of stock (returned to vendor) for a credit, by default what they cost.

Life of both: draft (devices added by IMEI, changed, removed) → completed → void (a completed
return can be voided while its devices are still where it put them).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from cellbooks.core.identifiers import parse_identifier
from cellbooks.core.money import money_sum

from . import signals
from .models import (
    CustomerReturn,
    Device,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Partner,
    Payment,
    PurchaseOrder,
    ReturnLine,
    VendorReturn,
    VendorReturnLine,
)
from .services import (
    _clean_text,
    _collect,
    _copy_onto,
    _lock,
    _parse_date,
    _refuse,
    _require_status,
    _resolve_condition,
    _typed_number,
    document_label,
    format_money,
    next_document_number,
    normalise_identifier_list,
    parse_money,
    recalculate_invoice,
)

SOLD_STATUSES = (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)


def _identifier_or_raw(raw: str) -> str:
    try:
        return parse_identifier(raw)[0]
    except ValidationError:
        return raw.strip()


def _header(errors, *, company, date, reason, notes, number, kind, exclude_pk=None) -> dict:
    values = {
        "date": _collect(
            errors, _parse_date, date, field="date", label="The date", default=timezone.localdate()
        ),
        "reason": _collect(
            errors,
            _clean_text,
            reason,
            field="reason",
            label="The reason",
            max_length=500,
            required=True,
        ),
        "notes": (notes or "").strip(),
    }
    typed = _collect(
        errors, _typed_number, company=company, kind=kind, number=number, exclude_pk=exclude_pk
    )
    if typed:
        values["number"] = typed
    return values


# ---- customer returns -----------------------------------------------------------------------


def _credit_choice(errors, credit, refund_method, refund_reference) -> dict:
    if credit not in CustomerReturn.Credit.values:
        choices = ", ".join(CustomerReturn.Credit.values)
        errors.setdefault("credit", []).append(f"The credit must be one of {choices}.")
        return {}
    values = {"credit": credit, "refund_method": "", "refund_reference": ""}
    if credit == CustomerReturn.Credit.REFUND:
        if refund_method not in Payment.Method.values:
            errors.setdefault("refund_method", []).append(
                "Say how the money goes back: " + ", ".join(Payment.Method.labels).lower() + "."
            )
        values["refund_method"] = refund_method or ""
        values["refund_reference"] = (
            _collect(
                errors,
                _clean_text,
                refund_reference,
                field="refund_reference",
                label="The refund reference",
                max_length=100,
            )
            or ""
        )
    return values


@transaction.atomic
def create_customer_return(
    *,
    company,
    invoice,
    reason,
    credit=CustomerReturn.Credit.APPLY,
    refund_method="",
    refund_reference="",
    date=None,
    number=None,
    notes="",
) -> CustomerReturn:
    """Start a draft return from a sold invoice (open, partly paid or paid)."""
    if not isinstance(invoice, Invoice) or invoice.company_id != company.id:
        _refuse("invoice", "Choose an invoice of this company.")
    if invoice.status not in SOLD_STATUSES:
        _refuse(
            "invoice",
            f"{document_label(invoice)} is {invoice.get_status_display().lower()}: devices come "
            "back only from an invoice that was sent (open, partly paid or paid).",
        )
    errors: dict[str, list[str]] = {}
    values = _header(
        errors,
        company=company,
        date=date,
        reason=reason,
        notes=notes,
        number=number,
        kind=NumberSequence.Kind.CUSTOMER_RETURN,
    )
    values.update(_credit_choice(errors, credit, refund_method, refund_reference))
    if errors:
        raise ValidationError(errors)
    values.setdefault(
        "number",
        next_document_number(company=company, kind=NumberSequence.Kind.CUSTOMER_RETURN),
    )
    return CustomerReturn.objects.create(
        company=company, invoice=invoice, customer=invoice.customer, **values
    )


@transaction.atomic
def update_customer_return(
    *, customer_return, reason, credit, refund_method="", refund_reference="", date=None, notes=""
) -> CustomerReturn:
    rma = _lock(customer_return)
    _require_status(rma, CustomerReturn.Status.DRAFT, action="be changed")
    errors: dict[str, list[str]] = {}
    values = _header(
        errors,
        company=rma.company,
        date=date or rma.date,
        reason=reason,
        notes=notes,
        number=None,
        kind=NumberSequence.Kind.CUSTOMER_RETURN,
    )
    values.update(_credit_choice(errors, credit, refund_method, refund_reference))
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(rma, field, value)
    rma.save()
    _copy_onto(customer_return, rma)
    return rma


def _returned_elsewhere(invoice_line: InvoiceLine, rma: CustomerReturn) -> CustomerReturn | None:
    other = (
        invoice_line.return_lines.exclude(customer_return=rma)
        .exclude(customer_return__status=CustomerReturn.Status.VOID)
        .select_related("customer_return")
        .first()
    )
    return other.customer_return if other else None


@transaction.atomic
def add_devices_to_return(
    *,
    customer_return,
    identifiers,
    disposition=ReturnLine.Disposition.RESTOCK,
    new_condition=None,
    new_location="",
) -> list[ReturnLine]:
    """Scan devices onto a draft return: each must be on its invoice and not returned already.
    All of them, or none with every reason."""
    rma = _lock(customer_return)
    _require_status(rma, CustomerReturn.Status.DRAFT, action="take devices")
    wanted = normalise_identifier_list(identifiers)
    if not wanted:
        _refuse("identifiers", "Scan or type at least one IMEI or serial number.")
    disposition, condition, location = _disposition(
        rma.company, disposition, new_condition, new_location
    )
    on_invoice = {
        line.device.identifier: line for line in rma.invoice.lines.select_related("device")
    }
    problems, lines, seen = [], [], set()
    for raw in wanted:
        identifier = _identifier_or_raw(raw)
        line = on_invoice.get(identifier)
        if identifier in seen:
            problems.append(f"{identifier} is listed twice.")
        elif line is None:
            problems.append(
                f"{raw} is not on {document_label(rma.invoice, capital=False)}: only devices sold "
                "on it can come back on this return."
            )
        elif line.return_lines.filter(customer_return=rma).exists():
            problems.append(f"{identifier} is already on this return.")
        elif other := _returned_elsewhere(line, rma):
            problems.append(f"{identifier} was already returned on {other.number}.")
        else:
            lines.append(
                ReturnLine(
                    customer_return=rma,
                    invoice_line=line,
                    device=line.device,
                    unit_price=line.unit_price,
                    disposition=disposition,
                    new_condition=condition,
                    new_location=location,
                )
            )
        seen.add(identifier)
    if problems:
        raise ValidationError({"identifiers": problems})
    created = ReturnLine.objects.bulk_create(lines)
    _retotal(rma)
    _copy_onto(customer_return, rma)
    return created


def _disposition(company, disposition, new_condition, new_location):
    errors: dict[str, list[str]] = {}
    if disposition not in ReturnLine.Disposition.values:
        errors["disposition"] = ["Choose back to stock or written off."]
    condition = None
    if new_condition not in (None, ""):
        condition = _collect(
            errors, _resolve_condition, company, new_condition, field="new_condition"
        )
    location = _collect(
        errors,
        _clean_text,
        new_location,
        field="new_location",
        label="The location",
        max_length=100,
    )
    if errors:
        raise ValidationError(errors)
    return disposition, condition, location or ""


@transaction.atomic
def set_return_line(*, line, disposition, new_condition=None, new_location="") -> ReturnLine:
    rma = _lock(line.customer_return)
    _require_status(rma, CustomerReturn.Status.DRAFT, action="be changed")
    line.disposition, line.new_condition, line.new_location = _disposition(
        rma.company, disposition, new_condition, new_location
    )
    line.save(update_fields=["disposition", "new_condition", "new_location"])
    return line


@transaction.atomic
def remove_return_line(*, line) -> None:
    rma = _lock(line.customer_return)
    _require_status(rma, CustomerReturn.Status.DRAFT, action="lose devices")
    line.delete()
    _retotal(rma)


def _retotal(rma: CustomerReturn) -> None:
    rma.total = money_sum(rma.lines.values_list("unit_price", flat=True))
    CustomerReturn.objects.filter(pk=rma.pk).update(total=rma.total, updated_at=timezone.now())


def refundable(invoice: Invoice) -> Decimal:
    """What can still be refunded on an invoice: paid, less what completed returns refunded."""
    refunded = money_sum(
        invoice.returns.filter(
            status=CustomerReturn.Status.COMPLETED, credit=CustomerReturn.Credit.REFUND
        ).values_list("total", flat=True)
    )
    return invoice.amount_paid - refunded


@transaction.atomic
def complete_customer_return(*, customer_return) -> CustomerReturn:
    """The devices are back: restock or write off each, and give the credit.

    1. The return must have devices; the credit must fit: applied to the invoice, it cannot be
       more than the invoice's balance due; refunded, not more than was paid and not yet refunded.
    2. Each device: back in stock (regraded, moved, if asked) or written off.
    3. The invoice counts an applied credit like a payment (its total never changes).
    """
    rma = _lock(customer_return)
    _require_status(rma, CustomerReturn.Status.DRAFT, action="be completed")
    invoice = Invoice.objects.select_for_update().get(pk=rma.invoice_id)
    lines = list(rma.lines.select_related("device"))
    if not lines:
        _refuse(NON_FIELD_ERRORS, f"{document_label(rma)} has no devices: scan them first.")
    _retotal(rma)
    if rma.credit == CustomerReturn.Credit.APPLY and rma.total > invoice.balance_due:
        _refuse(
            "credit",
            f"The credit of {format_money(rma.total)} is more than the {format_money(invoice.balance_due)} "
            f"still due on {document_label(invoice, capital=False)}: keep it as the customer's "
            "credit or refund it instead.",
        )
    if rma.credit == CustomerReturn.Credit.REFUND and rma.total > refundable(invoice):
        _refuse(
            "credit",
            f"Only {format_money(refundable(invoice))} was paid on {document_label(invoice, capital=False)} "
            f"and not refunded yet; this return credits {format_money(rma.total)}: apply the "
            "credit to the invoice or keep it as the customer's credit instead.",
        )
    for line in lines:
        device = line.device
        if device.status != Device.Status.SOLD:
            _refuse(
                NON_FIELD_ERRORS,
                f"{device.identifier} is {device.get_status_display().lower()}, not sold: it "
                "cannot come back.",
            )
        if line.disposition == ReturnLine.Disposition.RESTOCK:
            device.status = Device.Status.IN_STOCK
            if line.new_condition_id:
                device.condition_id = line.new_condition_id
            if line.new_location:
                device.location = line.new_location
        else:
            device.status = Device.Status.WRITTEN_OFF
        device.save(update_fields=["status", "condition", "location", "updated_at"])
    rma.status = CustomerReturn.Status.COMPLETED
    rma.completed_at = timezone.now()
    rma.save(update_fields=["status", "completed_at", "updated_at"])
    recalculate_invoice(invoice=invoice)
    _copy_onto(customer_return, rma)
    signals.document_event.send(
        sender=CustomerReturn,
        company=rma.company,
        kind="customer_return",
        document=rma,
        event="completed",
    )
    return rma


@transaction.atomic
def void_customer_return(*, customer_return) -> CustomerReturn:
    """Cancel a return. A completed one is undone — its devices sold again, its credit taken back —
    only while its devices are still where it put them."""
    rma = _lock(customer_return)
    _require_status(
        rma, CustomerReturn.Status.DRAFT, CustomerReturn.Status.COMPLETED, action="be voided"
    )
    was_completed = rma.status == CustomerReturn.Status.COMPLETED
    if was_completed:
        for line in rma.lines.select_related("device"):
            expected = (
                Device.Status.IN_STOCK
                if line.disposition == ReturnLine.Disposition.RESTOCK
                else Device.Status.WRITTEN_OFF
            )
            if line.device.status != expected:
                _refuse(
                    NON_FIELD_ERRORS,
                    f"{line.device.identifier} is {line.device.get_status_display().lower()} since "
                    f"this return: {document_label(rma, capital=False)} can no longer be voided.",
                )
        Device.objects.filter(pk__in=rma.lines.values("device_id")).update(
            status=Device.Status.SOLD, updated_at=timezone.now()
        )
    rma.status = CustomerReturn.Status.VOID
    rma.voided_at = timezone.now()
    rma.save(update_fields=["status", "voided_at", "updated_at"])
    if was_completed:
        invoice = Invoice.objects.select_for_update().get(pk=rma.invoice_id)
        recalculate_invoice(invoice=invoice)
        signals.document_event.send(
            sender=CustomerReturn,
            company=rma.company,
            kind="customer_return",
            document=rma,
            event="voided",
        )
    _copy_onto(customer_return, rma)
    return rma


@transaction.atomic
def delete_draft_return(*, customer_return) -> None:
    rma = _lock(customer_return)
    _require_status(rma, CustomerReturn.Status.DRAFT, action="be deleted")
    rma.delete()


def customer_credit(*, company, customer: Partner) -> Decimal:
    """Credit the customer holds from completed returns kept as credit."""
    return money_sum(
        CustomerReturn.objects.filter(
            company=company,
            customer=customer,
            status=CustomerReturn.Status.COMPLETED,
            credit=CustomerReturn.Credit.KEEP,
        ).values_list("total", flat=True)
    )


# ---- vendor returns -------------------------------------------------------------------------


def _check_vendor(company, vendor) -> Partner:
    if not isinstance(vendor, Partner) or vendor.company_id != company.id:
        _refuse("vendor", "Choose a vendor of this company.")
    if not vendor.is_vendor:
        _refuse("vendor", f"{vendor.name} is not a vendor: mark it as a vendor first.")
    return vendor


def _check_bill(company, vendor, purchase_order) -> PurchaseOrder | None:
    if purchase_order in (None, ""):
        return None
    if not isinstance(purchase_order, PurchaseOrder) or purchase_order.company_id != company.id:
        _refuse("purchase_order", "Choose a purchase order of this company.")
    if purchase_order.vendor_id != vendor.pk:
        _refuse(
            "purchase_order",
            f"{document_label(purchase_order)} is from {purchase_order.vendor.name}, not {vendor.name}.",
        )
    if purchase_order.status not in (PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CLOSED):
        _refuse(
            "purchase_order",
            f"{document_label(purchase_order)} is {purchase_order.get_status_display().lower()}: "
            "a credit applies only to a received purchase order.",
        )
    return purchase_order


@transaction.atomic
def create_vendor_return(
    *, company, vendor, reason, purchase_order=None, date=None, number=None, notes=""
) -> VendorReturn:
    """Start a draft vendor return; its credit can be applied to one of the vendor's received POs
    (its bill in the accounting system)."""
    errors: dict[str, list[str]] = {}
    vendor = _collect(errors, _check_vendor, company, vendor)
    values = _header(
        errors,
        company=company,
        date=date,
        reason=reason,
        notes=notes,
        number=number,
        kind=NumberSequence.Kind.VENDOR_RETURN,
    )
    if vendor is not None:
        values["purchase_order"] = _collect(errors, _check_bill, company, vendor, purchase_order)
    if errors:
        raise ValidationError(errors)
    values.setdefault(
        "number", next_document_number(company=company, kind=NumberSequence.Kind.VENDOR_RETURN)
    )
    return VendorReturn.objects.create(company=company, vendor=vendor, **values)


@transaction.atomic
def update_vendor_return(
    *, vendor_return, reason, purchase_order=None, date=None, notes=""
) -> VendorReturn:
    rtv = _lock(vendor_return)
    _require_status(rtv, VendorReturn.Status.DRAFT, action="be changed")
    errors: dict[str, list[str]] = {}
    values = _header(
        errors,
        company=rtv.company,
        date=date or rtv.date,
        reason=reason,
        notes=notes,
        number=None,
        kind=NumberSequence.Kind.VENDOR_RETURN,
    )
    values["purchase_order"] = _collect(
        errors, _check_bill, rtv.company, rtv.vendor, purchase_order
    )
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(rtv, field, value)
    rtv.save()
    _copy_onto(vendor_return, rtv)
    return rtv


@transaction.atomic
def add_devices_to_vendor_return(
    *, vendor_return, identifiers, credit_amount=None
) -> list[VendorReturnLine]:
    """Scan devices in stock onto a draft vendor return, each credited at ``credit_amount`` or its
    cost. A device bought on a purchase order goes back only to that order's vendor."""
    rtv = _lock(vendor_return)
    _require_status(rtv, VendorReturn.Status.DRAFT, action="take devices")
    wanted = normalise_identifier_list(identifiers)
    if not wanted:
        _refuse("identifiers", "Scan or type at least one IMEI or serial number.")
    amount = parse_money(credit_amount, field="credit_amount", label="The credit", required=False)
    found = {
        device.identifier: device
        for device in Device.objects.filter(
            company=rtv.company,
            identifier__in=[_identifier_or_raw(raw) for raw in wanted],
            status__in=Device.CURRENT_STATUSES,
        ).select_related("purchase_line__purchase_order__vendor")
    }
    problems, lines, seen = [], [], set()
    for raw in wanted:
        identifier = _identifier_or_raw(raw)
        device = found.get(identifier)
        bought_from = getattr(getattr(device, "purchase_line", None), "purchase_order", None)
        if identifier in seen:
            problems.append(f"{identifier} is listed twice.")
        elif device is None or device.status != Device.Status.IN_STOCK:
            state = device.get_status_display().lower() if device else "not held by this company"
            problems.append(f"{raw} is {state}: only devices in stock go back to a vendor.")
        elif device.vendor_return_lines.filter(vendor_return=rtv).exists():
            problems.append(f"{identifier} is already on this vendor return.")
        elif bought_from is not None and bought_from.vendor_id != rtv.vendor_id:
            problems.append(
                f"{identifier} was bought from {bought_from.vendor.name} on {bought_from.number}, "
                f"not from {rtv.vendor.name}."
            )
        else:
            lines.append(
                VendorReturnLine(
                    vendor_return=rtv,
                    device=device,
                    credit_amount=amount if amount is not None else device.cost,
                )
            )
        seen.add(identifier)
    if problems:
        raise ValidationError({"identifiers": problems})
    created = VendorReturnLine.objects.bulk_create(lines)
    _retotal_vendor(rtv)
    _copy_onto(vendor_return, rtv)
    return created


@transaction.atomic
def set_vendor_return_line_credit(*, line, credit_amount) -> VendorReturnLine:
    rtv = _lock(line.vendor_return)
    _require_status(rtv, VendorReturn.Status.DRAFT, action="be changed")
    line.credit_amount = parse_money(credit_amount, field="credit_amount", label="The credit")
    line.save(update_fields=["credit_amount"])
    _retotal_vendor(rtv)
    return line


@transaction.atomic
def remove_vendor_return_line(*, line) -> None:
    rtv = _lock(line.vendor_return)
    _require_status(rtv, VendorReturn.Status.DRAFT, action="lose devices")
    line.delete()
    _retotal_vendor(rtv)


def _retotal_vendor(rtv: VendorReturn) -> None:
    rtv.total = money_sum(rtv.lines.values_list("credit_amount", flat=True))
    VendorReturn.objects.filter(pk=rtv.pk).update(total=rtv.total, updated_at=timezone.now())


@transaction.atomic
def complete_vendor_return(*, vendor_return) -> VendorReturn:
    """The devices leave: each goes out of stock as returned to the vendor."""
    rtv = _lock(vendor_return)
    _require_status(rtv, VendorReturn.Status.DRAFT, action="be completed")
    lines = list(rtv.lines.select_related("device"))
    if not lines:
        _refuse(NON_FIELD_ERRORS, f"{document_label(rtv)} has no devices: scan them first.")
    gone = [
        line.device.identifier for line in lines if line.device.status != Device.Status.IN_STOCK
    ]
    if gone:
        _refuse(
            NON_FIELD_ERRORS,
            f"Not in stock any more: {', '.join(gone)}. Take them off this vendor return.",
        )
    Device.objects.filter(pk__in=[line.device_id for line in lines]).update(
        status=Device.Status.RETURNED, updated_at=timezone.now()
    )
    _retotal_vendor(rtv)
    rtv.status = VendorReturn.Status.COMPLETED
    rtv.completed_at = timezone.now()
    rtv.save(update_fields=["status", "completed_at", "updated_at"])
    _copy_onto(vendor_return, rtv)
    signals.document_event.send(
        sender=VendorReturn,
        company=rtv.company,
        kind="vendor_return",
        document=rtv,
        event="completed",
    )
    return rtv


@transaction.atomic
def void_vendor_return(*, vendor_return) -> VendorReturn:
    """Cancel a vendor return; a completed one puts its devices back in stock (the vendor did not
    take them after all) while none of them was bought again meanwhile."""
    rtv = _lock(vendor_return)
    _require_status(
        rtv, VendorReturn.Status.DRAFT, VendorReturn.Status.COMPLETED, action="be voided"
    )
    was_completed = rtv.status == VendorReturn.Status.COMPLETED
    if was_completed:
        for line in rtv.lines.select_related("device"):
            device = line.device
            if device.status != Device.Status.RETURNED or (
                Device.objects.filter(
                    company=rtv.company,
                    identifier=device.identifier,
                    status__in=Device.CURRENT_STATUSES,
                ).exists()
            ):
                _refuse(
                    NON_FIELD_ERRORS,
                    f"{device.identifier} came back to this company since: "
                    f"{document_label(rtv, capital=False)} can no longer be voided.",
                )
        Device.objects.filter(pk__in=rtv.lines.values("device_id")).update(
            status=Device.Status.IN_STOCK, updated_at=timezone.now()
        )
    rtv.status = VendorReturn.Status.VOID
    rtv.voided_at = timezone.now()
    rtv.save(update_fields=["status", "voided_at", "updated_at"])
    _copy_onto(vendor_return, rtv)
    if was_completed:
        signals.document_event.send(
            sender=VendorReturn,
            company=rtv.company,
            kind="vendor_return",
            document=rtv,
            event="voided",
        )
    return rtv


@transaction.atomic
def delete_draft_vendor_return(*, vendor_return) -> None:
    rtv = _lock(vendor_return)
    _require_status(rtv, VendorReturn.Status.DRAFT, action="be deleted")
    rtv.delete()
