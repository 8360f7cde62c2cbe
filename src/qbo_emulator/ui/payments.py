"""Receive payment on an invoice; edit the amount of, void and delete a payment.

Everything goes through the store's public methods, so a UI payment is a real Payment: it lowers
the invoice's balance, appears on it as a LinkedTxn, and fires the webhook like an API write.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from ..errors import QBOError
from .common import NotFound, badge, company_page, is_voided, link, summary, txn_detail
from .html import decimal, h, messages, money, page, q, ref_name, table


def _error_text(exc: Exception) -> str:
    if isinstance(exc, QBOError):
        return f"{exc.message}: {exc.detail} (code {exc.code})"
    return str(exc)


def _amount(text) -> Decimal:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError("Amount must be a number.") from None
    if value <= 0:
        raise ValueError("Amount must be greater than zero.")
    return value.quantize(Decimal("0.01"))


def _payment_methods(emulator, realm_id: str) -> list[dict]:
    try:
        return emulator.store.list_entities(realm_id, "PaymentMethod")
    except QBOError:
        return []


def receive_payment_form(emulator, realm_id: str, invoice: dict, form=None) -> str:
    if is_voided(invoice) or decimal(invoice.get("Balance")) <= 0:
        return ""
    form = form or {}
    today = emulator.clock.now().date().isoformat()
    methods = "".join(
        f'<option value="{h(m["Id"])}"{" selected" if form.get("method") == m["Id"] else ""}>'
        f"{h(m.get('Name'))}</option>"
        for m in _payment_methods(emulator, realm_id)
    )
    action = f"/companies/{q(realm_id)}/invoices/{q(invoice['Id'])}/receive-payment"
    return f"""
<div class="card"><h2>Receive payment</h2>
<form method="post" action="{action}" id="receive-payment-form">
<label for="amount">Amount</label>
<input id="amount" name="amount" inputmode="decimal"
 value="{h(form.get("amount") or money(invoice.get("Balance")).replace(",", ""))}">
<label for="payment-date">Date</label>
<input id="payment-date" name="date" type="date" value="{h(form.get("date") or today)}">
<label for="payment-method">Method</label>
<select id="payment-method" name="method"><option value="">(none)</option>{methods}</select>
<label for="payment-reference">Reference</label>
<input id="payment-reference" name="reference" value="{h(form.get("reference", ""))}">
<div><button type="submit" id="receive-payment">Receive payment</button></div>
</form></div>"""


def payment_payload(invoice: dict, form) -> dict:
    amount = _amount(form.get("amount"))
    payload = {
        "CustomerRef": {"value": (invoice.get("CustomerRef") or {}).get("value")},
        "TotalAmt": str(amount),
        "Line": [
            {
                "Amount": str(amount),
                "LinkedTxn": [{"TxnId": str(invoice["Id"]), "TxnType": "Invoice"}],
            }
        ],
    }
    if form.get("date"):
        payload["TxnDate"] = form["date"]
    if form.get("method"):
        payload["PaymentMethodRef"] = {"value": form["method"]}
    if form.get("reference"):
        payload["PaymentRefNum"] = form["reference"][:21]
    return payload


def payment_detail(emulator, realm_id: str, payment: dict, form=None) -> str:
    form = form or {}
    pid = q(payment["Id"])
    base = f"/companies/{q(realm_id)}/payments/{pid}"
    applied = []
    for line in payment.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            slug = "invoices" if linked.get("TxnType") == "Invoice" else None
            label = f"{linked.get('TxnType')} {linked.get('TxnId')}"
            cell = link(realm_id, slug, linked.get("TxnId"), label) if slug else h(label)
            applied.append([cell, money(line.get("Amount"))])
    body = f"<h1>Payment {h(payment['Id'])}</h1>" + summary(
        [
            ("Customer", h(ref_name(payment.get("CustomerRef")))),
            ("Date", h(payment.get("TxnDate"))),
            ("Amount", f'<span id="payment-total">{money(payment.get("TotalAmt"))}</span>'),
            ("Unapplied", money(payment.get("UnappliedAmt"))),
            ("Method", h(ref_name(payment.get("PaymentMethodRef")))),
            ("Reference", h(payment.get("PaymentRefNum", ""))),
            ("Status", badge("voided" if is_voided(payment) else "received")),
            ("Note", h(payment.get("PrivateNote", ""))),
        ]
    )
    body += "<h2>Applied to</h2>" + table(
        ["Transaction", "Amount"],
        applied,
        numeric={1},
        table_id="applied",
        empty="Not applied to anything.",
    )
    if not is_voided(payment):
        amount = form.get("amount") or money(payment.get("TotalAmt")).replace(",", "")
        body += f"""
