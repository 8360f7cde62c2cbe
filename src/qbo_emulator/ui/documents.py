"""Per-company read-only pages: the lists (invoices, bills, purchase orders, payments, customers,
vendors, items, accounts) and the detail pages of transactions with their lines."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from ..errors import QBOError
from .consent import realm_of
from .html import decimal, h, messages, money, page, q, ref_name, table

# URL slug -> (entity name, tab title)
KINDS = {
    "invoices": ("Invoice", "Invoices"),
    "bills": ("Bill", "Bills"),
    "purchase-orders": ("PurchaseOrder", "Purchase orders"),
    "payments": ("Payment", "Payments"),
    "customers": ("Customer", "Customers"),
    "vendors": ("Vendor", "Vendors"),
    "items": ("Item", "Items"),
    "accounts": ("Account", "Accounts"),
}
SLUG_OF = {entity: slug for slug, (entity, _) in KINDS.items()}
TABS = [
    *((slug, title) for slug, (_, title) in KINDS.items()),
    ("apps", "Apps"),
    ("webhooks", "Webhooks"),
]


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


def _doc_number(txn: dict) -> str:
    return txn.get("DocNumber") or f"#{txn.get('Id')}"


def _active(record: dict) -> str:
    return "yes" if record.get("Active", True) not in (False, "false") else "no"


def list_rows(
    realm_id: str, slug: str, records: list[dict]
) -> tuple[list[str], list[list[str]], set[int]]:
    """Headers, escaped rows and numeric columns for one list page."""
    if slug == "invoices":
        return (
            ["Number", "Customer", "Date", "Due", "Total", "Balance", "Status"],
            [
                [
                    link(realm_id, slug, r["Id"], _doc_number(r)),
                    h(ref_name(r.get("CustomerRef"))),
                    h(r.get("TxnDate")),
                    h(r.get("DueDate")),
                    money(r.get("TotalAmt")),
                    money(r.get("Balance")),
                    badge(invoice_status(r)),
                ]
                for r in records
            ],
            {4, 5},
        )
    if slug == "bills":
        return (
            ["Number", "Vendor", "Date", "Due", "Total", "Balance"],
            [
                [
                    link(realm_id, slug, r["Id"], _doc_number(r)),
                    h(ref_name(r.get("VendorRef"))),
                    h(r.get("TxnDate")),
                    h(r.get("DueDate")),
                    money(r.get("TotalAmt")),
                    money(r.get("Balance")),
                ]
                for r in records
            ],
            {4, 5},
        )
    if slug == "purchase-orders":
        return (
            ["Number", "Vendor", "Date", "Total", "Status"],
            [
                [
                    link(realm_id, slug, r["Id"], _doc_number(r)),
                    h(ref_name(r.get("VendorRef"))),
                    h(r.get("TxnDate")),
                    money(r.get("TotalAmt")),
                    h(r.get("POStatus", "")),
                ]
                for r in records
            ],
            {3},
        )
    if slug == "payments":
        return (
            ["Payment", "Customer", "Date", "Amount", "Unapplied", "Reference", "Status"],
            [
                [
                    link(realm_id, slug, r["Id"], f"Payment {r['Id']}"),
                    h(ref_name(r.get("CustomerRef"))),
                    h(r.get("TxnDate")),
                    money(r.get("TotalAmt")),
                    money(r.get("UnappliedAmt")),
                    h(r.get("PaymentRefNum", "")),
                    badge("voided" if is_voided(r) else "received"),
                ]
                for r in records
            ],
            {3, 4},
        )
    if slug in ("customers", "vendors"):
        return (
            ["Id", "Display name", "Company", "Email", "Balance", "Active"],
            [
                [
                    h(r.get("Id")),
                    h(r.get("DisplayName")),
                    h(r.get("CompanyName", "")),
                    h((r.get("PrimaryEmailAddr") or {}).get("Address", "")),
                    money(r.get("Balance")),
                    _active(r),
                ]
                for r in records
            ],
            {4},
        )
    if slug == "items":
        return (
            ["Id", "Name", "Type", "SKU", "Price", "Cost", "Qty on hand", "Active"],
            [
                [
                    h(r.get("Id")),
                    h(r.get("Name")),
                    h(r.get("Type")),
                    h(r.get("Sku", "")),
                    money(r.get("UnitPrice")),
                    money(r.get("PurchaseCost")),
                    h(r.get("QtyOnHand", "")),
                    _active(r),
                ]
                for r in records
            ],
            {4, 5, 6},
        )
    return (  # accounts
        ["Id", "Name", "Type", "Detail type", "Balance", "Active"],
        [
            [
                h(r.get("Id")),
                h(r.get("FullyQualifiedName") or r.get("Name")),
                h(r.get("AccountType")),
                h(r.get("AccountSubType", "")),
                money(r.get("CurrentBalance")),
                _active(r),
            ]
            for r in records
        ],
        {4},
    )


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
        ("Number", h(_doc_number(txn))),
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


def routes(emulator) -> list[Route]:
    from .payments import receive_payment_form

    def _not_found(message: str):
        return HTMLResponse(page("Not found", messages(error=message)), status_code=404)

    async def overview(request: Request):
        return RedirectResponse(f"/companies/{q(request.path_params['realm_id'])}/invoices", 303)

    async def list_page(request: Request):
        realm_id, slug = request.path_params["realm_id"], request.path_params["kind"]
        if slug not in KINDS:
            return _not_found(f"Unknown page {slug}.")
        entity, title = KINDS[slug]
        try:
            records = emulator.store.list_entities(realm_id, entity)
            headers, rows, numeric = list_rows(realm_id, slug, records)
            body = f"<h1>{h(title)}</h1>" + table(headers, rows, numeric=numeric, table_id=slug)
            return HTMLResponse(
                company_page(
                    emulator, realm_id, slug, title, body, notice=request.query_params.get("notice")
                )
            )
        except (NotFound, QBOError) as exc:
            return _not_found(str(getattr(exc, "detail", None) or exc))

    async def detail_page(request: Request):
        realm_id, slug = request.path_params["realm_id"], request.path_params["kind"]
        entity_id = request.path_params["entity_id"]
        if slug not in ("invoices", "bills", "purchase-orders"):
            return _not_found(f"No detail page for {slug}.")
        try:
            txn = emulator.store.get_entity(realm_id, KINDS[slug][0], entity_id)
            body = f"<h1>{h(KINDS[slug][0])} {h(_doc_number(txn))}</h1>" + txn_detail(
                realm_id, slug, txn
            )
            if slug == "invoices":
                body += receive_payment_form(emulator, realm_id, txn)
            return HTMLResponse(
                company_page(
                    emulator,
                    realm_id,
                    slug,
                    _doc_number(txn),
                    body,
                    notice=request.query_params.get("notice"),
                )
            )
        except (NotFound, QBOError) as exc:
            return _not_found(str(getattr(exc, "detail", None) or exc))

    return [
        Route("/companies/{realm_id}", overview, methods=["GET"]),
        Route("/companies/{realm_id}/{kind}", list_page, methods=["GET"]),
        Route("/companies/{realm_id}/{kind}/{entity_id}", detail_page, methods=["GET"]),
    ]
