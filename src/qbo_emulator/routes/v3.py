"""The Accounting API's routes: Intuit's /v3/company/{realmId}/... URL shapes and their handlers.

Every /v3 request goes through ``V3Pipeline.run``:
1. latency (settings.latency_ms, scaled by time_scale);
2. the bearer token (``emulator.auth.authenticate``) -> the gateway-style 401 body;
3. rate limits -> 429 with the XML body (code 3001);
4. ``requestid`` replay: the same requestid in a realm gets the stored response back;
5. the handler, whose ``QBOError`` becomes the service ``Fault`` envelope.
Connection-level faults (resets, delays) happen one level up, in ``middleware.py``, which sees
uvicorn's raw ``receive``/``send`` and so can drop the TCP connection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import batch, errors, pdf
from ..auth.state import AuthError
from ..entities import find_entity_type
from ..jsonutil import dumps, loads
from ..writes import write_entity
from . import uploads

JSON_TYPE = "application/json;charset=UTF-8"
logger = logging.getLogger("qbo_emulator")


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type=JSON_TYPE, headers=headers)


def qbo_headers() -> dict:
    # Every answer carries an intuit_tid that Intuit support uses for tracing
    # (docs/intuit-api.md §1.2).
    return {"intuit_tid": f"1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"}


class V3Pipeline:
    def __init__(self, emulator):
        self.emulator = emulator

    def fault_body(self, realm_id: str, error: errors.QBOError) -> dict:
        return {"Fault": error.fault(), "time": self.emulator.store.time(realm_id)}

    def envelope(self, realm_id: str, body: dict) -> dict:
        return {**body, "time": self.emulator.store.time(realm_id)}

    async def run(self, request: Request, handler: Callable, *, batch: bool = False) -> Response:
        emulator = self.emulator
        realm_id = request.path_params["realm"]
        settings = emulator.settings
        if settings.latency_ms > 0:
            await asyncio.sleep(settings.latency_ms / 1000.0 / max(settings.time_scale, 1e-9))

        token = bearer_token(request)
        try:
            grant = emulator.auth.authenticate(token, realm_id)
        except AuthError as exc:
            detail = str(exc) or "Token invalid"
            now_ms = int(emulator.clock.now().timestamp() * 1000)
            return json_response(errors.gateway_401_body(detail, now_ms), 401, qbo_headers())

        client_id = getattr(grant, "client_id", "") or ""
        if emulator.limits.throttled(realm_id, client_id, batch=batch):
            return throttle_response(emulator, realm_id)

        # Read the body before looking up the requestid: from the lookup to ``remember`` nothing
        # awaits, so two concurrent requests with one requestid cannot both miss the cache.
        raw = await request.body()
        request_id = request.query_params.get("requestid")
        if request_id:
            cached = emulator.store.replay(realm_id, request_id)
            if cached is not None:
                # Intuit: "the service sends the same response as it did for the original
                # request" — whatever this request's body says (docs/emulator.md).
                return Response(
                    cached["body"],
                    status_code=cached["status"],
                    media_type=cached.get("media_type", JSON_TYPE),
                    headers=qbo_headers(),
                )

        try:
            status, body = handler(request, realm_id, raw)
        except errors.QBOError as error:
            status, body = error.status, self.fault_body(realm_id, error)
        except Exception:  # noqa: BLE001 - a bug must still answer in QBO's shape
            logger.exception("unhandled error in %s %s", request.method, request.url.path)
            status, body = 500, self.fault_body(realm_id, errors.system_error())
        if isinstance(body, Response):
            response = body
        else:
            response = json_response(body, status, qbo_headers())
        if request_id and status < 500 and emulator.store.has_realm(realm_id):
            # 401/429/5xx never reached the service, so they are not remembered.
            emulator.store.remember(
                realm_id,
                request_id,
                {
                    "status": response.status_code,
                    "body": response.body.decode("latin-1")
                    if response.media_type == "application/pdf"
                    else response.body.decode(),
                    "media_type": response.media_type,
                },
            )
        return response


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def throttle_response(emulator, realm_id: str) -> Response:
    # [U] Retry-After is not documented by Intuit; we do not send it (docs/emulator.md).
    return Response(
        errors.throttle_xml(emulator.store.time(realm_id)),
        status_code=429,
        media_type="application/xml",
        headers=qbo_headers(),
    )


# --- /v3 handlers ----------------------------------------------------------------------------


def parse_body(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.unsupported_operation(
            "Unsupported Operation: the request body is not UTF-8"
        ) from None
    try:
        data = loads(text) if text.strip() else {}
    except ValueError as exc:
        raise errors.QBOError(
            400,
            2010,
            "Request has invalid or unsupported property",
            f"Request body is not valid JSON: {exc}",
        ) from None
    if not isinstance(data, dict):
        raise errors.QBOError(
            400,
            2010,
            "Request has invalid or unsupported property",
            "Request body must be a JSON object",
        )
    return data


def includes(request: Request) -> tuple[str, ...]:
    values = []
    for value in request.query_params.getlist("include"):
        values.extend(v.strip().lower() for v in value.split(",") if v.strip())
    return tuple(values)


def statement_from_request(request, raw: bytes) -> str:
    """GET ?query=..., or POST with the statement as the body (Content-Type application/text)."""
    statement = request.query_params.get("query")
    if statement is None and request.method == "POST":
        statement = raw.decode("utf-8", "replace")
    if not statement or not statement.strip():
        raise errors.query_parse_error('Encountered "<EOF>" at line 1, column 1.')
    return statement


def routes(emulator) -> list[Route]:
    pipeline = V3Pipeline(emulator)
    store = emulator.store

    def entity_post(request: Request, realm_id: str, raw: bytes):
        name = request.path_params["entity"]
        et = find_entity_type(name)
        if et is None:
            raise errors.resource_not_found(request.url.path)
        body = parse_body(raw)
        record = write_entity(
            store,
            realm_id,
            et.name,
            body,
            operation=request.query_params.get("operation", ""),
            include=includes(request),
        )
        return 200, pipeline.envelope(realm_id, {et.wire_name: record})

    def entity_get(request: Request, realm_id: str, raw: bytes):
        et = find_entity_type(request.path_params.get("entity", "Preferences"))
        if et is None:
            raise errors.resource_not_found(request.url.path)
        entity_id = request.path_params.get("id", "1")
        if et.name == "CompanyInfo":
            entity_id = "1"  # read as /companyinfo/{realmId}
        return 200, pipeline.envelope(
            realm_id, {et.wire_name: store.get_entity(realm_id, et.name, entity_id)}
        )

    def query(request: Request, realm_id: str, raw: bytes):
        statement = statement_from_request(request, raw)
        return 200, pipeline.envelope(realm_id, {"QueryResponse": store.query(realm_id, statement)})

    def batch_handler(request: Request, realm_id: str, raw: bytes):
        return 200, pipeline.envelope(
            realm_id, batch.run_batch(emulator, realm_id, parse_body(raw))
        )

    def cdc_handler(request: Request, realm_id: str, raw: bytes):
        params = request.query_params
        result = store.cdc(realm_id, params.get("entities", ""), params.get("changedSince", ""))
        return 200, pipeline.envelope(realm_id, {"CDCResponse": result})

    def pdf_handler(request: Request, realm_id: str, raw: bytes):
        et = find_entity_type(request.path_params["entity"])
        if et is None or et.name not in pdf.PDF_ENTITIES:
            raise errors.resource_not_found(request.url.path)
        record = store.get_entity(realm_id, et.name, request.path_params["id"])
        content = pdf.render(store.company(realm_id), et.name, record)
        return 200, Response(content, media_type="application/pdf", headers=qbo_headers())

    def send_handler(request: Request, realm_id: str, raw: bytes):
        et = find_entity_type(request.path_params["entity"])
        if et is None or et.name not in pdf.PDF_ENTITIES:
            raise errors.resource_not_found(request.url.path)
        record = pdf.send(
            store, realm_id, et.name, request.path_params["id"], request.query_params.get("sendTo")
        )
        return 200, pipeline.envelope(realm_id, {et.name: record})

    def report_handler(request: Request, realm_id: str, raw: bytes):
        # Reports answer the report itself, without an envelope.
        return 200, store.report(
            realm_id, request.path_params["report"], dict(request.query_params)
        )

    def tax_service_handler(request: Request, realm_id: str, raw: bytes):
        # TaxService answers its bare object (no envelope), as QBO does.
        return 200, store.create_tax_code(realm_id, parse_body(raw))

    def exchange_rate_get(request: Request, realm_id: str, raw: bytes):
        params = request.query_params
        record = store.get_exchange_rate(
            realm_id, params.get("sourcecurrencycode", ""), params.get("asofdate")
        )
        return 200, pipeline.envelope(realm_id, {"ExchangeRate": record})

    def upload_handler(request: Request, realm_id: str, raw: bytes):
        files = uploads.parse_multipart(request.headers.get("content-type", ""), raw)
        results = store.upload(realm_id, files)
        return 200, pipeline.envelope(
            realm_id, {"AttachableResponse": [{"Attachable": r} for r in results]}
        )

    def download_handler(request: Request, realm_id: str, raw: bytes):
        # QBO answers the file's temporary download URL as plain text.
        record, _ = store.file(realm_id, request.path_params["id"])
        return 200, Response(record["TempDownloadUri"], media_type="text/plain")

    def wrap(handler, *, is_batch: bool = False):
        async def endpoint(request: Request) -> Response:
            return await pipeline.run(request, handler, batch=is_batch)

        return endpoint

    base = "/v3/company/{realm}"
    return [
        Route(f"{base}/query", wrap(query), methods=["GET", "POST"]),
        Route(f"{base}/batch", wrap(batch_handler, is_batch=True), methods=["POST"]),
        Route(f"{base}/cdc", wrap(cdc_handler), methods=["GET", "POST"]),
        Route(f"{base}/preferences", wrap(entity_get), methods=["GET"], name="preferences"),
        Route(f"{base}/reports/{{report}}", wrap(report_handler), methods=["GET"]),
        Route(f"{base}/taxservice/taxcode", wrap(tax_service_handler), methods=["POST"]),
        Route(f"{base}/exchangerate", wrap(exchange_rate_get), methods=["GET"]),
        Route(f"{base}/upload", wrap(upload_handler), methods=["POST"]),
        Route(f"{base}/download/{{id}}", wrap(download_handler), methods=["GET"]),
        Route(f"{base}/{{entity}}", wrap(entity_post), methods=["POST"]),
        Route(f"{base}/{{entity}}/{{id}}", wrap(entity_get), methods=["GET"]),
        Route(f"{base}/{{entity}}/{{id}}/pdf", wrap(pdf_handler), methods=["GET"]),
        Route(f"{base}/{{entity}}/{{id}}/send", wrap(send_handler), methods=["POST"]),
    ]
