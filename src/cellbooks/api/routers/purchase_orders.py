"""Purchase orders: create with devices in one call, read, list, receive, close, void; the
purchase order as a PDF."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from cellbooks.api import pdf as api_pdf
from cellbooks.api.auth import company_of
from cellbooks.api.errors import ApiError, error_items, not_found
from cellbooks.api.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderFilters,
    PurchaseOrderOut,
    PurchaseOrderSummary,
    created,
    ok,
)
from cellbooks.inventory import pdf, selectors, services
from cellbooks.inventory.models import Partner, PurchaseOrder

from . import MAX_PAGE, Status, duplicate_identifiers

router = Router(tags=["purchase orders"])


def _purchase_orders(request, status=None) -> QuerySet[PurchaseOrder]:
    return selectors.purchase_orders_for(company=company_of(request), status=status)


def _purchase_order(request, purchase_order_id: int) -> PurchaseOrder:
    return _purchase_orders(request).get_for_company_or_404(
        company_of(request), pk=purchase_order_id
    )


def purchase_order_detail(request, purchase_order_id: int) -> PurchaseOrder:
    """The purchase order with everything its detail representation shows (integrations' routes use
    it too)."""
    return (
        _purchase_orders(request)
        .prefetch_related("lines__device__product", "lines__device__condition")
        .get_for_company_or_404(company_of(request), pk=purchase_order_id)
    )


@router.get("/purchase-orders", response=ok(list[PurchaseOrderSummary]))
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_purchase_orders(request, filters: Query[PurchaseOrderFilters]):
    purchase_orders = _purchase_orders(request, status=filters.status)
    if filters.vendor is not None:
        purchase_orders = purchase_orders.filter(vendor_id=filters.vendor)
    return purchase_orders


@router.get("/purchase-orders/{purchase_order_id}", response=ok(PurchaseOrderOut))
def get_purchase_order(request, purchase_order_id: int):
    return purchase_order_detail(request, purchase_order_id)


@router.get(
    "/purchase-orders/{purchase_order_id}/pdf",
    response=api_pdf.RESPONSES,
    openapi_extra=api_pdf.openapi(
        "The purchase order as a PDF: lines by product and grade with every IMEI, and the total."
    ),
)
def purchase_order_pdf(request, purchase_order_id: int):
    """The purchase order as the vendor reads it, as a PDF (the same as its page's *PDF*)."""
    purchase_order = PurchaseOrder.objects.select_related(
        "vendor", "company"
    ).get_for_company_or_404(company_of(request), pk=purchase_order_id)
    return api_pdf.response(
        pdf.purchase_order_pdf(purchase_order), pdf.filename(purchase_order.number)
    )


@router.post("/purchase-orders", response=created(PurchaseOrderOut))
def create_purchase_order(request, payload: PurchaseOrderCreate):
    """Create a draft PO and its devices; all or nothing.

    1. Find the vendor: another company's id answers 404.
    2. Create the PO, then add each device in its own savepoint so that every bad device is
       reported (by index and field), not just the first.
    3. If anything was refused, roll the whole transaction back and answer 422.
    """
    company = company_of(request)
    vendor = Partner.objects.for_company(company).filter(pk=payload.vendor).first()
    if vendor is None:
        raise not_found(("body", "vendor"), f"No vendor with id {payload.vendor}.")
    with transaction.atomic():
        purchase_order = services.create_purchase_order(
            company=company,
            vendor=vendor,
            number=payload.number,
            date=payload.date,
            notes=payload.notes,
        )
        problems = duplicate_identifiers(
            [device.identifier for device in payload.devices],
            loc=lambda index: ["body", "devices", index, "identifier"],
        )
        for index, device in enumerate(payload.devices):
            if any(p["loc"][:3] == ["body", "devices", index] for p in problems):
                continue
            try:
                with transaction.atomic():
                    services.add_device_to_purchase_order(
                        purchase_order=purchase_order, **device.dict()
                    )
            except DjangoValidationError as exc:
                problems.extend(error_items(exc, prefix=("body", "devices", index)))
        if problems:
            raise ApiError(422, problems)  # leaving the atomic block by an exception rolls back
    return Status(201, purchase_order_detail(request, purchase_order.pk))


@router.post(
    "/purchase-orders/{purchase_order_id}/receive", response=ok(PurchaseOrderOut, conflict=True)
)
def receive_purchase_order(request, purchase_order_id: int):
    services.receive_purchase_order(purchase_order=_purchase_order(request, purchase_order_id))
    return purchase_order_detail(request, purchase_order_id)


@router.post(
    "/purchase-orders/{purchase_order_id}/close", response=ok(PurchaseOrderOut, conflict=True)
)
def close_purchase_order(request, purchase_order_id: int):
    services.close_purchase_order(purchase_order=_purchase_order(request, purchase_order_id))
    return purchase_order_detail(request, purchase_order_id)


@router.post(
    "/purchase-orders/{purchase_order_id}/void", response=ok(PurchaseOrderOut, conflict=True)
)
def void_purchase_order(request, purchase_order_id: int):
    services.void_purchase_order(purchase_order=_purchase_order(request, purchase_order_id))
    return purchase_order_detail(request, purchase_order_id)
