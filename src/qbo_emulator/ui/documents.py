"""Per-company read-only pages: the lists (invoices, bills, purchase orders, payments, customers,
vendors, items, accounts) and the detail pages of transactions with their lines."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from ..errors import QBOError
from .common import (
    KINDS,
    NotFound,
    badge,
    company_page,
    doc_number,
    invoice_status,
    is_voided,
    link,
    txn_detail,
)
from .html import h, messages, money, page, q, ref_name, table
from .payments import receive_payment_form

# The list pages whose rows open a transaction page.
DETAIL_PAGES = (
    "invoices",
    "bills",
    "purchase-orders",
    "credit-memos",
    "refund-receipts",
    "vendor-credits",
)


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
                    link(realm_id, slug, r["Id"], doc_number(r)),
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
                    link(realm_id, slug, r["Id"], doc_number(r)),
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
                    link(realm_id, slug, r["Id"], doc_number(r)),
                    h(ref_name(r.get("VendorRef"))),
                    h(r.get("TxnDate")),
                    money(r.get("TotalAmt")),
                    h(r.get("POStatus", "")),
                ]
                for r in records
            ],
            {3},
        )
    if slug == "credit-memos":
        return (
            ["Number", "Customer", "Date", "Total", "Remaining credit"],
            [
                [
                    link(realm_id, slug, r["Id"], doc_number(r)),
                    h(ref_name(r.get("CustomerRef"))),
                    h(r.get("TxnDate")),
                    money(r.get("TotalAmt")),
                    money(r.get("RemainingCredit")),
                ]
                for r in records
            ],
            {3, 4},
        )
    if slug in ("refund-receipts", "vendor-credits"):
        party = "CustomerRef" if slug == "refund-receipts" else "VendorRef"
        return (
            [
                "Number",
                "Customer" if slug == "refund-receipts" else "Vendor",
                "Date",
                "Total",
                "Balance",
            ],
            [
                [
                    link(realm_id, slug, r["Id"], doc_number(r)),
                    h(ref_name(r.get(party))),
                    h(r.get("TxnDate")),
                    money(r.get("TotalAmt")),
                    money(r.get("Balance")),
                ]
                for r in records
            ],
            {3, 4},
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


def routes(emulator) -> list[Route]:
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
        if slug not in DETAIL_PAGES:
            return _not_found(f"No detail page for {slug}.")
        try:
            txn = emulator.store.get_entity(realm_id, KINDS[slug][0], entity_id)
            body = f"<h1>{h(KINDS[slug][0])} {h(doc_number(txn))}</h1>" + txn_detail(
                realm_id, slug, txn
            )
            if slug == "invoices":
                body += receive_payment_form(emulator, realm_id, txn)
            return HTMLResponse(
                company_page(
                    emulator,
                    realm_id,
                    slug,
                    doc_number(txn),
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
