"""Customer returns (RMA) and vendor returns (RTV): create with devices by identifier, read, list,
complete, void, delete a draft. The same rules and refusals as the pages (inventory/returns.py)."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cellbooks.api.auth import company_of
from cellbooks.api.errors import ApiError, error_items, not_found
from cellbooks.api.schemas import PartnerRef, listed, ok, one_of, with_integration_fields
from cellbooks.api.types import Id, Money, MoneyIn, Text
from cellbooks.inventory import returns
from cellbooks.inventory.models import (
    CustomerReturn,
    Invoice,
    Partner,
    Payment,
    PurchaseOrder,
    ReturnLine,
    VendorReturn,
)

from . import IdPath, Page, Status

router = Router(tags=["returns"])
ReturnId = IdPath("return")
VendorReturnId = IdPath("vendor return")

ReturnStatus = one_of(CustomerReturn.Status)
CreditChoice = one_of(CustomerReturn.Credit)
Disposition = one_of(ReturnLine.Disposition)
RefundMethod = Literal[tuple(["", *Payment.Method.values])]


# ---- shapes ---------------------------------------------------------------------------------


class ReturnLineOut(Schema):
    id: int
    device_id: int
    identifier: str
    product: str
    unit_price: Money = Field(..., description="What the device sold for: its credit.")
    disposition: Disposition
    new_condition: str | None = Field(
        None, description="The grade it is restocked under, if changed."
    )
    new_location: str

    @staticmethod
    def resolve_identifier(obj) -> str:
        return obj.device.identifier

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.device.product.display_name

    @staticmethod
    def resolve_new_condition(obj) -> str | None:
        return obj.new_condition.code if obj.new_condition_id else None


class _ReturnOut(Schema):
    id: int
    number: str
    invoice_id: int
    customer: PartnerRef
    date: datetime.date
    reason: str
    status: ReturnStatus
    credit: CreditChoice
    refund_method: str
    refund_reference: str
    notes: str
    total: Money
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    voided_at: datetime.datetime | None
    lines: list[ReturnLineOut]


ReturnOut = with_integration_fields("ReturnOut", _ReturnOut, kind="customer_return", detail=True)


class ReturnDeviceIn(Schema):
    identifier: str = Field(..., min_length=1, max_length=64)
    disposition: Disposition = "restock"
    new_condition: Text(20) | None = Field(
        None, description="A condition code to restock it under."
    )
    new_location: str = Field("", max_length=100)


class ReturnCreate(Schema):
    invoice: Id = Field(..., description="The invoice the devices were sold on.")
    reason: str = Field(..., min_length=1, max_length=500)
    credit: CreditChoice = Field(
        "apply",
        description="apply = lower the invoice's balance; keep = the customer's credit; "
        "refund = money back (give refund_method).",
    )
    refund_method: RefundMethod = ""
    refund_reference: str = Field("", max_length=100)
    date: datetime.date | None = None
    notes: str = ""
    devices: list[ReturnDeviceIn] = Field(default_factory=list)
    complete: bool = Field(False, description="Complete the return at once (the devices are back).")


class ReturnFilters(Schema):
    status: ReturnStatus | None = None
    invoice: Id | None = None


class VendorReturnLineOut(Schema):
    id: int
    device_id: int
    identifier: str
    product: str
    credit_amount: Money

    @staticmethod
    def resolve_identifier(obj) -> str:
        return obj.device.identifier

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.device.product.display_name


class _VendorReturnOut(Schema):
    id: int
    number: str
    vendor: PartnerRef
    purchase_order_id: int | None
    date: datetime.date
    reason: str
    status: one_of(VendorReturn.Status)
    notes: str
    total: Money
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    voided_at: datetime.datetime | None
    lines: list[VendorReturnLineOut]


VendorReturnOut = with_integration_fields(
    "VendorReturnOut", _VendorReturnOut, kind="vendor_return", detail=True
)


class VendorReturnDeviceIn(Schema):
    identifier: str = Field(..., min_length=1, max_length=64)
    credit_amount: MoneyIn | None = Field(None, description="Left out: the device's cost.")


class VendorReturnCreate(Schema):
    vendor: Id
    reason: str = Field(..., min_length=1, max_length=500)
    purchase_order: Id | None = Field(
        None, description="A received PO of this vendor whose bill the credit applies to."
    )
    date: datetime.date | None = None
    notes: str = ""
    devices: list[VendorReturnDeviceIn] = Field(default_factory=list)
    complete: bool = False


# ---- customer returns -------------------------------------------------------------------------


def _each_device(devices, add) -> None:
    """Add each device in its own savepoint, so every refused one is reported at its index; any
    refusal rolls the whole request back (the caller's transaction)."""
    problems = []
    for index, device in enumerate(devices):
        try:
            with transaction.atomic():
                add(device)
        except DjangoValidationError as exc:
            for item in error_items(exc, prefix=("body", "devices", index)):
                if item["loc"][-1] == "identifiers":
                    item["loc"][-1] = "identifier"
                problems.append(item)
    if problems:
        raise ApiError(422, problems)


def _returns(request):
    return (
        CustomerReturn.objects.for_company(company_of(request))
        .select_related("customer")
        .prefetch_related("lines__device__product", "lines__new_condition")
    )


def _return(request, return_id: int) -> CustomerReturn:
    return _returns(request).get_for_company_or_404(company_of(request), pk=return_id)


@router.get("/returns", response=listed(list[ReturnOut]))
@paginate(Page)
def list_returns(request, filters: Query[ReturnFilters]):
    rows = _returns(request)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.invoice is not None:
        rows = rows.filter(invoice_id=filters.invoice)
    return rows


@router.get("/returns/{return_id}", response=ok(ReturnOut))
def get_return(request, return_id: ReturnId):
    return _return(request, return_id)


@router.post("/returns", response=ok(ReturnOut, status=201, conflict=True))
def create_return(request, payload: ReturnCreate):
    """Start a return from a sold invoice with the devices that came back; with ``complete`` the
    devices are back at once (restocked or written off) and the credit given. All or nothing."""
    company = company_of(request)
    invoice = Invoice.objects.for_company(company).filter(pk=payload.invoice).first()
    if invoice is None:
        raise not_found(("body", "invoice"), f"No invoice with id {payload.invoice}.")
    with transaction.atomic():
        rma = returns.create_customer_return(
            company=company,
            invoice=invoice,
            reason=payload.reason,
            credit=payload.credit,
            refund_method=payload.refund_method,
            refund_reference=payload.refund_reference,
            date=payload.date,
            notes=payload.notes,
        )
        _each_device(
            payload.devices,
            lambda device: returns.add_devices_to_return(
                customer_return=rma,
                identifiers=[device.identifier],
                disposition=device.disposition,
                new_condition=device.new_condition,
                new_location=device.new_location,
            ),
        )
        if payload.complete:
            returns.complete_customer_return(customer_return=rma)
    return Status(201, _return(request, rma.pk))


@router.post("/returns/{return_id}/complete", response=ok(ReturnOut, conflict=True))
def complete_return(request, return_id: ReturnId):
    returns.complete_customer_return(customer_return=_return(request, return_id))
    return _return(request, return_id)


@router.post("/returns/{return_id}/void", response=ok(ReturnOut, conflict=True))
def void_return(request, return_id: ReturnId):
    returns.void_customer_return(customer_return=_return(request, return_id))
    return _return(request, return_id)


@router.delete("/returns/{return_id}", response=ok(None, status=204, conflict=True))
def delete_return(request, return_id: ReturnId):
    returns.delete_draft_return(customer_return=_return(request, return_id))
    return Status(204, None)


# ---- vendor returns ---------------------------------------------------------------------------


def _vendor_returns(request):
    return (
        VendorReturn.objects.for_company(company_of(request))
        .select_related("vendor")
        .prefetch_related("lines__device__product")
    )


def _vendor_return(request, vendor_return_id: int) -> VendorReturn:
    return _vendor_returns(request).get_for_company_or_404(company_of(request), pk=vendor_return_id)


@router.get("/vendor-returns", response=listed(list[VendorReturnOut]))
@paginate(Page)
def list_vendor_returns(request, status: one_of(VendorReturn.Status) | None = None):
    rows = _vendor_returns(request)
    return rows.filter(status=status) if status else rows


@router.get("/vendor-returns/{vendor_return_id}", response=ok(VendorReturnOut))
def get_vendor_return(request, vendor_return_id: VendorReturnId):
    return _vendor_return(request, vendor_return_id)


@router.post("/vendor-returns", response=ok(VendorReturnOut, status=201, conflict=True))
def create_vendor_return(request, payload: VendorReturnCreate):
    """Send devices in stock back to their vendor for a credit (their cost unless given)."""
    company = company_of(request)
    vendor = Partner.objects.for_company(company).filter(pk=payload.vendor).first()
    if vendor is None:
        raise not_found(("body", "vendor"), f"No vendor with id {payload.vendor}.")
    purchase_order = None
    if payload.purchase_order is not None:
        purchase_order = (
            PurchaseOrder.objects.for_company(company).filter(pk=payload.purchase_order).first()
        )
        if purchase_order is None:
            raise not_found(
                ("body", "purchase_order"), f"No purchase order with id {payload.purchase_order}."
            )
    with transaction.atomic():
        rtv = returns.create_vendor_return(
            company=company,
            vendor=vendor,
            reason=payload.reason,
            purchase_order=purchase_order,
            date=payload.date,
            notes=payload.notes,
        )
        _each_device(
            payload.devices,
            lambda device: returns.add_devices_to_vendor_return(
                vendor_return=rtv,
                identifiers=[device.identifier],
                credit_amount=device.credit_amount,
            ),
        )
        if payload.complete:
            returns.complete_vendor_return(vendor_return=rtv)
    return Status(201, _vendor_return(request, rtv.pk))


@router.post(
    "/vendor-returns/{vendor_return_id}/complete", response=ok(VendorReturnOut, conflict=True)
)
def complete_vendor_return(request, vendor_return_id: VendorReturnId):
    returns.complete_vendor_return(vendor_return=_vendor_return(request, vendor_return_id))
    return _vendor_return(request, vendor_return_id)


@router.post("/vendor-returns/{vendor_return_id}/void", response=ok(VendorReturnOut, conflict=True))
def void_vendor_return(request, vendor_return_id: VendorReturnId):
    returns.void_vendor_return(vendor_return=_vendor_return(request, vendor_return_id))
    return _vendor_return(request, vendor_return_id)


@router.delete("/vendor-returns/{vendor_return_id}", response=ok(None, status=204, conflict=True))
def delete_vendor_return(request, vendor_return_id: VendorReturnId):
    returns.delete_draft_vendor_return(vendor_return=_vendor_return(request, vendor_return_id))
    return Status(204, None)
