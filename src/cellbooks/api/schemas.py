"""Request and response shapes of the REST API.

Money crosses the wire as a string with two decimals ("1234.50"), both ways. Input money is
parsed by ``cellbooks.core.money.to_money``, so "12.345" or a JSON number with a fraction is
refused with a message on that field instead of being rounded or read as a float. Every string
the server stores carries the column's ``maxLength``; every id is bounded to a 64-bit integer.
"""

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from cellbooks.core.integrations import registry as integrations
from cellbooks.inventory import selectors
from cellbooks.inventory.models import (
    DOC_NUMBER_MAX,
    Device,
    Invoice,
    Payment,
    Product,
    PurchaseOrder,
)

from .types import MONEY_PATTERN, Id, Money, MoneyIn, RequiredText, Text, one_of  # noqa: F401 (re-exported)

DeviceStatus = one_of(Device.Status)
IdentifierKind = one_of(Device.IdentifierKind)
ProductKind = one_of(Product.Kind)
PurchaseOrderStatus = one_of(PurchaseOrder.Status)
InvoiceStatus = one_of(Invoice.Status)
PaymentMethod = one_of(Payment.Method)

IMEI_EXAMPLE = "352099001761481"


def with_integration_fields(name: str, base: type[Schema], *, kind: str, detail: bool) -> type:
    """``base`` plus the fields the installed integrations add to a document of ``kind`` (e.g.
    QuickBooks' ``quickbooks`` status), each with its resolver; named ``name`` in OpenAPI."""
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": name,
        "__annotations__": {},
    }
    for field_name, api_field in integrations.api_fields(kind=kind, detail=detail).items():
        namespace["__annotations__"][field_name] = api_field.annotation
        namespace[f"resolve_{field_name}"] = staticmethod(api_field.resolve)
    return type(name, (base,), namespace)


# --- errors ---------------------------------------------------------------------------------


class ErrorItem(Schema):
    loc: list[str | int] = Field(
        ..., description='Where the problem is, e.g. ["body", "devices", 2, "cost"].'
    )
    msg: str = Field(..., description="What is wrong, in a sentence.")
    type: str = Field("invalid", description="A short code: invalid, conflict, not_found…")


class ValidationErrorOut(Schema):
    detail: list[ErrorItem]


class MessageOut(Schema):
    detail: str


class NotFoundOut(Schema):
    detail: str | list[ErrorItem] = Field(
        ...,
        description='"Not Found" for an id in the URL; a list naming the field for an id in the body.',
    )


class UnavailableOut(Schema):
    detail: list[ErrorItem] = Field(
        ..., description="The other system did not answer; the request can be tried again later."
    )


def ok(
    schema: Any,
    *,
    status: int = 200,
    conflict: bool = False,
    not_found: bool = True,
    unavailable: bool = False,
) -> dict[int, Any]:
    """The responses of one operation, its errors included, for the OpenAPI document.

    Every operation can answer 401 (no valid key), 403 (the key's role may not run it), 422 (a
    parameter or the body is refused) and 429 (too many wrong keys from this address lately);
    ``not_found``: it takes an id (in the URL or the body) that may not exist; ``conflict``: the
    record's state may forbid the action (409); ``unavailable``: it calls another system that may
    not answer (503). POST operations also document the Idempotency-Key's 409 (see api.py)."""
    responses = {
        status: schema,
        401: MessageOut,
        403: MessageOut,
        422: ValidationErrorOut,
        429: MessageOut,
    }
    if not_found:
        responses[404] = NotFoundOut
    if conflict:
        responses[409] = ValidationErrorOut
    if unavailable:
        responses[503] = UnavailableOut
    return responses


def created(schema: Any, **kwargs) -> dict[int, Any]:
    return ok(schema, status=201, **kwargs)


def page_of(item: type, name: str) -> type:
    """The shape of one page of a list: ``{"items": [...], "count": <all matching>}``."""
    return type(
        name,
        (Schema,),
        {
            "__module__": __name__,
            "__qualname__": name,
            "__annotations__": {"items": list[item], "count": int},
        },
    )


def listed(schema: Any) -> dict[int, Any]:
    """A paginated list: no id in the URL, so no 404."""
    return ok(schema, not_found=False)


# --- catalogue and devices ------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    manufacturer: str
    model: str
    capacity: str
    colour: str
    network: str
    kind: ProductKind
    display_name: str = Field(..., examples=["Apple iPhone 13 128GB Blue Unlocked"])


