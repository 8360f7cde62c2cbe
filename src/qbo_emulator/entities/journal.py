"""JournalEntry: debits must equal credits."""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from .base import Realm, money
from .txn import TxnType

ENTITY_TYPES = ("Customer", "Vendor", "Employee")


class JournalEntryType(TxnType):
    name = "JournalEntry"
    required = ("Line",)
    computed = ("TotalAmt",)
    line_types = ("JournalEntryLineDetail", "DescriptionOnly")
    doc_sequence = None

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().validate(realm, record, old)
        debits = credits = Decimal(0)
        for line in record["Line"]:
            if line.get("DetailType") != "JournalEntryLineDetail":
                continue
            detail = line.get("JournalEntryLineDetail") or {}
            posting = detail.get("PostingType")
            if posting not in ("Debit", "Credit"):
                raise errors.required_param("Line.JournalEntryLineDetail.PostingType")
            if not detail.get("AccountRef"):
                raise errors.required_param("Line.JournalEntryLineDetail.AccountRef")
            entity = detail.get("Entity") or {}
            ref = entity.get("EntityRef")
            if ref:
                kind = entity.get("Type") or ref.get("type")
                if kind in ENTITY_TYPES:
                    realm.resolve_ref("EntityRef", kind, ref, pseudo=set())
            if posting == "Debit":
                debits += line["Amount"]
            else:
                credits += line["Amount"]
        if money(debits) != money(credits):
            # [U] wording of the out-of-balance error (docs/emulator.md).
            raise errors.business_validation(
                "Transaction is not balanced. Total debits must equal total credits.", "Line"
            )

    def compute(self, realm: Realm, record: dict, old: dict | None) -> None:
        record["TotalAmt"] = money(
            sum(
                (
                    line["Amount"]
                    for line in record["Line"]
                    if (line.get("JournalEntryLineDetail") or {}).get("PostingType") == "Debit"
                ),
                Decimal(0),
            )
        )
