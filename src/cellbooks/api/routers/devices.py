"""Devices: list with search and filters, read, create, edit, and their history."""

from django.db import transaction
from ninja import Query, Router
from ninja.pagination import paginate

from cellbooks.api.auth import ApiForbidden, company_of
from cellbooks.api.errors import invalid, not_found
from cellbooks.api.schemas import (
    DeviceCreate,
    DeviceFilters,
    DeviceHistoryOut,
    DeviceOut,
    DeviceUpdate,
    created,
    listed,
    ok,
)
from cellbooks.core import permissions
from cellbooks.inventory import selectors, services
from cellbooks.inventory.models import Device, Product

from . import IdPath, Page, Status

router = Router(tags=["devices"])
DeviceId = IdPath("device")


def _device(request, device_id: int) -> Device:
    return Device.objects.select_related("product", "condition").get_for_company_or_404(
        company_of(request), pk=device_id
    )


@router.get("/devices", response=listed(list[DeviceOut]))
@paginate(Page)
def list_devices(request, filters: Query[DeviceFilters]):
    """Newest first. `q` matches part of the IMEI/serial or every word of the product."""
    return selectors.search_devices(
        company=company_of(request),
        q=filters.q,
        status=filters.status,
        product_id=filters.product,
        condition_id=filters.condition,
    )


@router.get("/devices/{device_id}", response=ok(DeviceOut))
def get_device(request, device_id: DeviceId):
    return _device(request, device_id)


@router.get("/devices/{device_id}/history", response=ok(DeviceHistoryOut))
def get_device_history(request, device_id: DeviceId):
    """Everything that happened to the units with this device's IMEI or serial, oldest first:
    bought on a purchase order, sold on an invoice, returned by a customer, returned to a vendor —
    what its page shows."""
    device = _device(request, device_id)
    timeline = selectors.device_timeline(company=company_of(request), identifier=device.identifier)
    return {
        "device": device,
        "timeline": [
            {
                "date": event.when,
                "what": event.what,
                "document": {
                    "kind": event.kind,
                    "id": event.document.pk,
                    "number": event.document.number,
                    "status": event.document.status,
                },
                "partner": event.partner,
                "amount": event.amount,
                "device_id": event.device.pk,
                "note": event.note,
            }
            for event in timeline
        ],
    }


@router.post("/devices", response=created(DeviceOut))
def create_device(request, payload: DeviceCreate):
    """Add one device to stock outside a purchase order (a stock adjustment). Give an existing
    `product` id, or `manufacturer` and `model` (the product is found or created)."""
    company = company_of(request)
    with transaction.atomic():
        device = services.create_device(
            company=company,
            identifier=payload.identifier,
            product=_product_for(company, payload),
            condition=payload.condition,
            cost=payload.cost,
            price=payload.price,
            location=payload.location,
            notes=payload.notes,
        )
    return Status(201, device)


@router.patch("/devices/{device_id}", response=ok(DeviceOut))
def update_device(request, device_id: DeviceId, payload: DeviceUpdate):
    """Change only the fields sent: price, location, notes, grade (`condition`), product, and —
    as on the device's edit page — the IMEI/serial while it is in stock, the cost while its
    purchase order is a draft. A warehouse key changes all but the cost and the price (403)."""
    company = company_of(request)
    device = _device(request, device_id)
    changes = payload.dict(exclude_unset=True)
    money = sorted({"cost", "price"} & set(changes))
    if money and not permissions.role_can(request.auth.role, permissions.DOCUMENTS):
        # As on the device's page, where these fields are locked for the warehouse.
        raise ApiForbidden(
            f"This API key's role ({permissions.role_label(request.auth.role)}) cannot change "
            f"a device's {' or '.join(money)}: only an owner's or a bookkeeper's key can."
        )
    if "product" in changes:
        changes["product"] = _product(company, changes["product"])
    services.update_device(device=device, **changes)
    return _device(request, device_id)


def _product(company, product_id: int) -> Product:
    product = Product.objects.for_company(company).filter(pk=product_id).first()
    if product is None:
        raise not_found(("body", "product"), f"No product with id {product_id}.")
    return product


def _product_for(company, payload: DeviceCreate) -> Product:
    if payload.product is not None:
        if payload.manufacturer or payload.model:
            raise invalid(
                ("body", "product"), "Give a product id or manufacturer and model, not both."
            )
        return _product(company, payload.product)
    missing = [field for field in ("manufacturer", "model") if not getattr(payload, field).strip()]
    if missing:
        raise invalid(("body", missing[0]), "Give a product id, or manufacturer and model.")
    return services.get_or_create_product(
        company=company,
        manufacturer=payload.manufacturer,
        model=payload.model,
        capacity=payload.capacity,
        colour=payload.colour,
        network=payload.network,
        kind=payload.kind or services.guess_product_kind(payload.manufacturer, payload.model),
    )
