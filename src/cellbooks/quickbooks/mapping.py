"""Pure functions: Cellbooks documents → QuickBooks payloads. No database, no HTTP.

The inputs are plain values (``DeviceLine``) so the rules can be table-tested and property-tested:
  - lines are grouped by the inventory's one grouping rule (``cellbooks.inventory.grouping``:
    product, condition, unit amount) — the groups the document's page shows — so every QBO line's
    Amount is exactly Qty × UnitPrice and the QBO total is the Cellbooks total to the cent;
  - every line uses the one inventory item from Settings; its description carries the product and
    the grade (and, optionally, the IMEIs, within QBO's 4000 characters);
  - a marker in PrivateNote names the Cellbooks document, so an orphan (created in QBO but whose
    answer was lost) can be recognised and adopted instead of duplicated.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cellbooks.inventory import grouping

DESCRIPTION_MAX = 4000
DOC_NUMBER_MAX = 21
DISPLAY_NAME_MAX = 500
PRIVATE_NOTE_MAX = 4000
_FORBIDDEN_NAME_CHARS = re.compile(r"[:\t\r\n]+")


@dataclass(frozen=True)
class DeviceLine:
    """One device on a Cellbooks document, as the mapper needs it."""

    identifier: str
    manufacturer: str
    model: str
    capacity: str
    colour: str
    network: str
    condition: str
    condition_order: int
    unit_amount: Decimal  # unit cost on a PO, unit price on an invoice


@dataclass
class GroupedLine:
    product: str
    condition: str
    unit_amount: Decimal
    identifiers: list[str] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return len(self.identifiers)

    @property
    def amount(self) -> Decimal:
        return self.unit_amount * self.quantity


@dataclass(frozen=True)
class DocumentInput:
    """A Cellbooks invoice or PO as the mapper needs it."""

    kind: str  # "invoice" | "purchase_order"
    local_id: int
    company_key: str  # the company's slug, so markers are unique across tenants in one realm
    number: str
    txn_date: date
    due_date: date | None
    lines: tuple[DeviceLine, ...]
    notes: str = ""


def product_name(line: DeviceLine) -> str:
    return grouping.product_display_name(
        line.manufacturer, line.model, line.capacity, line.colour, line.network
    )


def group_lines(lines) -> list[GroupedLine]:
    """The document's lines as QBO lines: one per group of the shared grouping rule, in its
    order, each group's identifiers sorted."""
    groups = grouping.group(
        lines,
        key=lambda line: grouping.group_key(
            product_name=product_name(line),
            condition_order=line.condition_order,
            condition_code=line.condition,
            unit_amount=line.unit_amount,
        ),
        tiebreak=lambda line: line.identifier,
    )
    return [
        GroupedLine(
            product=product_name(members[0]),
            condition=members[0].condition,
            unit_amount=members[0].unit_amount,
            identifiers=[member.identifier for member in members],
        )
        for members in groups
    ]


def describe(group: GroupedLine, *, include_identifiers: bool) -> str:
    """ "Apple iPhone 13 128GB Blue Unlocked — Grade A", optionally with the IMEIs, ≤ 4000 chars."""
    text = f"{group.product} — Grade {group.condition}"
    if not include_identifiers:
        return text[:DESCRIPTION_MAX]
    text += "\nIMEI/serial: " if group.quantity == 1 else "\nIMEIs/serials: "
    # Room kept for the longest possible " … and N more", so the cut never overflows.
    reserve = len(f" … and {group.quantity} more")
    shown: list[str] = []
    length = len(text)
    for identifier in group.identifiers:
        addition = len(identifier) + (2 if shown else 0)
        if length + addition + reserve > DESCRIPTION_MAX:
            return text + ", ".join(shown) + f" … and {group.quantity - len(shown)} more"
        shown.append(identifier)
        length += addition
    return text + ", ".join(shown)


