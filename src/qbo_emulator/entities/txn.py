"""What every transaction shares: lines, dates, DocNumber numbering and de-duplication,
currency, totals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .. import errors
from ..jsonutil import to_decimal
from .base import EntityType, Realm, money
from .names import realm_currency

# Lines the service writes itself and ignores on input.
COMPUTED_LINE_TYPES = ("SubTotalLineDetail",)
NO_AMOUNT_LINE_TYPES = ("DescriptionOnly", "SubTotalLineDetail")
DECIMAL_DETAIL_FIELDS = ("Qty", "UnitPrice", "DiscountPercent", "DiscountRate", "TaxInclusiveAmt")


class TxnType(EntityType):
    kind = "txn"
    deletable = True
    lengths = {"DocNumber": 21, "PrivateNote": 4000}
    line_types: tuple[str, ...] = ()
    # Which DocNumber sequence this form draws from when the company does not use custom
    # numbers: "sales" (invoices, credit memos) or "purchase" (purchase orders); None: never.
    doc_sequence: str | None = None
    duplicate_doc_numbers_checked = False
    sub_total_line = False

    def defaults(self, realm: Realm, record: dict) -> None:
        record.setdefault("TxnDate", realm.today())
        record.setdefault("CurrencyRef", realm_currency(realm))

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        self.number_lines(record, old)
        for field in ("TxnDate", "DueDate", "ShipDate"):
            if field in record:
                record[field] = parse_date(record[field], field)

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        for line in record.get("Line", []):
            detail_type = line.get("DetailType")
            if self.line_types and detail_type not in self.line_types:
                raise errors.invalid_enum("Line.DetailType", detail_type)

    # --- lines ------------------------------------------------------------------------------

    def number_lines(self, record: dict, old: dict | None) -> None:
        """Line Ids: an existing Id updates that line; no Id, Id <= 0 or an unknown Id makes a
        new line (docs/intuit-api.md §2.0). LineNum follows the order sent."""
        lines = [
            dict(line)
            for line in record.get("Line", [])
            if line.get("DetailType") not in COMPUTED_LINE_TYPES
        ]
        old_ids = {str(line.get("Id")) for line in (old or {}).get("Line", []) if line.get("Id")}
        taken: set[str] = set()
        next_id = max([int(i) for i in old_ids if i.isdigit()] + [0]) + 1
        for number, line in enumerate(lines, start=1):
            line_id = str(line.get("Id", "")).strip()
            if line_id in old_ids and line_id not in taken:
                line["Id"] = line_id
            else:
                line["Id"] = str(next_id)
                next_id += 1
            taken.add(line["Id"])
            line["LineNum"] = number
            self.normalize_line(line)
        if "Line" in record or lines:
            record["Line"] = lines

    def normalize_line(self, line: dict) -> None:
        detail_type = line.get("DetailType")
        detail = line.get(detail_type) if detail_type else None
        if isinstance(detail, dict):
            for field in DECIMAL_DETAIL_FIELDS:
                if field in detail:
                    detail[field] = to_decimal(detail[field])
                    if detail[field] is None:
                        del detail[field]
                    elif detail[field].copy_abs() >= Decimal("1e12"):
                        raise errors.business_validation(
                            f"{field} is too large.", f"Line.{detail_type}.{field}"
                        )
        if detail_type in NO_AMOUNT_LINE_TYPES:
            return
        amount = to_decimal(line.get("Amount"))
        if (
            amount is None
            and isinstance(detail, dict)
            and "Qty" in detail
            and "UnitPrice" in detail
        ):
            # Lenient: derive a missing Amount from Qty x UnitPrice (docs/emulator.md).
            amount = detail["Qty"] * detail["UnitPrice"]
        if amount is None and detail_type != "DiscountLineDetail":
            raise errors.required_param("Line.Amount")
        if amount is not None:
            if amount.copy_abs() >= Decimal("1e10"):
                raise errors.business_validation("Amount is too large.", "Line.Amount")
            line["Amount"] = (
                money(amount) if amount == amount.quantize(Decimal("0.00001")) else amount
            )

    def lines_total(self, record: dict, detail_types: tuple[str, ...]) -> Decimal:
        return sum(
            (
                to_decimal(line.get("Amount")) or Decimal(0)
                for line in record.get("Line", [])
                if line.get("DetailType") in detail_types
            ),
            Decimal(0),
        )

    def due_date(self, realm: Realm, record: dict) -> None:
        """DueDate defaults to TxnDate plus the term's days (docs/intuit-api.md §2.1)."""
        if record.get("DueDate"):
            return
        days = 0
        term = realm.find("Term", (record.get("SalesTermRef") or {}).get("value"))
        if term:
            days = int(term.get("DueDays") or 0)
        record["DueDate"] = (
            date.fromisoformat(record["TxnDate"]) + timedelta(days=days)
        ).isoformat()

    # --- DocNumber ----------------------------------------------------------------------------

    def uses_custom_numbers(self, realm: Realm) -> bool:
        return bool(realm.preferences.get("SalesFormsPrefs", {}).get("CustomTxnNumbers"))

    def check_doc_number(self, realm: Realm, record: dict, include: tuple[str, ...]) -> None:
        """1. "AUTO_GENERATE", or no custom numbers in Preferences: the next number is assigned
        (a number the client sent is then replaced).
        2. Otherwise the client's value is used; none means none.
        3. A DocNumber another form of this type already uses is 6140 unless
        ``include=allowduplicatedocnum``."""
        if self.doc_sequence is None:
            return
        requested = record.get("DocNumber")
        creating = "Id" not in record
        if requested == "AUTO_GENERATE" or (creating and not self.uses_custom_numbers(realm)):
            record["DocNumber"] = self.next_free_number(realm)
            return
        if (
            not requested
            or not self.duplicate_doc_numbers_checked
            or "allowduplicatedocnum" in include
        ):
            return
        for other in realm.table(self.name).values():
            if other.get("DocNumber") == requested and other["Id"] != record.get("Id"):
                raise errors.duplicate_doc_number(requested, self.name, other["Id"])

    def next_free_number(self, realm: Realm) -> str:
        used = {r.get("DocNumber") for r in realm.table(self.name).values()}
        while True:
            candidate = realm.next_doc_number(self.doc_sequence)
            if candidate not in used:
                return candidate

    # --- void ---------------------------------------------------------------------------------

    def zero_amounts(self, record: dict) -> None:
        """ "Amounts and quantities are zeroed ... 'Voided' is injected into PrivateNote,
        prepended to existing text" (docs/intuit-api.md §1.2)."""
        for line in record.get("Line", []):
            if "Amount" in line:
                line["Amount"] = Decimal("0")
            detail = line.get(line.get("DetailType") or "")
            if isinstance(detail, dict) and "Qty" in detail:
                detail["Qty"] = Decimal("0")
        note = record.get("PrivateNote")
        record["PrivateNote"] = f"Voided - {note}" if note else "Voided"


def parse_date(value, field: str) -> str:
    text = str(value).strip()[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise errors.QBOError(
            400,
            2010,
            "Request has invalid or unsupported property",
            f"Property Name:{field} has an invalid date: {value}",
            field,
        ) from None
