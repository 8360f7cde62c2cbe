"""The control plane under /_emulator (JSON): reset, companies, settings, faults, the request
log and the clock. Apps and tokens (POST /_emulator/apps, /_emulator/tokens) live in oauth.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .jsonutil import dumps, loads


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


def routes(emulator) -> list[Route]:
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

    return [
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/companies", companies, methods=["GET", "POST"]),
        Route("/_emulator/settings", settings, methods=["GET", "PUT"]),
        Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/faults/{rule_id:int}", fault_item, methods=["DELETE"]),
        Route("/_emulator/requests", requests_log, methods=["GET"]),
        Route("/_emulator/requests", clear_requests, methods=["DELETE"]),
        Route("/_emulator/clock", clock, methods=["GET", "POST"]),
    ]