def record_marker(company_key: str, kind: str, local_id: int) -> str:
    """The tag in a QBO record's PrivateNote that names the Cellbooks record it was made for."""
    return f"[cellbooks:{company_key}:{kind}:{local_id}]"


_MARKER = re.compile(r"\[cellbooks:([^:\]\s]+):([a-z_]+):(\d+)\]")


def parse_marker(note: str) -> tuple[str, str, int] | None:
    """(company key, kind, local id) of the first Cellbooks marker in a PrivateNote, or None."""
    found = _MARKER.search(note or "")
    return (found.group(1), found.group(2), int(found.group(3))) if found else None


def marker(document: DocumentInput) -> str:
    """The tag in PrivateNote that identifies the Cellbooks document in QBO."""
    return record_marker(document.company_key, document.kind, document.local_id)


NOTE_LABELS = {
    "invoice": "invoice",
    "purchase_order": "purchase",  # a Bill or a Purchase Order: "this purchase" fits both
    "customer_return": "return",
    "vendor_return": "vendor return",
}


def private_note(document: DocumentInput) -> str:
    """The memo a bookkeeper reads in QuickBooks: which Cellbooks document this is, a plea to keep
    the line, and the marker that lets Cellbooks find the document again (``marker``), then the
    document's notes."""
    label = NOTE_LABELS.get(document.kind, document.kind)
    head = (
        f"Cellbooks {document.number} — keep this line: it links this {label} to Cellbooks "
        f"{marker(document)}"
    )
    if document.notes.strip():
        head += "\n" + document.notes.strip()
    return head[:PRIVATE_NOTE_MAX]


def clean_display_name(name: str) -> str:
    """QBO forbids ':' , tabs and newlines in names and allows 500 characters."""
    cleaned = _FORBIDDEN_NAME_CHARS.sub(" ", name)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned[:DISPLAY_NAME_MAX].strip() or "Unnamed"


def suffixed_display_name(name: str, role: str) -> str:
    """The deterministic fallback when a name is taken by another kind: "Acme Wireless (Vendor)"."""
    suffix = f" ({role})"
    return clean_display_name(name)[: DISPLAY_NAME_MAX - len(suffix)].rstrip() + suffix


def _sales_line(
    group: GroupedLine, item_ref: dict, *, include_identifiers: bool, taxable: bool
) -> dict:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": group.amount,
        "Description": describe(group, include_identifiers=include_identifiers),
        "SalesItemLineDetail": {
            "ItemRef": item_ref,
            "Qty": group.quantity,
            "UnitPrice": group.unit_amount,
            "TaxCodeRef": {"value": "TAX" if taxable else "NON"},
        },
    }


def _expense_line(group: GroupedLine, item_ref: dict, *, include_identifiers: bool) -> dict:
    return {
        "DetailType": "ItemBasedExpenseLineDetail",
        "Amount": group.amount,
        "Description": describe(group, include_identifiers=include_identifiers),
        "ItemBasedExpenseLineDetail": {
            "ItemRef": item_ref,
            "Qty": group.quantity,
            "UnitPrice": group.unit_amount,
            "BillableStatus": "NotBillable",
        },
    }


def _common(document: DocumentInput, *, custom_txn_numbers: bool) -> dict:
    payload = {"TxnDate": document.txn_date.isoformat(), "PrivateNote": private_note(document)}
    if custom_txn_numbers:
        payload["DocNumber"] = document.number[:DOC_NUMBER_MAX]
    if document.due_date:
        payload["DueDate"] = document.due_date.isoformat()
    return payload


def invoice_payload(
    document: DocumentInput,
    *,
    customer_ref: dict,
    item_ref: dict,
    custom_txn_numbers: bool,
    include_identifiers: bool = False,
    taxable: bool = False,
) -> dict:
    return {
        "CustomerRef": customer_ref,
        **_common(document, custom_txn_numbers=custom_txn_numbers),
        "Line": [
            _sales_line(g, item_ref, include_identifiers=include_identifiers, taxable=taxable)
            for g in group_lines(document.lines)
        ],
    }


