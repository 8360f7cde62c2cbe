"""Account, Item and the small lists (Term, Class, Department, PaymentMethod)."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from . import ledger
from .base import EntityType, Realm, is_true
from .names import realm_currency

# AccountType -> Classification (docs/intuit-api.md §2.6; Classification is derived, read-only).
ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Non-Posting": "Expense",
}
# A few AccountSubType -> AccountType pairs so a client may send only the subtype.
SUBTYPE_TO_TYPE = {
    "Checking": "Bank",
    "Savings": "Bank",
    "AccountsReceivable": "Accounts Receivable",
    "AccountsPayable": "Accounts Payable",
    "UndepositedFunds": "Other Current Asset",
    "Inventory": "Other Current Asset",
    "SalesOfProductIncome": "Income",
    "ServiceFeeIncome": "Income",
    "SuppliesMaterialsCogs": "Cost of Goods Sold",
    "CreditCard": "Credit Card",
}
DEFAULT_SUBTYPE = {
    "Bank": "Checking",
    "Accounts Receivable": "AccountsReceivable",
    "Accounts Payable": "AccountsPayable",
    "Other Current Asset": "OtherCurrentAssets",
    "Fixed Asset": "OtherFixedAssets",
    "Other Asset": "OtherLongTermAssets",
    "Credit Card": "CreditCard",
    "Other Current Liability": "OtherCurrentLiabilities",
    "Long Term Liability": "OtherLongTermLiabilities",
    "Equity": "OwnersEquity",
    "Income": "ServiceFeeIncome",
    "Other Income": "OtherMiscellaneousIncome",
    "Cost of Goods Sold": "SuppliesMaterialsCogs",
    "Expense": "OtherMiscellaneousServiceCost",
    "Other Expense": "OtherMiscellaneousExpense",
    "Non-Posting": "PurchaseOrder",
}
ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Category", "Group", "Bundle")


class AccountType(EntityType):
    name = "Account"
    has_active = True
    computed = (
        "Classification",
        "FullyQualifiedName",
        "SubAccount",
        "CurrentBalance",
        "CurrentBalanceWithSubAccounts",
    )
    required = ("Name",)
    lengths = {"Name": 100, "Description": 100}
    unique_name = ("Name", "account")

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("CurrencyRef", realm_currency(realm))

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        if not record.get("AccountType") and record.get("AccountSubType") in SUBTYPE_TO_TYPE:
            record["AccountType"] = SUBTYPE_TO_TYPE[record["AccountSubType"]]
        if record.get("AccountType") and not record.get("AccountSubType"):
            record["AccountSubType"] = DEFAULT_SUBTYPE.get(record["AccountType"], "")

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        name = record["Name"]
        if '"' in name or ":" in name:
            raise errors.invalid_characters("Name", 'quotes (") or colons (:)')
        number = str(record.get("AcctNum", ""))
        if ":" in number:
            raise errors.invalid_characters("AcctNum", "colons (:)")
        # AcctNum: 7 characters in US/UK/IN companies, 20 in AU/CA (docs/intuit-api.md §2.6).
        max_number = 20 if realm.meta.get("country") in ("AU", "CA") else 7
        if len(number) > max_number:
            raise errors.string_length("AcctNum", max_number, len(number))
        if not record.get("AccountType"):
            raise errors.required_param("AccountType")
        if record["AccountType"] not in ACCOUNT_CLASSIFICATION:
            raise errors.invalid_enum("AccountType", record["AccountType"])
        number = record.get("AcctNum")
        if number:
            for other in realm.table("Account").values():
                if other["Id"] != record.get("Id") and other.get("AcctNum") == number:
                    raise errors.duplicate_name("account", "AcctNum")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        record["Classification"] = ACCOUNT_CLASSIFICATION[record["AccountType"]]
        parent = realm.find("Account", (record.get("ParentRef") or {}).get("value"))
        record["SubAccount"] = parent is not None
        record["FullyQualifiedName"] = (
            f"{parent['FullyQualifiedName']}:{record['Name']}" if parent else record["Name"]
        )
        record["CurrentBalance"] = 0
        record["CurrentBalanceWithSubAccounts"] = 0

    presents = True

    def present(self, realm: Realm, record: dict) -> dict:
        """CurrentBalance from the books, for balance sheet accounts (QBO answers 0 for income
        and expense accounts)."""
        if record.get("Classification") not in ("Asset", "Liability", "Equity"):
            return record
        totals = ledger.books(realm).balances()
        own = ledger.natural(record, totals.get(record["Id"], Decimal(0)))
        with_subs = own
        for other in realm.table("Account").values():
            name = other.get("FullyQualifiedName", "")
            if other["Id"] != record["Id"] and name.startswith(record["FullyQualifiedName"] + ":"):
                with_subs += ledger.natural(other, totals.get(other["Id"], Decimal(0)))
        record["CurrentBalance"] = own
        record["CurrentBalanceWithSubAccounts"] = with_subs
        return record


class ItemType(EntityType):
    name = "Item"
    has_active = True
    computed = ("FullyQualifiedName", "Level", "SubItem")
    required = ("Name",)
    lengths = {"Name": 100, "Description": 4000, "PurchaseDesc": 1000, "Sku": 100}
    no_forbidden_chars = ("Name",)
    unique_name = ("Name", "product or service")

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        if "TrackQtyOnHand" in record:
            record["TrackQtyOnHand"] = is_true(record["TrackQtyOnHand"])
        record.setdefault("Taxable", False)
        record.setdefault("UnitPrice", 0)
        record.setdefault("PurchaseCost", 0)
        record.setdefault("TrackQtyOnHand", False)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        item_type = record.get("Type")
        if not item_type:
            # Required from minor version 4; every request here is minor version 75.
            raise errors.required_param("Type")
        if item_type not in ITEM_TYPES:
            raise errors.invalid_enum("Type", item_type)
        if item_type in ("Service", "NonInventory", "Inventory") and not (
            record.get("IncomeAccountRef") or record.get("ExpenseAccountRef")
        ):
            # [U] The reference requires IncomeAccountRef for sales items; we accept an expense
            # account alone for purchase-only items (docs/emulator.md).
            raise errors.required_param("IncomeAccountRef")
        if item_type == "Inventory":
            for field in (
                "IncomeAccountRef",
                "ExpenseAccountRef",
                "AssetAccountRef",
                "InvStartDate",
            ):
                if not record.get(field):
                    raise errors.required_param(field)
            if record.get("QtyOnHand") is None:
                raise errors.required_param("QtyOnHand")
            record["TrackQtyOnHand"] = True
        if old is not None and old.get("TrackQtyOnHand") and not record.get("TrackQtyOnHand"):
            raise errors.business_validation(
                "You can't change an inventory item to a non-inventory item.", "TrackQtyOnHand"
            )

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        parent = realm.find("Item", (record.get("ParentRef") or {}).get("value"))
        record["SubItem"] = parent is not None
        record["Level"] = (parent.get("Level", 0) + 1) if parent else 0
        record["FullyQualifiedName"] = (
            f"{parent['FullyQualifiedName']}:{record['Name']}" if parent else record["Name"]
        )


class SimpleListType(EntityType):
    """Term, Class, Department, PaymentMethod: a unique Name and an Active flag."""

    has_active = True
    required = ("Name",)
    lengths = {"Name": 100}
    no_forbidden_chars = ("Name",)
    words = "name"

    @property
    def unique_name(self):  # type: ignore[override]
        return ("Name", self.words)


class TermType(SimpleListType):
    name = "Term"
    words = "term"
    lengths = {"Name": 31}

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("Type", "STANDARD")


class ClassType(SimpleListType):
    name = "Class"
    words = "class"
    computed = ("FullyQualifiedName", "SubClass")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        parent = realm.find("Class", (record.get("ParentRef") or {}).get("value"))
        record["SubClass"] = parent is not None
        record["FullyQualifiedName"] = (
            f"{parent['FullyQualifiedName']}:{record['Name']}" if parent else record["Name"]
        )


class DepartmentType(SimpleListType):
    name = "Department"
    words = "location"
    computed = ("FullyQualifiedName", "SubDepartment")

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        parent = realm.find("Department", (record.get("ParentRef") or {}).get("value"))
        record["SubDepartment"] = parent is not None
        record["FullyQualifiedName"] = (
            f"{parent['FullyQualifiedName']}:{record['Name']}" if parent else record["Name"]
        )


class PaymentMethodType(SimpleListType):
    name = "PaymentMethod"
    words = "payment method"
    lengths = {"Name": 31}

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("Type", "NON_CREDIT_CARD")


class ReadOnlyListType(EntityType):
    """Lists the API only reads (their records come with the company, e.g. sample data)."""

    kind = "readonly"
    creatable = False
    updatable = False
    has_active = True
    in_cdc = False


class CustomerTypeType(ReadOnlyListType):
    name = "CustomerType"


class BudgetType(ReadOnlyListType):
    name = "Budget"
