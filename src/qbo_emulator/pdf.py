"""Invoice PDFs (fpdf2) and "send" (POST /invoice/{id}/send)."""

from __future__ import annotations

from . import errors

PDF_ENTITIES = (
    "Invoice",
    "CreditMemo",
    "PurchaseOrder",
    "Payment",
    "RefundReceipt",
    "SalesReceipt",
    "Estimate",
)


def render(company: dict, entity: str, record: dict) -> bytes:
    # deferred import: fpdf takes ~0.45 s to import, and only PDF requests need it, so servers
    # and test processes that never render one do not pay for it.
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, _latin(company.get("name", "")), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", "", 11)
    title = {
        "Invoice": "INVOICE",
        "CreditMemo": "CREDIT MEMO",
        "PurchaseOrder": "PURCHASE ORDER",
        "Payment": "PAYMENT",
        "RefundReceipt": "REFUND RECEIPT",
        "SalesReceipt": "SALES RECEIPT",
        "Estimate": "ESTIMATE",
    }[entity]
    doc.cell(
        0,
        8,
        f"{title} {record.get('DocNumber') or record.get('Id')}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    party = (record.get("CustomerRef") or record.get("VendorRef") or {}).get("name", "")
    doc.cell(0, 8, _latin(f"To: {party}"), new_x="LMARGIN", new_y="NEXT")
    doc.cell(
        0,
        8,
        f"Date: {record.get('TxnDate', '')}   Due: {record.get('DueDate', '')}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(4)
    for line in record.get("Line", []):
        if line.get("DetailType") == "SubTotalLineDetail":
            continue
        detail = line.get(line.get("DetailType") or "", {}) or {}
        label = (
            line.get("Description")
            or (detail.get("ItemRef") or {}).get("name")
            or line.get("DetailType", "")
        )
        doc.cell(150, 7, _latin(str(label))[:80])
        doc.cell(0, 7, f"{line.get('Amount', '')}", align="R", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.set_font("Helvetica", "B", 11)
    doc.cell(150, 8, "Total")
    doc.cell(0, 8, f"{record.get('TotalAmt', '')}", align="R", new_x="LMARGIN", new_y="NEXT")
    if "Balance" in record:
        doc.cell(150, 8, "Balance due")
        doc.cell(0, 8, f"{record.get('Balance')}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def _latin(text: str) -> str:
    # The core PDF fonts are Latin-1 only.
    return text.encode("latin-1", "replace").decode("latin-1")


def send(store, realm_id: str, entity: str, entity_id: str, send_to: str | None) -> dict:
    """Mark the form as sent (EmailStatus "EmailSent", DeliveryInfo) without sending mail.
    ``sendTo`` replaces BillEmail, as in QBO; without it BillEmail must be set."""
    record = store.get_entity(realm_id, entity, entity_id)
    address = send_to or (record.get("BillEmail") or {}).get("Address")
    if not address:
        raise errors.business_validation(
            "Need to provide a valid email address to send the transaction to.", "BillEmail"
        )
    if "@" not in address or "." not in address:
        raise errors.invalid_email("sendTo")
    return store.mark_sent(realm_id, entity, entity_id, address)
