"""Invoices: create with devices by identifier, read, list, open, void; the invoice and its
packing list as PDFs."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from cellbooks.api import pdf as api_pdf
from cellbooks.api.auth import company_of
from cellbooks.api.errors import ApiError, not_found
from cellbooks.api.schemas import (
    InvoiceCreate,
    InvoiceFilters,
    InvoiceOut,
    InvoiceSummary,
    created,
    ok,
)
from cellbooks.inventory import pdf, selectors, services
from cellbooks.inventory.models import Invoice, Partner

from . import MAX_PAGE, Status, duplicate_identifiers, normalised_identifier

router = Router(tags=["invoices"])


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


@router.get("/invoices", response=ok(list[InvoiceSummary]))
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_invoices(request, filters: Query[InvoiceFilters]):
    invoices = _invoices(request, status=filters.status)
    if filters.customer is not None:
        invoices = invoices.filter(customer_id=filters.customer)
    return invoices


@router.get("/invoices/{invoice_id}", response=ok(InvoiceOut))
def get_invoice(request, invoice_id: int):
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
def invoice_pdf(request, invoice_id: int):
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
def invoice_packing_list_pdf(request, invoice_id: int):
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
    customer = Partner.objects.for_company(company).filter(pk=payload.customer).first()
    if customer is None:
        raise not_found(("body", "customer"), f"No customer with id {payload.customer}.")
    prices = {normalised_identifier(key): price for key, price in payload.unit_prices.items()}
    problems = duplicate_identifiers(
        payload.identifiers, loc=lambda index: ["body", "identifiers", index]
    )
    listed = {normalised_identifier(identifier) for identifier in payload.identifiers}
    problems += [
        {
            "loc": ["body", "unit_prices", key],
            "msg": "Not one of the identifiers.",
            "type": "invalid",
        }
        for key in payload.unit_prices
        if normalised_identifier(key) not in listed
    ]
    if problems:
        raise ApiError(422, problems)
    with transaction.atomic():
        invoice = services.create_invoice(
            company=company,
            customer=customer,
            number=payload.number,
            date=payload.date,
            due_date=payload.due_date,
            notes=payload.notes,
        )
        for index, identifier in enumerate(payload.identifiers):
            try:
                with transaction.atomic():
                    services.add_devices_to_invoice(
                        invoice=invoice,
                        identifiers=[identifier],
                        unit_price=prices.get(normalised_identifier(identifier)),
                    )
            except DjangoValidationError as exc:
                problems += _line_problems(exc, index, identifier)
        if problems:
            raise ApiError(422, problems)  # leaving the atomic block by an exception rolls back
    return Status(201, invoice_detail(request, invoice.pk))


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


@router.post("/invoices/{invoice_id}/open", response=ok(InvoiceOut, conflict=True))
def open_invoice(request, invoice_id: int):
    services.open_invoice(invoice=_invoice(request, invoice_id))
    return invoice_detail(request, invoice_id)


@router.post("/invoices/{invoice_id}/void", response=ok(InvoiceOut, conflict=True))
def void_invoice(request, invoice_id: int):
    services.void_invoice(invoice=_invoice(request, invoice_id))
    return invoice_detail(request, invoice_id)
