"""The home page: companies, and a form to create one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from ..errors import QBOError
from .common import realm_of
from .html import h, messages, page, q, table

PLANS = ("simple_start", "essentials", "plus", "advanced")


def _company_rows(companies: list[dict]) -> list[list[str]]:
    rows = []
    for c in companies:
        realm = realm_of(c)
        po = c.get("purchase_orders_enabled")
        rows.append(
            [
                f'<a href="/companies/{q(realm)}/invoices">{h(c.get("name"))}</a>',
                f"<code>{h(realm)}</code>",
                h(c.get("plan", "")),
                "on" if po else "off",
            ]
        )
    return rows


def render_home(emulator, *, error: str | None = None, form=None) -> str:
    form = form or {}
    companies = emulator.store.companies()
    options = "".join(
        f'<option value="{p}"{" selected" if form.get("plan", "plus") == p else ""}>{p}</option>'
        for p in PLANS
    )
    listing = table(
        ["Name", "Realm ID", "Plan", "Purchase orders"],
        _company_rows(companies),
        table_id="companies",
        empty="No companies yet.",
    )
    body = f"""
<h1>Companies</h1>
{listing}
<div class="card"><h2>Create a company</h2>{messages(error=error)}
<form method="post" action="/companies" id="create-company">
<label for="company-name">Name</label>
<input id="company-name" name="name" required value="{h(form.get("name", ""))}">
<label for="company-plan">Plan</label><select id="company-plan" name="plan">{options}</select>
<label><input type="checkbox" name="purchase_orders_enabled" value="1"
{" checked" if not form or form.get("purchase_orders_enabled") else ""}
style="min-width:0"> Purchase orders enabled</label>
<label><input type="checkbox" name="sample_data" value="1" id="sample-data"
{" checked" if form.get("sample_data") else ""}
style="min-width:0"> Sample data, like Intuit's sandbox company</label>
<button type="submit">Create company</button>
</form></div>"""
    return page("Companies", body)


def routes(emulator) -> list[Route]:
    async def home(request: Request):
        return HTMLResponse(render_home(emulator))

    async def create(request: Request):
        form = await request.form()
        name = (form.get("name") or "").strip()
        plan = form.get("plan") or "plus"
        if not name or plan not in PLANS:
            return HTMLResponse(
                render_home(emulator, error="Give a name and a plan.", form=form), 400
            )
        try:
            realm = emulator.store.create_company(
                name=name,
                plan=plan,
                purchase_orders_enabled=bool(form.get("purchase_orders_enabled")),
                sample_data=bool(form.get("sample_data")),
            )
        except (QBOError, ValueError) as exc:
            message = getattr(exc, "detail", None) or str(exc)
            return HTMLResponse(render_home(emulator, error=message, form=form), 400)
        return RedirectResponse(f"/companies/{q(realm)}/invoices", status_code=303)

    return [
        Route("/", home, methods=["GET"]),
        Route("/companies", create, methods=["POST"]),
    ]
