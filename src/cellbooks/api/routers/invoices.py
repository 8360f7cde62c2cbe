"""Invoices: create with devices by identifier, read, list, edit, add devices, change a line's
price, remove a device, open, void; the invoice and its packing list as PDFs."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from ninja import Query, Router
from ninja.pagination import paginate

from cellbooks.api import pdf as api_pdf
from cellbooks.api.auth import company_of
from cellbooks.api.errors import ApiError, not_found
from cellbooks.api.schemas import (
    InvoiceCreate,
    InvoiceDevicesIn,
    InvoiceFilters,
    InvoiceLineUpdate,
    InvoiceOut,
    InvoiceSummary,
    InvoiceUpdate,
    created,
    listed,
    ok,
)
from cellbooks.inventory import pdf, selectors, services
from cellbooks.inventory.models import Invoice, InvoiceLine, Partner

from . import IdPath, Page, Status, duplicate_identifiers, normalised_identifier

router = Router(tags=["invoices"])
InvoiceId = IdPath("invoice")
LineId = IdPath("line")


def _invoices(request, status=None) -> QuerySet[Invoice]:
    return selectors.invoices_for(company=company_of(request), status=status)


def _invoice(request, invoice_id: int) -> Invoice:
    return _invoices(request).get_for_company_or_404(company_of(request), pk=invoice_id)


def invoice_detail(request, invoice_id: int) -> Invoice:
    """The invoice with everything its detail representation shows (integrations' routes use
    it too)."""
    return (
        _invoices(request)
        .prefetch_related("lines__device__product", "lines__device__condition", "payments")
        .get_for_company_or_404(company_of(request), pk=invoice_id)
    )


def _customer(company, customer_id: int) -> Partner:
    customer = Partner.objects.for_company(company).filter(pk=customer_id).first()
    if customer is None:
        raise not_found(("body", "customer"), f"No customer with id {customer_id}.")
    return customer


def _line(request, invoice_id: int, line_id: int) -> InvoiceLine:
    invoice = _invoice(request, invoice_id)
    line = InvoiceLine.objects.select_related("device").filter(invoice=invoice, pk=line_id).first()
    if line is None:
        raise not_found(("path", "line_id"), f"No line {line_id} on this invoice.")
    line.invoice = invoice
    return line


@router.get("/invoices", response=listed(list[InvoiceSummary]))
@paginate(Page)
def list_invoices(request, filters: Query[InvoiceFilters]):
    """Newest first."""
    invoices = _invoices(request, status=filters.status)
    if filters.customer is not None:
        invoices = invoices.filter(customer_id=filters.customer)
    return invoices


@router.get("/invoices/{invoice_id}", response=ok(InvoiceOut))
def get_invoice(request, invoice_id: InvoiceId):
    return invoice_detail(request, invoice_id)


def _invoice_for_document(request, invoice_id: int) -> Invoice:
    return Invoice.objects.select_related("customer", "company").get_for_company_or_404(
        company_of(request), pk=invoice_id
    )


@router.get(
    "/invoices/{invoice_id}/pdf",
    response=api_pdf.RESPONSES,
    openapi_extra=api_pdf.openapi(
        "The invoice as a PDF: lines by product and grade with every IMEI, total, paid, balance."
    ),
)
def invoice_pdf(request, invoice_id: InvoiceId):
    """The invoice the customer is sent, as a PDF (the same as its page's *Invoice PDF*)."""
    invoice = _invoice_for_document(request, invoice_id)
    return api_pdf.response(pdf.invoice_pdf(invoice), pdf.filename(invoice.number))


@router.get(
    "/invoices/{invoice_id}/packing-list.pdf",
    response=api_pdf.RESPONSES,
    openapi_extra=api_pdf.openapi(
        "The packing list as a PDF: every IMEI by product and grade with battery health, "
        "iCloud/Find My and carrier lock, cosmetic notes; no prices."
    ),
)
def invoice_packing_list_pdf(request, invoice_id: InvoiceId):
    """What ships with the devices, as a PDF (the same as its page's *Packing list*)."""
    invoice = _invoice_for_document(request, invoice_id)
    return api_pdf.response(
        pdf.packing_list_pdf(invoice), pdf.filename(invoice.number, "packing-list")
    )


@router.post("/invoices", response=created(InvoiceOut))
def create_invoice(request, payload: InvoiceCreate):
    """Create a draft invoice with the devices named by ``identifiers``; all or nothing.

    1. Find the customer: another company's id answers 404.
    2. Check the request itself: no identifier twice, no price for an identifier not listed.
    3. Create the invoice, then add each device in its own savepoint (at its price from
       ``unit_prices``, or the device's own price) so every refused identifier is reported.
    4. If anything was refused, roll everything back and answer 422.
    """
    company = company_of(request)
    customer = _customer(company, payload.customer)
    _check_identifiers(payload.identifiers, payload.unit_prices)
    with transaction.atomic():
        invoice = services.create_invoice(
            company=company,
            customer=customer,
            number=payload.number,
            date=payload.date,
            due_date=payload.due_date,
            notes=payload.notes,
        )
        _add_devices(invoice, payload.identifiers, payload.unit_prices)  # an exception rolls back
    return Status(201, invoice_detail(request, invoice.pk))


def _check_identifiers(identifiers: list[str], unit_prices: dict) -> None:
    """No identifier twice, no price for an identifier not listed: 422 naming each."""
    problems = duplicate_identifiers(identifiers, loc=lambda index: ["body", "identifiers", index])
    listed_ones = {normalised_identifier(identifier) for identifier in identifiers}
    problems += [
        {
            "loc": ["body", "unit_prices", key],
            "msg": "Not one of the identifiers.",
            "type": "invalid",
        }
        for key in unit_prices
        if normalised_identifier(key) not in listed_ones
    ]
    if problems:
        raise ApiError(422, problems)


def _add_devices(invoice: Invoice, identifiers: list[str], unit_prices: dict) -> None:
    """Add each device in its own savepoint (at its price from ``unit_prices``, or the device's own
    price) so that every refused identifier is reported; a 422 listing them if any was refused
    (the caller's transaction then rolls back)."""
    prices = {normalised_identifier(key): price for key, price in unit_prices.items()}
    problems = []
    for index, identifier in enumerate(identifiers):
        try:
            with transaction.atomic():
                services.add_devices_to_invoice(
                    invoice=invoice,
                    identifiers=[identifier],
                    unit_price=prices.get(normalised_identifier(identifier)),
                )
        except DjangoValidationError as exc:
            if not hasattr(exc, "error_dict") or set(exc.message_dict) == {NON_FIELD_ERRORS}:
                # About the invoice as a whole: its status, or a total below what was paid.
                raise
            problems += _line_problems(exc, index, identifier)
    if problems:
        raise ApiError(422, problems)


def _line_problems(exc: DjangoValidationError, index: int, identifier: str) -> list[dict]:
    """Locate a refusal of one identifier: its price, or the identifier itself."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    problems = []
    for field, messages in fields.items():
        if field == "unit_price":
            loc = ["body", "unit_prices", identifier]
        else:
            loc = ["body", "identifiers", index]
        problems += [{"loc": loc, "msg": message, "type": "invalid"} for message in messages]
    return problems


@router.patch("/invoices/{invoice_id}", response=ok(InvoiceOut, conflict=True))
def update_invoice(request, invoice_id: InvoiceId, payload: InvoiceUpdate):
    """Change only the fields sent: customer, number, date, due date, notes — on a draft invoice,
    as its edit page (an issued invoice's devices and prices still change: see its lines)."""
    company = company_of(request)
    changes = payload.dict(exclude_unset=True)
    if "customer" in changes:
        changes["customer"] = _customer(company, changes["customer"])
    services.update_invoice(invoice=_invoice(request, invoice_id), **changes)
    return invoice_detail(request, invoice_id)


@router.post("/invoices/{invoice_id}/devices", response=created(InvoiceOut, conflict=True))
def add_invoice_devices(request, invoice_id: InvoiceId, payload: InvoiceDevicesIn):
    """Add devices in stock by IMEI/serial, as the create call does; all or nothing. An open or
    partially paid invoice takes devices too (they are sold at once); a paid one does not."""
    invoice = _invoice(request, invoice_id)
    _check_identifiers(payload.identifiers, payload.unit_prices)
    with transaction.atomic():
        _add_devices(invoice, payload.identifiers, payload.unit_prices)
    return Status(201, invoice_detail(request, invoice_id))


@router.patch("/invoices/{invoice_id}/lines/{line_id}", response=ok(InvoiceOut, conflict=True))
def update_invoice_line(
    request, invoice_id: InvoiceId, line_id: LineId, payload: InvoiceLineUpdate
):
    """Change what one device sells for, until the invoice is paid in full; its total may never
    drop below what has been paid (409)."""
    services.set_invoice_line_price(
        line=_line(request, invoice_id, line_id), unit_price=payload.unit_price
    )
    return invoice_detail(request, invoice_id)


@router.delete("/invoices/{invoice_id}/lines/{line_id}", response=ok(InvoiceOut, conflict=True))
def remove_invoice_line(request, invoice_id: InvoiceId, line_id: LineId):
    """Take a device off an invoice that is not paid in full; it goes back in stock. The last
    device of an issued invoice cannot go (void the invoice instead)."""
    services.remove_invoice_line(line=_line(request, invoice_id, line_id))
    return invoice_detail(request, invoice_id)


@router.post("/invoices/{invoice_id}/open", response=ok(InvoiceOut, conflict=True))
def open_invoice(request, invoice_id: InvoiceId):
    """A draft with devices is issued: its devices are sold and it starts owing money."""
    services.open_invoice(invoice=_invoice(request, invoice_id))
    return invoice_detail(request, invoice_id)


@router.post("/invoices/{invoice_id}/void", response=ok(InvoiceOut, conflict=True))
def void_invoice(request, invoice_id: InvoiceId):
    """An invoice without payments is voided; its devices go back in stock."""
    services.void_invoice(invoice=_invoice(request, invoice_id))
    return invoice_detail(request, invoice_id)
