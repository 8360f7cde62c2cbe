"""One module per entity family; ``REGISTRY`` maps QBO entity names to their rules."""

from __future__ import annotations

from .. import errors
from .base import EntityType
from .company import CompanyInfoType, PreferencesType
from .journal import JournalEntryType
from .lists import (
    AccountType,
    ClassType,
    DepartmentType,
    ItemType,
    PaymentMethodType,
    TaxCodeType,
    TermType,
)
from .names import CustomerType, EmployeeType, VendorType
from .payments import BillPaymentType, PaymentType
from .purchases import BillType, PurchaseOrderType, VendorCreditType
from .sales import CreditMemoType, InvoiceType, RefundReceiptType

REGISTRY: dict[str, EntityType] = {
    et.name: et
    for et in (
        AccountType(),
        ItemType(),
        CustomerType(),
        VendorType(),
        EmployeeType(),
        InvoiceType(),
        BillType(),
        PurchaseOrderType(),
        PaymentType(),
        BillPaymentType(),
        CreditMemoType(),
        RefundReceiptType(),
        VendorCreditType(),
        JournalEntryType(),
        CompanyInfoType(),
        PreferencesType(),
        TaxCodeType(),
        TermType(),
        ClassType(),
        DepartmentType(),
        PaymentMethodType(),
    )
}
_BY_LOWER = {name.lower(): et for name, et in REGISTRY.items()}


def find_entity_type(name: str) -> EntityType | None:
    """Entity names and URL segments match case-insensitively (``invoice``, ``Invoice``)."""
    return _BY_LOWER.get(str(name).lower())


def entity_type(name: str) -> EntityType:
    et = find_entity_type(name)
    if et is None:
        raise errors.unsupported_operation(f"Entity {name} is not supported.")
    return et


__all__ = ["REGISTRY", "EntityType", "entity_type", "find_entity_type"]
