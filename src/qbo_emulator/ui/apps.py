"""The Apps page (connected apps, Disconnect) and the webhook delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from .common import NotFound, badge, company_page
from .html import h, messages, page, q, table


def _when(ts) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else ""


def apps_body(emulator, realm_id: str) -> str:
    rows = []
    for app in emulator.auth.connections(realm_id):
        cid = app["client_id"]
        button = (
            f'<form method="post" action="/companies/{q(realm_id)}/apps/{q(cid)}/disconnect" class="inline">'
            f'<button type="submit" class="danger" id="disconnect-{h(cid)}" '
            f'aria-label="Disconnect {h(app.get("name") or cid)}">Disconnect</button></form>'
        )
        rows.append(
            [
                h(app.get("name") or cid),
                f"<code>{h(cid)}</code>",
                _when(app.get("connected_at")),
                h(app.get("webhook_url") or "—"),
                h(app.get("webhook_format")),
                button,
            ]
        )
    return "<h1>Apps</h1>" + table(
        ["App", "Client ID", "Connected", "Webhook URL", "Format", ""],
        rows,
        table_id="apps",
        empty="No apps are connected to this company.",
    )


def log_table(entries: list[dict], *, show_realm: bool = True) -> str:
    rows = []
    for e in reversed(entries):  # newest first
        status = f"{e['status']}" if e.get("status") is not None else ""
        detail = (
            f"<details><summary>{h(len(e.get('events') or []))} event(s)</summary>"
            f"<p>{h(', '.join(e.get('events') or []))}</p>"
            f'<p class="muted">{h(e.get("error") or "")}</p><pre>{h(e.get("body"))}</pre></details>'
        )
        row = [h(e["time"][:19].replace("T", " ")), h(e.get("client_id"))]
        if show_realm:
            row.append(h(e.get("realm_id")))
        row += [
            h(e.get("attempt")),
            badge(e["outcome"]),
            h(status),
            h(e["duration_ms"]) if e.get("duration_ms") is not None else "",
            detail,
        ]
        rows.append(row)
    headers = [
        "Time",
        "App",
        *(["Realm"] if show_realm else []),
        "Attempt",
        "Outcome",
        "HTTP",
        "ms",
        "Body",
    ]
    return table(headers, rows, table_id="webhook-log", empty="No webhook deliveries yet.")


def routes(emulator) -> list[Route]:
    async def apps_page(request: Request):
        realm_id = request.path_params["realm_id"]
        try:
            html = company_page(
                emulator,
                realm_id,
                "apps",
                "Apps",
                apps_body(emulator, realm_id),
                notice=request.query_params.get("notice"),
            )
        except NotFound as exc:
            return HTMLResponse(page("Not found", messages(error=str(exc))), status_code=404)
        return HTMLResponse(html)

    async def disconnect(request: Request):
        realm_id, client_id = request.path_params["realm_id"], request.path_params["client_id"]
        app = emulator.auth.disconnect(client_id, realm_id)
        emulator.schedule_save()
        # Intuit revokes the tokens and sends the *browser* to the app's Disconnect URL
        # (docs/intuit-api.md §7.4).
        if app and app.get("disconnect_url"):
            url = app["disconnect_url"]
            sep = "&" if "?" in url else "?"
            return RedirectResponse(f"{url}{sep}{urlencode({'realmId': realm_id})}", 303)
        notice = f"{(app or {}).get('name') or client_id} disconnected."
        return RedirectResponse(f"/companies/{q(realm_id)}/apps?notice={q(notice)}", 303)

    async def company_log(request: Request):
        realm_id = request.path_params["realm_id"]
        body = "<h1>Webhook deliveries</h1>" + log_table(
            emulator.webhooks.log(realm_id=realm_id), show_realm=False
        )
        try:
            return HTMLResponse(company_page(emulator, realm_id, "webhooks", "Webhooks", body))
        except NotFound as exc:
            return HTMLResponse(page("Not found", messages(error=str(exc))), status_code=404)

    async def global_log(request: Request):
        enabled = emulator.settings.webhooks_enabled
        state = (
            ""
            if enabled
            else '<p class="error">Webhooks are disabled: events are logged as skipped.</p>'
        )
        body = "<h1>Webhook deliveries</h1>" + state + log_table(emulator.webhooks.log())
        return HTMLResponse(page("Webhook deliveries", body))

    return [
        Route("/webhooks", global_log, methods=["GET"]),
        Route("/companies/{realm_id}/apps", apps_page, methods=["GET"]),
        Route("/companies/{realm_id}/apps/{client_id}/disconnect", disconnect, methods=["POST"]),
        Route("/companies/{realm_id}/webhooks", company_log, methods=["GET"]),
    ]