def credit_memo_payload(
    document: DocumentInput,
    *,
    customer_ref: dict,
    item_ref: dict,
    custom_txn_numbers: bool,
    include_identifiers: bool = False,
) -> dict:
    """A customer return as a CreditMemo: the returned devices as sales lines at what they sold
    for, grouped as invoices are."""
    return invoice_payload(
        document,
        customer_ref=customer_ref,
        item_ref=item_ref,
        custom_txn_numbers=custom_txn_numbers,
        include_identifiers=include_identifiers,
    )


def refund_receipt_payload(
    document: DocumentInput,
    *,
    customer_ref: dict,
    item_ref: dict,
    refund_account_ref: dict,
    custom_txn_numbers: bool,
    reference: str = "",
    include_identifiers: bool = False,
) -> dict:
    """A refunded return as a RefundReceipt: the same lines, paid out of ``refund_account_ref``."""
    payload = invoice_payload(
        document,
        customer_ref=customer_ref,
        item_ref=item_ref,
        custom_txn_numbers=custom_txn_numbers,
        include_identifiers=include_identifiers,
    )
    payload["DepositToAccountRef"] = refund_account_ref
    if reference:
        payload["PaymentRefNum"] = reference[:21]
    return payload


def purchase_payload(
    document: DocumentInput,
    *,
    vendor_ref: dict,
    item_ref: dict,
    ap_account_ref: dict | None,
    custom_txn_numbers: bool,
    include_identifiers: bool = False,
) -> dict:
    """A Bill, a PurchaseOrder or a VendorCredit: the same lines, the vendor, the A/P account."""
    payload = {
        "VendorRef": vendor_ref,
        **_common(document, custom_txn_numbers=custom_txn_numbers),
        "Line": [
            _expense_line(g, item_ref, include_identifiers=include_identifiers)
            for g in group_lines(document.lines)
        ],
    }
    if ap_account_ref:
        payload["APAccountRef"] = ap_account_ref
    return payload


def payload_total(payload: dict) -> Decimal:
    return sum((Decimal(line["Amount"]) for line in payload["Line"]), Decimal("0.00"))


def payload_hash(payload: dict) -> str:
    """A stable fingerprint of what we would send; equal hashes mean nothing to write."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def credit_application_payload(
    *, customer_ref: dict, invoice_id: str, credit_memo_id: str, amount: Decimal, note: str
) -> dict:
    """The Payment that applies a credit memo to an invoice: no money moves (TotalAmt 0), one line
    links the invoice and one the credit memo for the same amount — how QuickBooks records
    "apply credit"."""
    return {
        "CustomerRef": customer_ref,
        "TotalAmt": Decimal("0.00"),
        "PrivateNote": note[:PRIVATE_NOTE_MAX],
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]},
            {"Amount": amount, "LinkedTxn": [{"TxnId": credit_memo_id, "TxnType": "CreditMemo"}]},
        ],
    }


def vendor_credit_application_payload(
    *,
    vendor_ref: dict,
    bill_id: str,
    vendor_credit_id: str,
    amount: Decimal,
    bank_ref: dict,
    note: str,
) -> dict:
    """The BillPayment that applies a vendor credit to a bill: TotalAmt 0, the bill and the
    vendor credit linked for the same amount."""
    return {
        "VendorRef": vendor_ref,
        "PayType": "Check",
        "CheckPayment": {"BankAccountRef": bank_ref},
        "TotalAmt": Decimal("0.00"),
        "PrivateNote": note[:PRIVATE_NOTE_MAX],
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": bill_id, "TxnType": "Bill"}]},
            {
                "Amount": amount,
                "LinkedTxn": [{"TxnId": vendor_credit_id, "TxnType": "VendorCredit"}],
            },
        ],
    }