class ProductDetailOut(ProductOut):
    in_stock: int = Field(..., description="Devices of this product in stock now.")


class ProductCreate(Schema):
    manufacturer: RequiredText(100) = Field(..., examples=["Apple"])
    model: RequiredText(100) = Field(..., examples=["iPhone 13"])
    capacity: Text(30) = Field("", examples=["128GB"])
    colour: Text(50) = Field("", examples=["Blue"])
    network: Text(50) = Field("", examples=["Unlocked"])
    kind: ProductKind | None = Field(
        None, description="Left out: a tablet if the model name says so, else a phone."
    )


class ProductUpdate(Schema):
    """Only the fields sent are changed."""

    manufacturer: RequiredText(100) = None
    model: RequiredText(100) = None
    capacity: Text(30) = None
    colour: Text(50) = None
    network: Text(50) = None
    kind: ProductKind = None


class ProductFilters(Schema):
    q: Text(200) = Field("", description="Every word must appear in the product's name.")


class ConditionOut(Schema):
    id: int
    code: str = Field(..., examples=["A"])
    description: str
    sort_order: int = Field(..., description="Position in the company's scale, best first.")


class ConditionCreate(Schema):
    code: RequiredText(20) = Field(..., examples=["A+"])
    description: Text(200) = Field("", examples=["Sealed in box"])


class ConditionUpdate(Schema):
    """Only the fields sent are changed."""

    code: RequiredText(20) = None
    description: Text(200) = None
    sort_order: int = Field(None, ge=0, le=2_147_483_647)


class DeviceOut(Schema):
    id: int
    identifier: str = Field(..., examples=[IMEI_EXAMPLE])
    identifier_kind: IdentifierKind
    product: ProductOut
    condition: str = Field(..., description="The condition's code, e.g. 'A'.")
    condition_id: int
    cost: Money
    price: Money | None
    status: DeviceStatus
    location: str
    notes: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_condition(obj: Device) -> str:
        return obj.condition.code


class DeviceCreate(Schema):
    identifier: RequiredText(64) = Field(
        ..., description="IMEI (15 digits, Luhn-checked) or serial number.", examples=[IMEI_EXAMPLE]
    )
    product: Id | None = Field(
        None, description="An existing product's id; otherwise give manufacturer and model."
    )
    manufacturer: Text(100) = Field("", examples=["Apple"])
    model: Text(100) = Field("", examples=["iPhone 13"])
    capacity: Text(30) = ""
    colour: Text(50) = ""
    network: Text(50) = ""
    kind: ProductKind | None = Field(
        None, description="Left out: a tablet if the model name says so, else a phone."
    )
    condition: RequiredText(20) = Field(
        ..., description="A condition code of this company, e.g. 'A'.", examples=["A"]
    )
    cost: MoneyIn
    price: MoneyIn | None = None
    location: Text(100) = ""
    notes: str = ""


class DeviceUpdate(Schema):
    """Only the fields sent are changed, with the rules of the device's edit page: the IMEI or
    serial only while the device is in stock, the cost only while its purchase order is a draft."""

    identifier: RequiredText(64) = Field(None, examples=[IMEI_EXAMPLE])
    product: Id = Field(None, description="Another product of this company.")
    condition: RequiredText(20) = Field(
        None, description="A condition code of this company.", examples=["B"]
    )
    cost: MoneyIn = None
    price: MoneyIn | None = Field(None, description="The asking price; null clears it.")
    location: Text(100) = Field(None, examples=["Shelf B3"])
    notes: str = None


class DeviceFilters(Schema):
    q: Text(200) = Field("", description="Search by IMEI/serial or product name.")
    status: DeviceStatus | None = None
    product: Id | None = Field(None, description="A product id.")
    condition: Id | None = Field(None, description="A condition id.")


class PartnerRef(Schema):
    id: int
    name: str


class TimelineDocumentRef(Schema):
    kind: str = Field(..., description="purchase_order, invoice, customer_return or vendor_return.")
    id: int
    number: str
    status: str


