"""TimeActivity: hours an employee or vendor worked (no accounting effect here)."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from ..jsonutil import to_decimal
from .base import EntityType, Realm
from .txn import parse_date

NAME_OF = {"Employee": "EmployeeRef", "Vendor": "VendorRef"}
BILLABLE = ("Billable", "NotBillable", "HasBeenBilled")
MAX_RATE = Decimal("100000000")
MAX_COUNT = 100000


class TimeActivityType(EntityType):
    name = "TimeActivity"
    kind = "txn"
    deletable = True
    required = ("NameOf",)
    lengths = {"Description": 4000}

    def defaults(self, realm: Realm, record: dict) -> None:
        record.setdefault("TxnDate", realm.today())
        record.setdefault("BillableStatus", "NotBillable")

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        if "TxnDate" in record:
            record["TxnDate"] = parse_date(record["TxnDate"], "TxnDate")
        for field in ("HourlyRate", "CostRate"):
            if field in record:
                rate = to_decimal(record[field])
                if rate is None or rate < 0 or rate >= MAX_RATE:
                    raise errors.business_validation(
                        f"{field} must be an amount from 0 to 99999999.", field
                    )
                record[field] = rate
        for field in ("Hours", "Minutes", "BreakHours", "BreakMinutes"):
            if field in record:
                value = to_decimal(record[field])
                if value is None or value < 0 or value >= MAX_COUNT or value != int(value):
                    raise errors.business_validation(
                        f"{field} must be a whole number from 0 to 99999.", field
                    )
                record[field] = int(value)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        name_of = record["NameOf"]
        if name_of not in NAME_OF:
            raise errors.invalid_enum("NameOf", name_of)
        if not record.get(NAME_OF[name_of]):
            raise errors.required_param(NAME_OF[name_of])
        other = NAME_OF["Vendor" if name_of == "Employee" else "Employee"]
        record.pop(other, None)
        timed = record.get("StartTime") and record.get("EndTime")
        if not timed and record.get("Hours") is None and record.get("Minutes") is None:
            raise errors.required_param("Hours")
        if record.get("BillableStatus") not in BILLABLE:
            raise errors.invalid_enum("BillableStatus", record.get("BillableStatus"))
        if record.get("BillableStatus") == "Billable" and not record.get("CustomerRef"):
            raise errors.required_param("CustomerRef")