<div class="card"><h2>Edit amount</h2>
<form method="post" action="{base}/amount" id="edit-payment-form">
<label for="amount">Amount</label><input id="amount" name="amount" value="{h(amount)}">
<div><button type="submit" id="save-amount">Save amount</button></div></form></div>
<form method="post" action="{base}/void" class="inline">
<button type="submit" id="void-payment" class="danger">Void payment</button></form>"""
    body += f"""
<form method="post" action="{base}/delete" class="inline">
<button type="submit" id="delete-payment" class="danger">Delete payment</button></form>"""
    return body


def routes(emulator) -> list[Route]:
    store = emulator.store

    def _not_found(exc):
        return HTMLResponse(page("Not found", messages(error=_error_text(exc))), status_code=404)

    async def receive(request: Request):
        realm_id, invoice_id = request.path_params["realm_id"], request.path_params["invoice_id"]
        form = await request.form()
        try:
            invoice = store.get_entity(realm_id, "Invoice", invoice_id)
        except QBOError as exc:
            return _not_found(exc)
        try:
            payment = store.create_entity(realm_id, "Payment", payment_payload(invoice, form))
        except (QBOError, ValueError) as exc:
            body = (
                f"<h1>Invoice {h(invoice.get('DocNumber') or invoice['Id'])}</h1>"
                + txn_detail(realm_id, "invoices", invoice)
                + receive_payment_form(emulator, realm_id, invoice, form)
            )
            html = company_page(
                emulator, realm_id, "invoices", "Receive payment", body, error=_error_text(exc)
            )
            return HTMLResponse(html, status_code=400)
        notice = f"Payment {payment['Id']} of {money(payment.get('TotalAmt'))} received."
        return RedirectResponse(
            f"/companies/{q(realm_id)}/invoices/{q(invoice_id)}?notice={q(notice)}", 303
        )

    async def show(request: Request):
        realm_id, payment_id = request.path_params["realm_id"], request.path_params["payment_id"]
        try:
            payment = store.get_entity(realm_id, "Payment", payment_id)
            html = company_page(
                emulator,
                realm_id,
                "payments",
                f"Payment {payment_id}",
                payment_detail(emulator, realm_id, payment),
                notice=request.query_params.get("notice"),
            )
        except (QBOError, NotFound) as exc:
            return _not_found(exc)
        return HTMLResponse(html)

    async def change(request: Request):
        realm_id, payment_id = request.path_params["realm_id"], request.path_params["payment_id"]
        action = request.path_params["action"]
        if action not in ("amount", "void", "delete"):
            return HTMLResponse(
                page("Not found", messages(error="Unknown action.")), status_code=404
            )
        form = await request.form()
        try:
            payment = store.get_entity(realm_id, "Payment", payment_id)
        except QBOError as exc:
            return _not_found(exc)
        try:
            if action == "amount":
                store.update_entity(realm_id, "Payment", _amount_update(payment, form), sparse=True)
                notice = "Payment amount saved."
            elif action == "void":
                store.void_entity(realm_id, "Payment", payment_id)
                notice = "Payment voided."
            else:
                store.delete_entity(realm_id, "Payment", payment_id)
                return RedirectResponse(
                    f"/companies/{q(realm_id)}/payments?notice={q(f'Payment {payment_id} deleted.')}",
                    303,
                )
        except (QBOError, ValueError) as exc:
            html = company_page(
                emulator,
                realm_id,
                "payments",
                f"Payment {payment_id}",
                payment_detail(emulator, realm_id, payment, form),
                error=_error_text(exc),
            )
            return HTMLResponse(html, status_code=400)
        return RedirectResponse(
            f"/companies/{q(realm_id)}/payments/{q(payment_id)}?notice={q(notice)}", 303
        )

    return [
        Route(
            "/companies/{realm_id}/invoices/{invoice_id}/receive-payment", receive, methods=["POST"]
        ),
        Route("/companies/{realm_id}/payments/{payment_id}", show, methods=["GET"]),
        Route("/companies/{realm_id}/payments/{payment_id}/{action:str}", change, methods=["POST"]),
    ]


def _amount_update(payment: dict, form) -> dict:
    """A sparse update changing the total; a single applied line follows the new total."""
    amount = _amount(form.get("amount"))
    update = {
        "Id": payment["Id"],
        "SyncToken": payment["SyncToken"],
        "sparse": True,
        "TotalAmt": str(amount),
    }
    lines = payment.get("Line") or []
    if len(lines) == 1:
        update["Line"] = [{**lines[0], "Amount": str(amount)}]
    elif len(lines) > 1:
        raise ValueError(
            "This payment is applied to several transactions; change it through the API."
        )
    return update
