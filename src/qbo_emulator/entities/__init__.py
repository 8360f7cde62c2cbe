"""One module per entity family; ``REGISTRY`` maps QBO entity names to their rules."""

from __future__ import annotations

from .. import errors
from .attachable import AttachableType
from .banking import CreditCardPaymentType, DepositType, TransferType
from .base import EntityType
from .company import CompanyInfoType, PreferencesType
from .currency import CompanyCurrencyType, ExchangeRateType
from .journal import JournalEntryType
from .lists import (
    AccountType,
    BudgetType,
    ClassType,
    CustomerTypeType,
    DepartmentType,
    ItemType,
    PaymentMethodType,
    TermType,
)
from .names import CustomerType, EmployeeType, VendorType
from .payments import BillPaymentType, PaymentType
from .purchases import BillType, PurchaseOrderType, PurchaseType, VendorCreditType
from .recurring import RecurringTransactionType
from .sales import (
    CreditMemoType,
    EstimateType,
    InvoiceType,
    RefundReceiptType,
    SalesReceiptType,
)
from .tax import TaxAgencyType, TaxCodeType, TaxRateType
from .timeactivity import TimeActivityType

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
        SalesReceiptType(),
        EstimateType(),
        VendorCreditType(),
        JournalEntryType(),
        CompanyInfoType(),
        PreferencesType(),
        TaxCodeType(),
        TaxRateType(),
        TaxAgencyType(),
        TermType(),
        ClassType(),
        DepartmentType(),
        PaymentMethodType(),
        PurchaseType(),
        DepositType(),
        TransferType(),
        CreditCardPaymentType(),
        TimeActivityType(),
        AttachableType(),
        CompanyCurrencyType(),
        ExchangeRateType(),
        RecurringTransactionType(),
        CustomerTypeType(),
        BudgetType(),
    )
}
# Recurring templates follow the rules of the entity they are a template of.
REGISTRY["RecurringTransaction"].registry = REGISTRY
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
