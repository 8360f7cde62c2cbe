"""Customer, Vendor and Employee: the people lists whose DisplayName is unique across all three
(6240, docs/intuit-api.md §2.7)."""

from __future__ import annotations

from .. import errors
from .base import EntityType, Realm, name_taken

PEOPLE = ("Customer", "Vendor", "Employee")
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")


class PersonType(EntityType):
    kind = "name"
    has_active = True
    ref_name_field = "DisplayName"
    no_forbidden_chars = ("DisplayName", *NAME_PARTS, "PrintOnCheckName")
    lengths = {
        "DisplayName": 500,
        "Title": 16,
        "GivenName": 100,
        "MiddleName": 100,
        "FamilyName": 100,
        "Suffix": 16,
        "CompanyName": 100,
        "PrintOnCheckName": 110,
        "Notes": 2000,
        "PrimaryPhone.FreeFormNumber": 30,
        "Fax.FreeFormNumber": 30,
        "PrimaryEmailAddr.Address": 100,
    }

    def display_name(self, record: dict) -> str | None:
        return record.get("DisplayName")

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        if not record.get("DisplayName"):
            parts = [record.get(p) for p in NAME_PARTS if record.get(p)]
            if parts:
                record["DisplayName"] = " ".join(str(p) for p in parts)
            elif record.get("CompanyName"):
                record["DisplayName"] = record["CompanyName"]
        if record.get("DisplayName"):
            record.setdefault("PrintOnCheckName", record["DisplayName"])
            record["FullyQualifiedName"] = record["DisplayName"]

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        if not record.get("DisplayName"):
            # "On create, you must send DisplayName or at least one name part."
            raise errors.required_param("DisplayName")
        super().validate(realm, record, old)
        email = (record.get("PrimaryEmailAddr") or {}).get("Address")
        if email is not None and ("@" not in email or "." not in email):
            raise errors.invalid_email("PrimaryEmailAddr")
        me = (self.name, record.get("Id"))
        if name_taken(realm, "people", PEOPLE, "DisplayName", record["DisplayName"], me):
            raise errors.duplicate_name("customer, vendor or employee", "DisplayName")

    # One index for all three lists: DisplayName is unique across them.
    unique_name = ("DisplayName", "customer, vendor or employee")
    index_group = "people"  # type: ignore[assignment]
    index_members = PEOPLE  # type: ignore[assignment]

    def check_unique_name(self, realm: Realm, record: dict) -> None:
        """Checked in ``validate`` after DisplayName is known."""


class CustomerType(PersonType):
    name = "Customer"
    computed = ("Balance", "BalanceWithJobs", "FullyQualifiedName", "Level")

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("Taxable", True)
        record.setdefault("Job", False)
        record.setdefault("BillWithParent", False)
        record.setdefault("PreferredDeliveryMethod", "Print")
        record.setdefault("IsProject", False)
        record.setdefault("CurrencyRef", realm_currency(realm))

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        balance = old.get("Balance") if old else None
        record["Balance"] = balance if balance is not None else 0
        record["BalanceWithJobs"] = record["Balance"]
        # Sub-customers (jobs): "Customer:Job:Sub-job", at most 4 levels below the top.
        parent = realm.find("Customer", (record.get("ParentRef") or {}).get("value"))
        if parent is not None:
            if parent["Id"] == record.get("Id"):
                raise errors.business_validation(
                    "A customer cannot be its own parent.", "ParentRef"
                )
            record["Level"] = parent.get("Level", 0) + 1
            if record["Level"] > 4:
                raise errors.business_validation(
                    "Sub-customers can be nested at most 4 levels deep.", "ParentRef"
                )
            record["FullyQualifiedName"] = (
                f"{parent.get('FullyQualifiedName') or parent['DisplayName']}:{record['DisplayName']}"
            )
            record["Job"] = True
        else:
            record["Level"] = 0
            record["Job"] = False
            record.pop("ParentRef", None)


class VendorType(PersonType):
    name = "Vendor"
    computed = ("Balance", "FullyQualifiedName")
    lengths = {**PersonType.lengths, "PrintOnCheckName": 100, "AcctNum": 100, "TaxIdentifier": 20}

    def defaults(self, realm: Realm, record: dict) -> None:
        super().defaults(realm, record)
        record.setdefault("Vendor1099", False)
        record.setdefault("CurrencyRef", realm_currency(realm))

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        balance = old.get("Balance") if old else None
        record["Balance"] = balance if balance is not None else 0


class EmployeeType(PersonType):
    name = "Employee"
    computed = ("FullyQualifiedName",)

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        record.pop("FullyQualifiedName", None)


def realm_currency(realm: Realm) -> dict:
    code = realm.meta.get("home_currency", "USD")
    return {"value": code, "name": CURRENCY_NAMES.get(code, code)}


CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "GBP": "British Pound Sterling",
    "EUR": "Euro",
    "AUD": "Australian Dollar",
    "INR": "Indian Rupee",
}
