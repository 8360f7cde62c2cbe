"""The control plane under /_emulator (JSON): reset, companies, settings, faults, the request
log, the clock, OAuth apps and tokens, and the webhook delivery log.

Most answers go through ``jsonutil`` (Decimals stay exact numbers); apps, tokens and webhooks
answer through Starlette's ``JSONResponse``, as they always have.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import errors
from ..auth.state import DEFAULT_SCOPE
from ..jsonutil import dumps, loads


def _json(data, status: int = 200) -> Response:
    # Through our encoder so Decimals stay exact numbers.
    return Response(dumps(data), status_code=status, media_type="application/json")


async def _body(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = loads(raw)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _public_app(app: dict) -> dict:
    return {k: v for k, v in app.items() if k != "client_secret"}


def routes(emulator) -> list[Route]:
    auth = emulator.auth

    async def reset(request: Request):
        emulator.reset()
        return _json({"status": "reset"})

    async def companies(request: Request):
        if request.method == "GET":
            return _json({"companies": emulator.store.companies()})
        try:
            spec = await _body(request)
            allowed = {
                "name",
                "plan",
                "country",
                "home_currency",
                "multicurrency",
                "custom_txn_numbers",
                "purchase_orders_enabled",
                "realm_id",
                "sample_data",
            }
            unknown = set(spec) - allowed
            if unknown:
                return _error(f"unknown fields: {', '.join(sorted(unknown))}")
            if not spec.get("name"):
                return _error("name is required")
            realm_id = emulator.store.create_company(**spec)
        except (ValueError, TypeError) as exc:
            return _error(str(exc))
        return _json({"realmId": realm_id, **emulator.store.company(realm_id)}, 201)

    async def settings(request: Request):
        if request.method == "PUT":
            try:
                emulator.settings.update(await _body(request))
            except KeyError as exc:
                return _error(f"unknown setting: {exc.args[0]}")
            except (ValueError, TypeError) as exc:
                return _error(str(exc))
        return _json(emulator.settings.as_dict())

    async def faults(request: Request):
        if request.method == "POST":
            try:
                return _json(emulator.faults.add(await _body(request)), 201)
            except (ValueError, TypeError) as exc:
                return _error(str(exc))
        if request.method == "DELETE":
            emulator.faults.remove()
            return _json({"faults": []})
        return _json({"faults": emulator.faults.list()})

    async def fault_item(request: Request):
        emulator.faults.remove(int(request.path_params["rule_id"]))
        return _json({"faults": emulator.faults.list()})

    async def requests_log(request: Request):
        realm = request.query_params.get("realm")
        entries = [
            e for e in list(emulator.request_log) if realm is None or e.get("realm") == realm
        ]
        limit = request.query_params.get("limit")
        if limit:
            entries = entries[-int(limit) :]
        return _json({"requests": entries})

    async def clear_requests(request: Request):
        emulator.request_log.clear()
        return _json({"requests": []})

    async def clock(request: Request):
        if request.method == "POST":
            try:
                seconds = float((await _body(request)).get("seconds", 0))
            except (ValueError, TypeError) as exc:
                return _error(str(exc))
            emulator.clock.advance(seconds)
        return _json(
            {
                "now": emulator.clock.now().isoformat(),
                "offset_seconds": emulator.clock.offset.total_seconds(),
            }
        )

    # --- OAuth apps and tokens (docs/intuit-api.md §7; docs/emulator.md "Control plane") ---

    async def apps(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"apps": [_public_app(a) for a in auth.apps.values()]})
        try:
            spec = await request.json()
            fields = (
                "client_id client_secret redirect_uris webhook_url verifier_token "
                "webhook_format disconnect_url name"
            ).split()
            existed = auth.get_app(spec.get("client_id") or "") is not None
            app = auth.register_app(**{k: spec[k] for k in fields if k in spec})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return JSONResponse({"error": str(exc) or "invalid app"}, status_code=400)
        emulator.schedule_save()
        return JSONResponse(_public_app(app), status_code=200 if existed else 201)

    async def tokens(request: Request) -> Response:
        try:
            spec = await request.json()
            client_id, realm_id = spec["client_id"], str(spec["realm_id"])
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "client_id and realm_id are required"}, status_code=400)
        if not emulator.store.has_realm(realm_id):
            return JSONResponse({"error": f"unknown realm_id {realm_id!r}"}, status_code=404)
        try:
            body = auth.issue_tokens(client_id, realm_id, spec.get("scope") or DEFAULT_SCOPE)
        except KeyError:
            return JSONResponse({"error": f"unknown client_id {client_id!r}"}, status_code=404)
        emulator.schedule_save()
        return JSONResponse(body)

    # --- webhooks ---

    async def deliveries(request: Request) -> JSONResponse:
        params = request.query_params
        entries = emulator.webhooks.log(
            realm_id=params.get("realm_id"), client_id=params.get("client_id")
        )
        return JSONResponse({"deliveries": entries, "pending": emulator.webhooks.pending()})

    async def attachment(request: Request) -> Response:
        """An uploaded file at the temporary download URL an Attachable answers."""
        try:
            record, content = emulator.store.file(
                request.path_params["realm"],
                request.path_params["id"],
                request.query_params.get("token", ""),
            )
        except errors.QBOError:
            return _error("no such file", 404)
        name = str(record.get("FileName") or "attachment").replace('"', "")
        return Response(
            content,
            media_type=record.get("ContentType") or "application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return [
        Route("/_emulator/files/{realm}/{id}", attachment, methods=["GET"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/companies", companies, methods=["GET", "POST"]),
        Route("/_emulator/settings", settings, methods=["GET", "PUT"]),
        Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/faults/{rule_id:int}", fault_item, methods=["DELETE"]),
        Route("/_emulator/requests", requests_log, methods=["GET"]),
        Route("/_emulator/requests", clear_requests, methods=["DELETE"]),
        Route("/_emulator/clock", clock, methods=["GET", "POST"]),
        Route("/_emulator/apps", apps, methods=["GET", "POST"]),
        Route("/_emulator/tokens", tokens, methods=["POST"]),
        Route("/_emulator/webhooks", deliveries, methods=["GET"]),
    ]
