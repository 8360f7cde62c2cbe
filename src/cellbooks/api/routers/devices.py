"""Devices: list with search and filters, read, create."""

from django.db import transaction
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from cellbooks.api.auth import company_of
from cellbooks.api.errors import invalid, not_found
from cellbooks.api.schemas import DeviceCreate, DeviceFilters, DeviceOut, created, ok
from cellbooks.inventory import selectors, services
from cellbooks.inventory.models import Device, Product

from . import MAX_PAGE, Status

router = Router(tags=["devices"])


@router.get("/devices", response=ok(list[DeviceOut]))
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_devices(request, filters: Query[DeviceFilters]):
    return selectors.search_devices(
        company=company_of(request),
        q=filters.q,
        status=filters.status,
        product_id=filters.product,
        condition_id=filters.condition,
    )


@router.get("/devices/{device_id}", response=ok(DeviceOut))
def get_device(request, device_id: int):
    return Device.objects.select_related("product", "condition").get_for_company_or_404(
        company_of(request), pk=device_id
    )


@router.post("/devices", response=created(DeviceOut))
def create_device(request, payload: DeviceCreate):
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


def _product_for(company, payload: DeviceCreate) -> Product:
    if payload.product is not None:
        if payload.manufacturer or payload.model:
            raise invalid(
                ("body", "product"), "Give a product id or manufacturer and model, not both."
            )
        product = Product.objects.for_company(company).filter(pk=payload.product).first()
        if product is None:
            raise not_found(("body", "product"), f"No product with id {payload.product}.")
        return product
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
