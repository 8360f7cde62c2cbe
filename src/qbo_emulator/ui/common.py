"""What the per-company pages share: the tabs and page frame, the company lookup, status
badges, links, and the detail block of a transaction with its lines (used by the document pages
and the payment pages alike)."""

from __future__ import annotations

from .html import decimal, h, messages, money, page, q, ref_name, table

# URL slug -> (entity name, tab title)
KINDS = {
    "invoices": ("Invoice", "Invoices"),
    "bills": ("Bill", "Bills"),
    "purchase-orders": ("PurchaseOrder", "Purchase orders"),
    "credit-memos": ("CreditMemo", "Credit memos"),
    "refund-receipts": ("RefundReceipt", "Refunds"),
    "vendor-credits": ("VendorCredit", "Vendor credits"),
    "payments": ("Payment", "Payments"),
    "customers": ("Customer", "Customers"),
    "vendors": ("Vendor", "Vendors"),
    "items": ("Item", "Items"),
    "accounts": ("Account", "Accounts"),
}
SLUG_OF = {entity: slug for slug, (entity, _) in KINDS.items()}
TABS = [
    *((slug, title) for slug, (_, title) in KINDS.items()),
    ("reports", "Reports"),
    ("apps", "Apps"),
    ("webhooks", "Webhooks"),
]


def realm_of(company: dict) -> str:
    for key in ("realmId", "realm_id", "id", "Id"):
        if company.get(key) is not None:
            return str(company[key])
    return ""


class NotFound(Exception):
    pass


def company(emulator, realm_id: str) -> dict:
    for c in emulator.store.companies():
        if realm_of(c) == str(realm_id):
            return c
    raise NotFound(f"No company with realm ID {realm_id}.")


def company_page(
    emulator,
    realm_id: str,
    active: str,
    title: str,
    body: str,
    *,
    notice: str | None = None,
    error: str | None = None,
) -> str:
    c = company(emulator, realm_id)
    active_attr = ' class="active"'
    tabs = "".join(
        f'<a href="/companies/{q(realm_id)}/{slug}"{active_attr if slug == active else ""}'
        f' id="tab-{slug}">{h(label)}</a>'
        for slug, label in TABS
    )
    head = (
        f'<p class="muted"><a href="/">Companies</a> / {h(c.get("name"))} '
        f"(realm <code>{h(realm_id)}</code>, {h(c.get('plan', ''))})</p>"
        f'<nav class="tabs">{tabs}</nav>'
    )
    return page(f"{title} · {c.get('name')}", head + messages(notice, error) + body)


def is_voided(txn: dict) -> bool:
    # A voided transaction keeps its record with zero amounts and "Voided" in PrivateNote.
    note = str(txn.get("PrivateNote") or "")
    return txn.get("status") == "Voided" or note.startswith("Voided")


def invoice_status(inv: dict) -> str:
    if is_voided(inv):
        return "voided"
    total, balance = decimal(inv.get("TotalAmt")), decimal(inv.get("Balance"))
    if balance <= 0 and total > 0:
        return "paid"
    if balance < total:
        return "partially paid"
    return "open"


def badge(status: str) -> str:
    return f'<span class="badge {h(status.replace(" ", "-"))}">{h(status)}</span>'


def link(realm_id: str, slug: str, entity_id, text) -> str:
    return f'<a href="/companies/{q(realm_id)}/{slug}/{q(entity_id)}">{h(text)}</a>'


def doc_number(txn: dict) -> str:
    return txn.get("DocNumber") or f"#{txn.get('Id')}"


def lines_table(txn: dict) -> str:
    """Detail lines with Qty, Rate, Amount and Description (subtotal lines left out)."""
    rows = []
    for line in txn.get("Line") or []:
        kind = line.get("DetailType", "")
        if kind in ("SubTotalLineDetail", "DiscountLineDetail") or kind.startswith("PaymentLine"):
            continue
        detail = line.get(kind) or {}
        what = ref_name(detail.get("ItemRef") or detail.get("AccountRef"))
        rows.append(
            [
                h(line.get("LineNum", len(rows) + 1)),
                h(what),
                h(line.get("Description", "")),
                h(detail.get("Qty", "")),
                money(detail["UnitPrice"]) if detail.get("UnitPrice") not in (None, "") else "",
                money(line.get("Amount")),
            ]
        )
    return table(
        ["#", "Item / account", "Description", "Qty", "Rate", "Amount"],
        rows,
        numeric={3, 4, 5},
        table_id="lines",
        empty="No lines.",
    )


def linked_table(realm_id: str, txn: dict) -> str:
    rows = []
    for linked in txn.get("LinkedTxn") or []:
        slug = SLUG_OF.get(linked.get("TxnType"))
        ident = linked.get("TxnId")
        label = f"{linked.get('TxnType')} {ident}"
        rows.append([link(realm_id, slug, ident, label) if slug else h(label)])
    return table(["Linked transactions"], rows, table_id="linked", empty="No linked transactions.")


def summary(fields: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{h(k)}</dt><dd>{v}</dd>" for k, v in fields) + "</dl>"


def txn_detail(realm_id: str, slug: str, txn: dict) -> str:
    party = ref_name(txn.get("CustomerRef") or txn.get("VendorRef"))
    fields = [
        ("Number", h(doc_number(txn))),
        ("Customer" if "CustomerRef" in txn else "Vendor", h(party)),
        ("Date", h(txn.get("TxnDate"))),
        ("Total", money(txn.get("TotalAmt"))),
    ]
    if "Balance" in txn:
        fields.append(("Balance", f'<span id="balance">{money(txn.get("Balance"))}</span>'))
    if slug == "invoices":
        fields.append(("Status", f'<span id="status">{badge(invoice_status(txn))}</span>'))
    if txn.get("PrivateNote"):
        fields.append(("Note", h(txn["PrivateNote"])))
    return summary(fields) + "<h2>Lines</h2>" + lines_table(txn) + linked_table(realm_id, txn)