class TimelineEventOut(Schema):
    """One step of a device's life, as its page shows it."""

    date: datetime.date
    what: str = Field(
        ...,
        examples=["Bought"],
        description="Ordered, Bought, On a draft invoice, Sold, On a voided invoice, Returned "
        "by the customer, Returned to the vendor (with '(draft)' while not done).",
    )
    document: TimelineDocumentRef
    partner: PartnerRef | None = Field(..., description="The vendor or customer.")
    amount: Money | None = Field(..., description="The cost, price or credit at that step.")
    device_id: int = Field(
        ..., description="The device record (a unit sold and bought back is a new record)."
    )
    note: str


class DeviceHistoryOut(Schema):
    """What the device's page shows: everything that happened to the units with its IMEI or
    serial, oldest first."""

    device: DeviceOut
    timeline: list[TimelineEventOut]


# --- partners -------------------------------------------------------------------------------


class PartnerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    address: str
    payment_terms_days: int
    is_vendor: bool
    is_customer: bool
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PartnerCreate(Schema):
    name: RequiredText(200) = Field(..., examples=["Global Phone Supply"])
    email: Text(254) = Field("", examples=["orders@example.com"])
    phone: Text(40) = ""
    address: str = ""
    payment_terms_days: int = Field(
        30, ge=0, le=3650, description="Net days; 0 means due on receipt."
    )
    notes: str = ""
    is_vendor: bool = Field(
        False, description="Also a vendor (always true when created under /vendors)."
    )
    is_customer: bool = Field(
        False, description="Also a customer (always true when created under /customers)."
    )


class PartnerUpdate(Schema):
    """Only the fields sent are changed."""

    name: RequiredText(200) | None = None
    email: Text(254) | None = None
    phone: Text(40) | None = None
    address: str | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=3650)
    notes: str | None = None
    is_vendor: bool | None = None
    is_customer: bool | None = None


class PartnerFilters(Schema):
    q: Text(200) = Field("", description="Part of the name.")


# --- purchase orders ------------------------------------------------------------------------


class PurchaseOrderDeviceIn(Schema):
    identifier: RequiredText(64) = Field(..., examples=[IMEI_EXAMPLE])
    manufacturer: RequiredText(100) = Field(..., examples=["Apple"])
    model: RequiredText(100) = Field(..., examples=["iPhone 13"])
    capacity: Text(30) = Field("", examples=["128GB"])
    colour: Text(50) = Field("", examples=["Blue"])
    network: Text(50) = Field("", examples=["Unlocked"])
    condition: RequiredText(20) = Field(
        ..., description="A condition code of this company, e.g. 'A'.", examples=["A"]
    )
    cost: MoneyIn
    price: MoneyIn | None = None
    location: Text(100) = ""


class PurchaseOrderCreate(Schema):
    vendor: Id = Field(..., description="The vendor's id.")
    number: Text(DOC_NUMBER_MAX) | None = Field(
        None, description="Leave out to take the company's next number.", examples=["PO-2001"]
    )
    date: datetime.date | None = None
    notes: str = ""
    devices: list[PurchaseOrderDeviceIn] = Field(
        default_factory=list,
        description="All or nothing: if any device is refused, nothing is written and every "
        "problem is listed by index and field.",
    )


class PurchaseOrderUpdate(Schema):
    """Only the fields sent are changed. The vendor only on a draft; nothing on a void PO."""

    vendor: Id = Field(None, description="The vendor's id.")
    number: Text(DOC_NUMBER_MAX, min_length=1) = Field(None, examples=["PO-2001"])
    date: datetime.date = None
    notes: str = None


class PurchaseOrderDevicesIn(Schema):
    devices: list[PurchaseOrderDeviceIn] = Field(
        ...,
        min_length=1,
        description="The create call's device shape. All or nothing: if any device is refused, "
        "nothing is added and every problem is listed by index and field.",
    )


class PurchaseOrderLineOut(Schema):
    id: int
    device_id: int
    identifier: str
    product: str
    condition: str
    unit_cost: Money

    @staticmethod
    def resolve_identifier(obj) -> str:
        return obj.device.identifier

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.device.product.display_name

    @staticmethod
    def resolve_condition(obj) -> str:
        return obj.device.condition.code


class _PurchaseOrderSummary(Schema):
    id: int
    number: str
    vendor: PartnerRef
    date: datetime.date
    status: PurchaseOrderStatus
    notes: str
    device_count: int
    total: Money
    created_at: datetime.datetime
    received_at: datetime.datetime | None

    @staticmethod
    def resolve_total(obj: PurchaseOrder) -> Decimal:
        return selectors.purchase_order_total(purchase_order=obj)


