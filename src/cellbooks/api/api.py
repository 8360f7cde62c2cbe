"""The REST API: one NinjaAPI under /api/v1/, documented at /api/v1/docs."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from cellbooks.core.integrations import registry as integrations

from .auth import ApiForbidden, ApiKeyAuth, ApiThrottled, with_operation_id
from .errors import ApiError, error_items, normalise_request_errors, refusal_status
from .routers import devices, invoices, partners, payments, purchase_orders, returns

DESCRIPTION = """
Inventory of serialized devices: devices, vendors, customers, purchase orders, invoices and
payments of one company.

**Authentication.** Send `Authorization: Bearer <key>`. A key belongs to one company and sees
only that company's records. An owner creates keys in Cellbooks under *Settings → API keys* (or
with `python manage.py create_api_key <company-slug> <name> --role <role>`); the key is shown
once. A missing, unknown or revoked key answers 401; after a handful of wrong keys from one
address, that address gets 429 for a while.

**Roles.** A key has a role, as a member does: *viewer* keys read; *warehouse* keys also receive
purchase orders; *bookkeeper* and *owner* keys change documents and payments and sync. An
operation the key's role may not run answers 403 `{"detail": "<why>"}`.

**Money** is a string with at most two decimals, both ways: `"1234.50"`. A JSON number with a
fraction, or `"12.345"`, is refused (422) rather than rounded.

**Errors** are JSON:

- 422 (the request's content is refused) and 409 (the action is not allowed in the record's
  current state, e.g. receiving a received purchase order, or a payment on a draft invoice)
  answer `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`, one item per problem.
  `loc` starts with where the value came from (`body`, `query`, `path`) and names the field,
  down to the index of a device: `["body", "devices", 2, "cost"]`. A 409 is about the record
  as a whole, so its `loc` is `[]` and its `type` is `conflict`.
- 404 answers `{"detail": "Not Found"}` for an id in the URL that does not exist or belongs to
  another company; an unknown id inside the body (a vendor, customer or product) answers 404
  with the list form, its `loc` naming the field.
- 401 answers `{"detail": "Unauthorized"}`; 403 and 429 answer `{"detail": "<sentence>"}`.

**Lists** take `limit` (default 100, at most 500) and `offset`, and answer
`{"items": [...], "count": <total matching>}`.
"""


class CellbooksApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # "list_devices" rather than ninja's "cellbooks_api_routers_devices_list_devices".
        return operation.view_func.__name__


api = CellbooksApi(
    title="Cellbooks API",
    version="v1",
    description=DESCRIPTION,
    auth=ApiKeyAuth(),
)


# Every operation tells the key authentication its operation id, which the permission table keys on.
api.add_decorator(with_operation_id, mode="view")


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


api.add_router("", devices.router)
api.add_router("", partners.router)
api.add_router("", purchase_orders.router)
api.add_router("", invoices.router)
api.add_router("", payments.router)
api.add_router("", returns.router)
# Each installed integration (e.g. QuickBooks' sync operations) contributes its own routes.
for integration_router in integrations.api_routers():
    api.add_router("", integration_router)
