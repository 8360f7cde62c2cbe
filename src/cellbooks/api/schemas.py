"""Request and response shapes of the REST API.

Money crosses the wire as a string with two decimals ("1234.50"), both ways. Input money is
parsed by ``cellbooks.core.money.to_money``, so "12.345" or a JSON number with a fraction is
refused with a message on that field instead of being rounded or read as a float.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from cellbooks.core.money import CENT, MoneyError, to_money
from cellbooks.inventory import selectors
from cellbooks.inventory.models import Device, Invoice, Payment, Product, PurchaseOrder

MONEY_PATTERN = r"^-?\d+(\.\d{1,2})?$"


def _parse_money(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        # A JSON number with a fraction has already been through a binary float: refuse it
        # rather than guess which cents were meant.
        raise PydanticCustomError(
            "money", 'Send money as a string with at most two decimals, e.g. "12.50".'
        )
    try:
        return to_money(value)
    except MoneyError as exc:
        raise PydanticCustomError(
            "money", "Not an amount of money: {reason}.", {"reason": str(exc)}
        ) from None


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1234.50"]}),
]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(Decimal(value).quantize(CENT)), return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1234.50"]}),
]


def one_of(choices) -> Any:
    """A Literal of a model's TextChoices values: an inline enum in the OpenAPI document (the
    models' enums would all be called "Status" there and overwrite each other)."""
    return Literal[tuple(choices.values)]


DeviceStatus = one_of(Device.Status)
IdentifierKind = one_of(Device.IdentifierKind)
ProductKind = one_of(Product.Kind)
PurchaseOrderStatus = one_of(PurchaseOrder.Status)
InvoiceStatus = one_of(Invoice.Status)
PaymentMethod = one_of(Payment.Method)
PaymentSource = one_of(Payment.Source)


class QuickBooksStatus(Schema):
    """Where a document stands in QuickBooks."""

    state: Literal[
        "not_synced", "queued", "paused", "synced", "changed", "failed", "deleted", "voided"
    ] = Field(
        ...,
        description="changed = edited in Cellbooks since the last sync; deleted/voided = done in QuickBooks.",
    )
    qbo_entity: str | None = Field(None, description="Invoice, Bill or PurchaseOrder")
    qbo_id: str | None = None
    qbo_doc_number: str | None = None
    synced_at: datetime.datetime | None = None
    qbo_total: Money | None = None
    qbo_balance: Money | None = Field(
        None, description="The invoice's balance in QuickBooks, as last seen"
    )
    url: str | None = Field(None, description="Where a person opens the document in QuickBooks")
    last_error: dict[str, Any] | None = Field(
        None, description="code, message, detail and hint of the last failure"
    )


def quickbooks_status(document, kind: str, *, detect_changes: bool) -> dict:
    from cellbooks.quickbooks.sync import status_summary

    return status_summary(
        company=document.company, kind=kind, document=document, detect_changes=detect_changes
    )


class SyncIn(Schema):
    action: Literal["push", "void", "move"] = Field(
        "push",
        description="push = create or update; void = void the QBO invoice or delete the QBO bill/PO (after voiding "
        "in Cellbooks); move = re-create a synced PO as the other QBO type after 'Sync POs to' changed",
    )


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


class PurchaseOrderSummary(Schema):
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
    quickbooks: QuickBooksStatus

    @staticmethod
    def resolve_total(obj: PurchaseOrder) -> Decimal:
        return selectors.purchase_order_total(purchase_order=obj)

    @staticmethod
    def resolve_quickbooks(obj: PurchaseOrder) -> dict:
        return quickbooks_status(obj, "purchase_order", detect_changes=False)


class PurchaseOrderOut(PurchaseOrderSummary):
    lines: list[PurchaseOrderLineOut]

    @staticmethod
    def resolve_quickbooks(obj: PurchaseOrder) -> dict:
        return quickbooks_status(obj, "purchase_order", detect_changes=True)


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
    source: PaymentSource
    created_at: datetime.datetime


class PaymentCreate(Schema):
    amount: MoneyIn
    date: datetime.date | None = None
    method: PaymentMethod = Payment.Method.WIRE.value
    reference: str = Field("", max_length=100)


class InvoiceSummary(Schema):
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
    quickbooks: QuickBooksStatus

    @staticmethod
    def resolve_quickbooks(obj: Invoice) -> dict:
        return quickbooks_status(obj, "invoice", detect_changes=False)


class InvoiceOut(InvoiceSummary):
    lines: list[InvoiceLineOut]
    payments: list[PaymentOut]

    @staticmethod
    def resolve_quickbooks(obj: Invoice) -> dict:
        return quickbooks_status(obj, "invoice", detect_changes=True)


class InvoiceFilters(Schema):
    status: InvoiceStatus | None = None
    customer: int | None = Field(None, description="A customer's id.")
