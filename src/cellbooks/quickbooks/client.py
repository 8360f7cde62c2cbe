"""The adapter (client): the only code in Cellbooks that speaks HTTP to the QuickBooks Accounting API.

It knows URLs, envelopes, faults, ``requestid``, batch and CDC; it parses money as Decimal; it turns
every failure into a typed error (errors.py). It refreshes the access token at most once per request,
after a 401.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from . import ratelimit, tokens
from .config import MINOR_VERSION, QBOConfig, load_config
from .errors import (
    AuthorizationLostError,
    NotFoundError,
    PermanentError,
    QBOError,
    RetryableError,
    StaleObjectError,
    ThrottledError,
    UnknownOutcomeError,
)
from .models import Connection
from .transport import tls_context

_XML_CODE = re.compile(r'<Error[^>]*code="(\d+)"')
_XML_DETAIL = re.compile(r"<Detail>(.*?)</Detail>", re.S)
_XML_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.S)


def quote(value: str) -> str:
    """Quote a string literal for the QBO query language (backslash escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


REQUESTID_MAX = 50
KIND_SHORT = {"invoice": "inv", "purchase_order": "po", "customer": "cus", "vendor": "ven"}


def requestid_for(
    *, company_id: int, kind: str, local_id: int, version: str, extra: str = ""
) -> str:
    """A write's ``requestid``: the same for the same record and version, so a retry is answered
    with QBO's stored response instead of making a duplicate (≤ 50 characters, QBO's limit)."""
    short = KIND_SHORT.get(kind, kind[:3])
    return f"cb{company_id}-{short}{local_id}-{version[:16]}{extra}"[:REQUESTID_MAX]


@dataclass
class Call:
    """What one HTTP call did, for the attempt log."""

    method: str
    path: str
    status: int | None
    duration_ms: int
    requestid: str
    intuit_tid: str = ""


class QBOClient:
    def __init__(
        self,
        connection: Connection,
        *,
        config: QBOConfig | None = None,
        http: httpx.Client | None = None,
    ):
        self.connection_id = connection.pk
        self.realm_id = connection.realm_id
        self.config = config or load_config()
        self.http = http or httpx.Client(
            timeout=httpx.Timeout(self.config.timeout, connect=5.0), verify=tls_context()
        )
        self.calls: list[Call] = []
        self._batch_slot = False  # room for one batch call already taken (take_batch_slot)

    def take_batch_slot(self, *, wait: bool = False) -> bool:
        """Take room for a batch call in the realm's rate windows (the next ``batch()`` spends it
        instead of waiting): waits for the request windows, but answers False at once while the
        batch budget (40 calls a minute) is used up — or, with ``wait``, waits for it too (up to
        two minutes)."""
        if not self._batch_slot:
            try:
                self._batch_slot = ratelimit.acquire(
                    self.realm_id, batch=True, unless_batch_full=not wait
                )
            except TimeoutError:
                return False
        return self._batch_slot

    def close(self):
        if self._batch_slot:  # taken and never used: it stops counting a window from now
            ratelimit.landed(self.realm_id, self._batch_slot, batch=True)
            self._batch_slot = False
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- entity operations ------------------------------------------------------------------
    def read(self, entity: str, entity_id: str) -> dict:
        return self.request("GET", f"{entity.lower()}/{entity_id}")[entity]

    def create(self, entity: str, payload: dict, *, requestid: str | None = None) -> dict:
        return self.request("POST", entity.lower(), json_body=payload, requestid=requestid)[entity]

    def update(
        self, entity: str, payload: dict, *, sparse: bool = True, requestid: str | None = None
    ) -> dict:
        body = {**payload, "sparse": sparse}
        return self.request("POST", entity.lower(), json_body=body, requestid=requestid)[entity]

    def delete(
        self, entity: str, entity_id: str, sync_token: str, *, requestid: str | None = None
    ) -> dict:
        return self.request(
            "POST",
            entity.lower(),
            params={"operation": "delete"},
            json_body={"Id": entity_id, "SyncToken": sync_token},
            requestid=requestid,
        )

    def void_invoice(
        self, invoice_id: str, sync_token: str, *, requestid: str | None = None
    ) -> dict:
        return self.request(
            "POST",
            "invoice",
            params={"operation": "void"},
            json_body={"Id": invoice_id, "SyncToken": sync_token},
            requestid=requestid,
        )["Invoice"]

    def query(self, statement: str) -> dict:
        return self.request("GET", "query", params={"query": statement})["QueryResponse"]

    def query_all(self, entity: str, where: str = "", *, page_size: int = 1000) -> list[dict]:
        """Every row of a query, page by page."""
        rows: list[dict] = []
        start = 1
        while True:
            statement = f"SELECT * FROM {entity}{' WHERE ' + where if where else ''} STARTPOSITION {start} MAXRESULTS {page_size}"
            page = self.query(statement).get(entity, [])
            rows.extend(page)
            if len(page) < page_size:
                return rows
            start += page_size

    def company_info(self) -> dict:
        return self.request("GET", f"companyinfo/{self.realm_id}")["CompanyInfo"]

    def preferences(self) -> dict:
        return self.request("GET", "preferences")["Preferences"]

    def batch(self, items: list[dict], *, requestid: str | None = None) -> list[dict]:
        body = {"BatchItemRequest": items}
        return self.request("POST", "batch", json_body=body, requestid=requestid)[
            "BatchItemResponse"
        ]

    def cdc(self, entities: list[str], changed_since: str) -> list[dict]:
        response = self.request(
            "GET", "cdc", params={"entities": ",".join(entities), "changedSince": changed_since}
        )
        return response["CDCResponse"]

    # ---- transport --------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.config.api_base}/v3/company/{self.realm_id}/{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json_body: Any = None,
        requestid: str | None = None,
    ) -> dict:
        """Send one request; refresh the token and retry once after a 401; raise typed errors."""
        params = {**(params or {}), "minorversion": MINOR_VERSION}
        if method == "POST":
            params["requestid"] = requestid or uuid.uuid4().hex
        content = json.dumps(json_body, default=_json_default) if json_body is not None else None
        token, generation = tokens.access_token(self.connection_id, config=self.config)
        response = self._send(method, path, params, content, token)
        if response.status_code == 401:
            token, _ = tokens.refresh(
                self.connection_id, stale_generation=generation, config=self.config
            )
            response = self._send(method, path, params, content, token)
            if response.status_code == 401:
                connection = Connection.objects.get(pk=self.connection_id)
                tokens.mark_needs_reconnect(
                    connection, reason="QuickBooks rejected fresh credentials (401)."
                )
                raise AuthorizationLostError(**_fault_fields(response))
        return _parse(response)

    def _send(self, method, path, params, content, token) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if content is not None:
            headers["Content-Type"] = "application/json"
        batch = path == "batch"
        if batch and self._batch_slot:
            ticket, self._batch_slot = self._batch_slot, False  # taken by take_batch_slot
        else:
            ticket = ratelimit.acquire(self.realm_id, batch=batch)
        started = time.monotonic()
        status = None
        response = None
        try:
            response = self.http.request(
                method, self.url(path), params=params, content=content, headers=headers
            )
            status = response.status_code
            return response
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # Nothing reached QuickBooks: safe to retry.
            raise RetryableError(f"Could not reach QuickBooks ({exc.__class__.__name__}).") from exc
        except httpx.HTTPError as exc:
            # The request may have been applied: the caller must look before writing again.
            raise UnknownOutcomeError(
                f"The connection to QuickBooks was lost before it answered ({exc.__class__.__name__}).",
                hint="Cellbooks checks QuickBooks for the document before trying again, so nothing is duplicated.",
            ) from exc
        finally:
            ratelimit.landed(self.realm_id, ticket, batch=batch)
            self.calls.append(
                Call(
                    method=method,
                    path=path,
                    status=status,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    requestid=params.get("requestid", ""),
                    intuit_tid=response.headers.get("intuit_tid", "")
                    if response is not None
                    else "",
                )
            )