class _PurchaseOrderOut(_PurchaseOrderSummary):
    lines: list[PurchaseOrderLineOut]


PurchaseOrderSummary = with_integration_fields(
    "PurchaseOrderSummary", _PurchaseOrderSummary, kind="purchase_order", detail=False
)
PurchaseOrderOut = with_integration_fields(
    "PurchaseOrderOut", _PurchaseOrderOut, kind="purchase_order", detail=True
)


class PurchaseOrderFilters(Schema):
    status: PurchaseOrderStatus | None = None
    vendor: Id | None = Field(None, description="A vendor's id.")


# --- invoices and payments ------------------------------------------------------------------

UnitPrices = dict[Text(64), MoneyIn]


class InvoiceCreate(Schema):
    customer: Id = Field(..., description="The customer's id.")
    number: Text(DOC_NUMBER_MAX) | None = Field(
        None, description="Leave out to take the company's next number.", examples=["INV-2001"]
    )
    date: datetime.date | None = None
    due_date: datetime.date | None = Field(
        None, description="Leave out to compute it from the customer's payment terms."
    )
    notes: str = ""
    identifiers: list[Text(64, min_length=1)] = Field(
        default_factory=list,
        description="IMEIs or serials of devices in stock.",
        examples=[[IMEI_EXAMPLE]],
    )
    unit_prices: UnitPrices = Field(
        default_factory=dict,
        description="Optional price per identifier; a device without one is sold at its price.",
        examples=[{IMEI_EXAMPLE: "420.00"}],
    )


class InvoiceUpdate(Schema):
    """Only the fields sent are changed; a draft invoice only (as its edit page). When the date or
    customer changes and no due date is sent, a due date that followed the terms follows them."""

    customer: Id = Field(None, description="The customer's id.")
    number: Text(DOC_NUMBER_MAX, min_length=1) = Field(None, examples=["INV-2001"])
    date: datetime.date = None
    due_date: datetime.date | None = Field(
        None, description="null: computed from the customer's payment terms."
    )
    notes: str = None


class InvoiceDevicesIn(Schema):
    identifiers: list[Text(64, min_length=1)] = Field(
        ...,
        min_length=1,
        description="IMEIs or serials of devices in stock. All or nothing: every refused one is "
        "listed by index.",
        examples=[[IMEI_EXAMPLE]],
    )
    unit_prices: UnitPrices = Field(
        default_factory=dict,
        description="Optional price per identifier; a device without one is sold at its price.",
        examples=[{IMEI_EXAMPLE: "420.00"}],
    )


class InvoiceLineUpdate(Schema):
    unit_price: MoneyIn


class InvoiceLineOut(Schema):
    id: int
    device_id: int
    identifier: str
    product: str
    condition: str
    unit_price: Money

    @staticmethod
    def resolve_identifier(obj) -> str:
        return obj.device.identifier

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.device.product.display_name

    @staticmethod
    def resolve_condition(obj) -> str:
        return obj.device.condition.code


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: Money
    date: datetime.date
    method: PaymentMethod
    reference: str
    source: str = Field(
        ...,
        description='"manual" (typed in Cellbooks), or the integration that brought it in, e.g. '
        '"quickbooks"',
    )
    created_at: datetime.datetime


class PaymentCreate(Schema):
    amount: MoneyIn
    date: datetime.date | None = None
    method: PaymentMethod = Payment.Method.WIRE.value
    reference: Text(100) = Field("", examples=["WIRE-0042"])


class _InvoiceSummary(Schema):
    id: int
    number: str
    customer: PartnerRef
    date: datetime.date
    due_date: datetime.date | None
    status: InvoiceStatus
    notes: str
    device_count: int
    total: Money
    amount_paid: Money
    balance_due: Money
    created_at: datetime.datetime
    opened_at: datetime.datetime | None
    voided_at: datetime.datetime | None


class _InvoiceOut(_InvoiceSummary):
    lines: list[InvoiceLineOut]
    payments: list[PaymentOut]


InvoiceSummary = with_integration_fields(
    "InvoiceSummary", _InvoiceSummary, kind="invoice", detail=False
)
InvoiceOut = with_integration_fields("InvoiceOut", _InvoiceOut, kind="invoice", detail=True)


class InvoiceFilters(Schema):
    status: InvoiceStatus | None = None
    customer: Id | None = Field(None, description="A customer's id.")
