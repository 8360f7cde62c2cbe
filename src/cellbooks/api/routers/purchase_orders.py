"""Purchase orders: create with devices in one call, read, list, edit, add and remove devices,
receive, close, void; the purchase order as a PDF."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from ninja import Query, Router
from ninja.pagination import paginate

from cellbooks.api import pdf as api_pdf
from cellbooks.api.auth import company_of
from cellbooks.api.errors import ApiError, error_items, not_found
from cellbooks.api.schemas import (
    PurchaseOrderCreate,
    PurchaseOrderDeviceIn,
    PurchaseOrderDevicesIn,
    PurchaseOrderFilters,
    PurchaseOrderOut,
    PurchaseOrderSummary,
    PurchaseOrderUpdate,
    created,
    listed,
    ok,
)
from cellbooks.inventory import pdf, selectors, services
from cellbooks.inventory.models import Partner, PurchaseOrder, PurchaseOrderLine

from . import IdPath, Page, Status, duplicate_identifiers

router = Router(tags=["purchase orders"])
PurchaseOrderId = IdPath("purchase order")
LineId = IdPath("line")


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


def _vendor(company, vendor_id: int) -> Partner:
    vendor = Partner.objects.for_company(company).filter(pk=vendor_id).first()
    if vendor is None:
        raise not_found(("body", "vendor"), f"No vendor with id {vendor_id}.")
    return vendor


@router.get("/purchase-orders", response=listed(list[PurchaseOrderSummary]))
@paginate(Page)
def list_purchase_orders(request, filters: Query[PurchaseOrderFilters]):
    """Newest first."""
    purchase_orders = _purchase_orders(request, status=filters.status)
    if filters.vendor is not None:
        purchase_orders = purchase_orders.filter(vendor_id=filters.vendor)
    return purchase_orders


@router.get("/purchase-orders/{purchase_order_id}", response=ok(PurchaseOrderOut))
def get_purchase_order(request, purchase_order_id: PurchaseOrderId):
    return purchase_order_detail(request, purchase_order_id)


@router.get(
    "/purchase-orders/{purchase_order_id}/pdf",
    response=api_pdf.RESPONSES,
    openapi_extra=api_pdf.openapi(
        "The purchase order as a PDF: lines by product and grade with every IMEI, and the total."
    ),
)
def purchase_order_pdf(request, purchase_order_id: PurchaseOrderId):
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
    vendor = _vendor(company, payload.vendor)
    with transaction.atomic():
        purchase_order = services.create_purchase_order(
            company=company,
            vendor=vendor,
            number=payload.number,
            date=payload.date,
            notes=payload.notes,
        )
        _add_devices(purchase_order, payload.devices)  # leaving by an exception rolls back
    return Status(201, purchase_order_detail(request, purchase_order.pk))


def _add_devices(purchase_order: PurchaseOrder, devices: list[PurchaseOrderDeviceIn]) -> None:
    """Add each device in its own savepoint so that every bad one is reported (by index and
    field); raise a 422 listing them all if any was refused (the caller's transaction then rolls
    back)."""
    problems = duplicate_identifiers(
        [device.identifier for device in devices],
        loc=lambda index: ["body", "devices", index, "identifier"],
    )
    for index, device in enumerate(devices):
        if any(p["loc"][:3] == ["body", "devices", index] for p in problems):
            continue
        try:
            with transaction.atomic():
                services.add_device_to_purchase_order(
                    purchase_order=purchase_order, **device.dict()
                )
        except DjangoValidationError as exc:
            if not hasattr(exc, "error_dict") or set(exc.message_dict) == {"__all__"}:
                raise  # about the PO as a whole (not a draft): a 409 from the handler
            problems.extend(error_items(exc, prefix=("body", "devices", index)))
    if problems:
        raise ApiError(422, problems)


@router.patch("/purchase-orders/{purchase_order_id}", response=ok(PurchaseOrderOut, conflict=True))
def update_purchase_order(
    request, purchase_order_id: PurchaseOrderId, payload: PurchaseOrderUpdate
):
    """Change only the fields sent: number, date and notes while the PO is not void, the vendor
    only while it is a draft (as its edit page)."""
    company = company_of(request)
    changes = payload.dict(exclude_unset=True)
    if "vendor" in changes:
        changes["vendor"] = _vendor(company, changes["vendor"])
    services.update_purchase_order(
        purchase_order=_purchase_order(request, purchase_order_id), **changes
    )
    return purchase_order_detail(request, purchase_order_id)


@router.post(
    "/purchase-orders/{purchase_order_id}/devices",
    response=created(PurchaseOrderOut, conflict=True),
)
def add_purchase_order_devices(
    request, purchase_order_id: PurchaseOrderId, payload: PurchaseOrderDevicesIn
):
    """Add devices to a draft PO, in the create call's device shape; all or nothing. Answers the
    whole PO."""
    purchase_order = _purchase_order(request, purchase_order_id)
    with transaction.atomic():
        _add_devices(purchase_order, payload.devices)
    return Status(201, purchase_order_detail(request, purchase_order_id))


@router.delete(
    "/purchase-orders/{purchase_order_id}/lines/{line_id}",
    response=ok(PurchaseOrderOut, conflict=True),
)
def remove_purchase_order_line(request, purchase_order_id: PurchaseOrderId, line_id: LineId):
    """Take a device off a draft PO: it never arrived, so the device is deleted. Answers the PO."""
    purchase_order = _purchase_order(request, purchase_order_id)
    line = (
        PurchaseOrderLine.objects.select_related("device")
        .filter(purchase_order=purchase_order, pk=line_id)
        .first()
    )
    if line is None:
        raise not_found(("path", "line_id"), f"No line {line_id} on this purchase order.")
    services.remove_purchase_order_line(line=line)
    return purchase_order_detail(request, purchase_order_id)


@router.post(
    "/purchase-orders/{purchase_order_id}/receive", response=ok(PurchaseOrderOut, conflict=True)
)
def receive_purchase_order(request, purchase_order_id: PurchaseOrderId):
    """A draft PO with devices becomes received (its devices are in stock)."""
    services.receive_purchase_order(purchase_order=_purchase_order(request, purchase_order_id))
    return purchase_order_detail(request, purchase_order_id)


@router.post(
    "/purchase-orders/{purchase_order_id}/close", response=ok(PurchaseOrderOut, conflict=True)
)
def close_purchase_order(request, purchase_order_id: PurchaseOrderId):
    """A received PO is closed: nothing more is expected from the vendor on it."""
    services.close_purchase_order(purchase_order=_purchase_order(request, purchase_order_id))
    return purchase_order_detail(request, purchase_order_id)


@router.post(
    "/purchase-orders/{purchase_order_id}/void", response=ok(PurchaseOrderOut, conflict=True)
)
def void_purchase_order(request, purchase_order_id: PurchaseOrderId):
    """A draft or received PO none of whose devices is on an invoice is voided; its devices go
    back to the vendor."""
    services.void_purchase_order(purchase_order=_purchase_order(request, purchase_order_id))
    return purchase_order_detail(request, purchase_order_id)