def _json_default(value):
    """QBO wants money as JSON numbers. A Decimal of at most 15 significant digits converts to a
    double whose shortest repr is that same decimal (IEEE 754 guarantees 15 digits round-trip), so
    json writes exactly our amount; anything longer is refused rather than silently rounded."""
    if isinstance(value, Decimal):
        if len(value.as_tuple().digits) > 15:
            raise ValueError(f"{value} has more digits than QuickBooks accepts")
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _fault_fields(response: httpx.Response) -> dict:
    """code/message/detail from a JSON Fault, a gateway fault, or the XML throttle body."""
    text = response.text
    try:
        body = json.loads(text, parse_float=Decimal)
    except ValueError:
        code = _XML_CODE.search(text)
        return {
            "code": code.group(1) if code else "",
            "message": _strip(_XML_MESSAGE.search(text))
            or f"QuickBooks answered HTTP {response.status_code}",
            "detail": _strip(_XML_DETAIL.search(text)),
            "status": response.status_code,
        }
    fault = (body.get("Fault") or body.get("fault") or {}) if isinstance(body, dict) else {}
    errors = fault.get("Error") or fault.get("error") or []
    first = errors[0] if errors else {}
    return {
        "code": str(first.get("code", "")),
        "message": first.get("Message")
        or first.get("message")
        or f"QuickBooks answered HTTP {response.status_code}",
        "detail": first.get("Detail") or first.get("detail") or "",
        "element": first.get("element") or "",
        "status": response.status_code,
        "errors": errors,
    }


def _strip(match) -> str:
    return match.group(1).strip() if match else ""


def error_for(response: httpx.Response) -> QBOError:
    fields = _fault_fields(response)
    status = response.status_code
    code = fields["code"]
    if status == 429 or code == "3001":
        return ThrottledError(**fields)
    if status >= 500:
        return RetryableError(**fields)
    if code == "5010":
        return StaleObjectError(**fields)
    if code == "610" and response.request.method == "GET":
        return NotFoundError(**fields)
    if status in (401, 403):
        return AuthorizationLostError(**fields)
    return PermanentError(**fields)


def _parse(response: httpx.Response) -> dict:
    if response.status_code != 200:
        raise error_for(response)
    if "json" not in response.headers.get("content-type", "json"):
        raise RetryableError(
            f"QuickBooks answered with {response.headers.get('content-type')}, not JSON."
        )
    body = json.loads(response.text, parse_float=Decimal)
    if isinstance(body, dict) and "Fault" in body:  # a 200 may carry a Fault
        fields = {**_fault_fields(response), "status": 200}
        raise (StaleObjectError if fields["code"] == "5010" else PermanentError)(**fields)
    return body


def fault_from_item(item: dict) -> QBOError | None:
    """A batch item's Fault as a typed error, or None."""
    fault = item.get("Fault")
    if not fault:
        return None
    errors = fault.get("Error") or []
    first = errors[0] if errors else {}
    fields = {
        "code": str(first.get("code", "")),
        "message": first.get("Message", "QuickBooks refused it"),
        "detail": first.get("Detail", ""),
        "element": first.get("element", ""),
        "errors": errors,
    }
    if fields["code"] == "5010":
        return StaleObjectError(**fields)
    if fields["code"] == "3001":
        return ThrottledError(**fields)
    return PermanentError(**fields)
