"""Request and response shapes of the REST API.

Money crosses the wire as a string with two decimals ("1234.50"), both ways. Input money is
parsed by ``cellbooks.core.money.to_money``, so "12.345" or a JSON number with a fraction is
refused with a message on that field instead of being rounded or read as a float.
"""

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from cellbooks.core.integrations import registry as integrations
from cellbooks.inventory import selectors
from cellbooks.inventory.models import Device, Invoice, Payment, Product, PurchaseOrder

from .types import MONEY_PATTERN, Money, MoneyIn, one_of  # noqa: F401 (re-exported)

DeviceStatus = one_of(Device.Status)
IdentifierKind = one_of(Device.IdentifierKind)
ProductKind = one_of(Product.Kind)
PurchaseOrderStatus = one_of(PurchaseOrder.Status)
InvoiceStatus = one_of(Invoice.Status)
PaymentMethod = one_of(Payment.Method)


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
    msg: str
    type: str = "value_error"


class ValidationErrorOut(Schema):
    detail: list[ErrorItem]


class MessageOut(Schema):
    detail: str


class NotFoundOut(Schema):
    detail: str | list[ErrorItem] = Field(
        ...,
        description='"Not Found" for an id in the URL; a list naming the field for an id in the body.',
    )


def ok(schema: Any, *, status: int = 200, conflict: bool = False) -> dict[int, Any]:
    """The responses of one operation, its errors included, for the OpenAPI document."""
    responses = {status: schema, 401: MessageOut, 404: NotFoundOut, 422: ValidationErrorOut}
    if conflict:
        responses[409] = ValidationErrorOut
    return responses


def created(schema: Any) -> dict[int, Any]:
    return ok(schema, status=201)


# --- catalogue and devices ------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    manufacturer: str
    model: str
    capacity: str
    colour: str
    network: str
    kind: ProductKind
    display_name: str


class DeviceOut(Schema):
    id: int
    identifier: str
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
    identifier: str = Field(..., description="IMEI (15 digits, Luhn-checked) or serial number.")
    product: int | None = Field(
        None, description="An existing product's id; otherwise give manufacturer and model."
    )
    manufacturer: str = ""
    model: str = ""
    capacity: str = ""
    colour: str = ""
    network: str = ""
    kind: ProductKind | None = Field(
        None, description="Left out: a tablet if the model name says so, else a phone."
    )
    condition: str = Field(..., description="A condition code of this company, e.g. 'A'.")
    cost: MoneyIn
    price: MoneyIn | None = None
    location: str = ""
    notes: str = ""


class DeviceFilters(Schema):
    q: str = Field("", description="Search by IMEI/serial or product name.")
    status: DeviceStatus | None = None
    product: int | None = Field(None, description="A product id.")
    condition: int | None = Field(None, description="A condition id.")


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


class PartnerRef(Schema):
    id: int
    name: str


class PartnerCreate(Schema):
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    payment_terms_days: int = Field(30, ge=0, description="Net days; 0 means due on receipt.")
    notes: str = ""
    is_vendor: bool = Field(
        False, description="Also a vendor (always true when created under /vendors)."
    )
    is_customer: bool = Field(
        False, description="Also a customer (always true when created under /customers)."
    )


class PartnerUpdate(Schema):
    """Only the fields sent are changed."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    payment_terms_days: int | None = Field(None, ge=0)
    notes: str | None = None
    is_vendor: bool | None = None
    is_customer: bool | None = None


class PartnerFilters(Schema):
    q: str = Field("", description="Part of the name.")


# --- purchase orders ------------------------------------------------------------------------


class PurchaseOrderDeviceIn(Schema):
    identifier: str
    manufacturer: str
    model: str
    capacity: str = ""
    colour: str = ""
    network: str = ""
    condition: str = Field(..., description="A condition code of this company, e.g. 'A'.")
    cost: MoneyIn
    price: MoneyIn | None = None
    location: str = ""


class PurchaseOrderCreate(Schema):
    vendor: int = Field(..., description="The vendor's id.")
    number: str | None = Field(
        None, max_length=21, description="Leave out to take the company's next number."
    )
    date: datetime.date | None = None
    notes: str = ""
    devices: list[PurchaseOrderDeviceIn] = Field(
        default_factory=list,
        description="All or nothing: if any device is refused, nothing is written and every "
        "problem is listed by index and field.",
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
    vendor: int | None = Field(None, description="A vendor's id.")


# --- invoices and payments ------------------------------------------------------------------


class InvoiceCreate(Schema):
    customer: int = Field(..., description="The customer's id.")
    number: str | None = Field(
        None, max_length=21, description="Leave out to take the company's next number."
    )
    date: datetime.date | None = None
    due_date: datetime.date | None = Field(
        None, description="Leave out to compute it from the customer's payment terms."
    )
    notes: str = ""
    identifiers: list[str] = Field(
        default_factory=list, description="IMEIs or serials of devices in stock."
    )
    unit_prices: dict[str, MoneyIn] = Field(
        default_factory=dict,
        description="Optional price per identifier; a device without one is sold at its price.",
    )


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
    reference: str = Field("", max_length=100)


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
    customer: int | None = Field(None, description="A customer's id.")
