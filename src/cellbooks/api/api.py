"""The REST API: one NinjaAPI under /api/v1/, documented at /api/v1/docs."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from cellbooks.core.integrations import registry as integrations

from . import idempotency
from .auth import ApiForbidden, ApiKeyAuth, ApiThrottled, with_operation_id
from .errors import ApiError, error_items, normalise_request_errors, refusal_status
from .routers import (
    DEFAULT_PAGE,
    MAX_PAGE,
    catalogue,
    devices,
    invoices,
    partners,
    payments,
    purchase_orders,
    returns,
)

DESCRIPTION = f"""
Inventory of serialized devices: devices, products and grades, vendors, customers, purchase
orders, invoices and payments of one company — everything its pages do — plus what the installed
integrations add (QuickBooks Online, webhooks). docs/api.md in the repository is a ten-minute
guide.

**Authentication.** Send `Authorization: Bearer <key>`. A key belongs to one company and sees
only that company's records. An owner creates keys in Cellbooks under *Settings → API keys* (or
with `python manage.py create_api_key <company-slug> <name> --role <role>`); the key is shown
once. A missing, unknown or revoked key answers 401; after a handful of wrong keys from one
address, that address gets 429 for a while.

**Roles.** A key has a role, as a member does: *viewer* keys read; *warehouse* keys also receive
purchase orders; *bookkeeper* and *owner* keys change documents and payments and sync. An
operation the key's role may not run answers 403 `{{"detail": "<why>"}}`.

**Money** is a string with at most two decimals, both ways: `"1234.50"`. Not a JSON number,
because most JSON libraries read numbers as binary floats, in which 0.10 + 0.20 is not 0.30; a
string reaches Cellbooks' decimals to the cent. A JSON number with a fraction, `"12.345"`, `"1e3"`
or more than 12 digits before the point is refused (422) rather than rounded.

**Ids** are whole numbers from 1 to 2^63-1; anything else in a path, a filter or a body answers 422
naming it. **Dates** are `YYYY-MM-DD`, from 1900-01-01 to 2999-12-31.

**Retrying safely.** Every POST takes an optional `Idempotency-Key` header (a UUID is a good one):
sent again with the same request within 24 hours, it answers what the first one answered — with
`Idempotent-Replayed: true` — instead of creating a second document; the same key with a different
request answers 409.

**Errors** are JSON:

- 422 (the request's content is refused) and 409 (the action is not allowed in the record's
  current state, e.g. receiving a received purchase order, or a payment on a draft invoice)
  answer `{{"detail": [{{"loc": [...], "msg": "...", "type": "..."}}]}}`, one item per problem.
  `loc` starts with where the value came from (`body`, `query`, `path`, `header`) and names the
  field, down to the index of a device: `["body", "devices", 2, "cost"]`. A 409 about the record
  as a whole has `loc` `[]` and `type` `conflict`.
- 404 answers `{{"detail": "Not Found"}}` for an id in the URL that does not exist or belongs to
  another company; an unknown id inside the body (a vendor, customer or product) answers 404
  with the list form, its `loc` naming the field.
- 401 answers `{{"detail": "Unauthorized"}}`; 403 and 429 answer `{{"detail": "<sentence>"}}`.
- 503 (QuickBooks operations only): QuickBooks did not answer; try again later.

**Lists** take `limit` (1 to {MAX_PAGE}, default {DEFAULT_PAGE}) and `offset` (0 or more), and answer
`{{"items": [...], "count": <total matching>}}`; the next page is `offset + limit`, the last when
`offset + limit >= count`.
"""

NUL_IN_BODY = "Text cannot contain a NUL character."


class _NulCharacter(ValueError):
    def __init__(self, loc: list):
        super().__init__(NUL_IN_BODY)
        self.loc = loc


def _find_nul(data) -> list | None:
    """Where a NUL character hides in parsed JSON (a key or a string value), if anywhere; an
    explicit stack, so depth cannot exhaust Python's recursion."""
    stack = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return list(loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return [*loc, key]
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
    return None


class CellbooksParser(Parser):
    """JSON bodies and query strings, refusing NUL characters (PostgreSQL cannot store them)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if (loc := _find_nul(data)) is not None:
            raise _NulCharacter(loc)
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise NinjaValidationError(
                    [{"loc": ["query", key], "msg": NUL_IN_BODY, "type": "text"}]
                )
        return super().parse_querydict(data, list_fields, request)


class CellbooksApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # "list_devices" rather than ninja's "cellbooks_api_routers_devices_list_devices".
        return operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, plus what applies to every POST: the Idempotency-Key header and
        the 409 it can answer."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        conflict = {
            "description": "Conflict",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorOut"}}
            },
        }
        for methods in schema["paths"].values():
            if operation := methods.get("post"):
                operation.setdefault("parameters", []).append(idempotency.HEADER_PARAMETER)
                operation["responses"].setdefault(409, conflict)
        return schema


api = CellbooksApi(
    title="Cellbooks API",
    version="v1",
    description=DESCRIPTION,
    auth=ApiKeyAuth(),
    parser=CellbooksParser(),
)
# Every operation tells the key authentication its operation id, which the permission table keys on.
api.add_decorator(with_operation_id, mode="view")
# Around that (it needs the bound run ninja gives the first decorator): Idempotency-Key on POSTs.
api.add_decorator(idempotency.idempotent, mode="view")


@api.exception_handler(ApiForbidden)
def api_forbidden(request: HttpRequest, exc: ApiForbidden) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.exception_handler(ApiThrottled)
def api_throttled(request: HttpRequest, exc: ApiThrottled) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=429)


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.detail}, status=exc.status)


@api.exception_handler(DjangoValidationError)
def service_refusal(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service said no: 422 with each message under the field it names, or 409 when the
    refusal is about the record's state (the services name no field for those)."""
    status = refusal_status(exc)
    if status == 409:
        detail = error_items(exc, prefix=(), type_="conflict")
    else:
        detail = error_items(exc, prefix=("body",))
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(NinjaValidationError)
def request_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": normalise_request_errors(exc)}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals: a body that is not JSON (its 400) is a refused body like any other,
    a 422 in the list form; the rest (401) keep their status and message."""
    if exc.status_code == 400:
        cause = exc.__cause__
        if isinstance(cause, _NulCharacter):
            item = {"loc": ["body", *cause.loc], "msg": NUL_IN_BODY, "type": "text"}
        else:
            item = {"loc": ["body"], "msg": "The body is not valid JSON.", "type": "json_invalid"}
        return api.create_response(request, {"detail": [item]}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("", devices.router)
api.add_router("", catalogue.router)
api.add_router("", partners.router)
api.add_router("", purchase_orders.router)
api.add_router("", invoices.router)
api.add_router("", payments.router)
api.add_router("", returns.router)
# Each installed integration (e.g. QuickBooks' sync operations) contributes its own routes.
for integration_router in integrations.api_routers():
    api.add_router("", integration_router)
