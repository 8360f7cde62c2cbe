"""RecurringTransaction: a template of another transaction with a schedule. The API wraps it
in the template's entity name (``{"RecurringTransaction": {"Invoice": {…, "RecurringInfo":
{…}}}}``); stored, it is ``{"Id", …, "TxnType": "Invoice", "Template": {…}}``. Templates are
checked with their entity's rules but post nothing and never run (no transactions are
generated)."""

from __future__ import annotations

from .. import errors
from ..jsonutil import clone
from .base import SYSTEM_FIELDS, EntityType, Realm, is_true, normalize_name
from .txn import parse_date

TEMPLATE_TYPES = (
    "Bill",
    "Purchase",
    "CreditMemo",
    "Deposit",
    "Estimate",
    "Invoice",
    "JournalEntry",
    "RefundReceipt",
    "SalesReceipt",
    "Transfer",
    "VendorCredit",
    "PurchaseOrder",
)
RECUR_TYPES = ("Automated", "Reminded", "UnScheduled")
INTERVALS = ("Daily", "Weekly", "Monthly", "Yearly")


class RecurringTransactionType(EntityType):
    name = "RecurringTransaction"
    kind = "txn"
    deletable = True
    in_cdc = False
    presents = True

    def __init__(self, registry: dict | None = None):
        # The entity rules the templates follow (filled in by the registry).
        self.registry = registry if registry is not None else {}

    def unwrap(self, payload: dict) -> dict:
        """``{"Invoice": {...}}`` -> ``{"Id", "SyncToken", "sparse", "TxnType", "Template"}``."""
        kinds = [k for k in payload if k in TEMPLATE_TYPES and isinstance(payload[k], dict)]
        if len(kinds) != 1:
            raise errors.required_param("RecurringTransaction")
        inner = payload[kinds[0]]
        return {
            "Id": inner.get("Id"),
            "SyncToken": inner.get("SyncToken"),
            "sparse": inner.get("sparse"),
            "TxnType": kinds[0],
            "Template": inner,
        }

    def clean(self, payload: dict) -> dict:
        template_type = self.registry[payload["TxnType"]]
        return {
            "TxnType": payload["TxnType"],
            "Template": template_type.clean(payload.get("Template") or {}),
        }

    def merge(self, old: dict | None, data: dict, *, sparse: bool) -> dict:
        if old is None:
            return data
        if data["TxnType"] != old["TxnType"]:
            raise errors.business_validation(
                "A recurring transaction's type can't be changed.", "RecurringTransaction"
            )
        merged = clone(old)
        if sparse:
            template = merged["Template"]
            template.update(data["Template"])
            info = dict(old["Template"].get("RecurringInfo") or {})
            info.update(data["Template"].get("RecurringInfo") or {})
            template["RecurringInfo"] = info
        else:
            merged["Template"] = data["Template"]
        return merged

    def prepare(self, realm: Realm, record: dict, old: dict | None) -> dict:
        template_type = self.registry[record["TxnType"]]
        template = record["Template"]
        info = template.pop("RecurringInfo", None)
        if not info:
            raise errors.required_param("RecurringInfo")
        template = template_type.prepare(realm, template, None)
        template["RecurringInfo"] = self.check_info(realm, info, record.get("Id"))
        record["Template"] = template
        return record

    def check_info(self, realm: Realm, info: dict, my_id: str | None) -> dict:
        if not info.get("Name"):
            raise errors.required_param("RecurringInfo.Name")
        if info.get("RecurType") not in RECUR_TYPES:
            raise errors.invalid_enum("RecurringInfo.RecurType", info.get("RecurType"))
        info["Active"] = is_true(info.get("Active", True))
        for other in realm.table(self.name).values():
            other_name = (other["Template"].get("RecurringInfo") or {}).get("Name")
            if other["Id"] != my_id and normalize_name(other_name) == normalize_name(info["Name"]):
                raise errors.duplicate_name("recurring transaction", "RecurringInfo.Name")
        if info["RecurType"] != "UnScheduled":
            schedule = info.get("ScheduleInfo") or {}
            if schedule.get("IntervalType") not in INTERVALS:
                raise errors.invalid_enum(
                    "RecurringInfo.ScheduleInfo.IntervalType", schedule.get("IntervalType")
                )
            if not schedule.get("NumInterval"):
                raise errors.required_param("RecurringInfo.ScheduleInfo.NumInterval")
            for field in ("StartDate", "EndDate"):
                if schedule.get(field):
                    schedule[field] = parse_date(schedule[field], f"ScheduleInfo.{field}")
            schedule.setdefault("StartDate", realm.today())
            schedule.setdefault("NextDate", schedule["StartDate"])
            info["ScheduleInfo"] = schedule
        return info

    def present(self, realm: Realm, record: dict) -> dict:
        template = dict(record["Template"])
        for field in SYSTEM_FIELDS:
            if field in record:
                template[field] = record[field]
        return {record["TxnType"]: template}
