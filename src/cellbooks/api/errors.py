"""One error shape for the whole API.

Every refusal of a request's content (422) or of an action the record's state forbids (409) is::

    {"detail": [{"loc": ["body", "devices", 2, "cost"], "msg": "...", "type": "..."}]}

``loc`` starts with where the value came from (``body``, ``query``, ``path``) and names the field.
A 409 is about the record as a whole: its ``loc`` is empty and its ``type`` is ``conflict``.
Authentication failures (401) and unknown ids in the URL (404) answer ``{"detail": "<message>"}``;
an unknown id in the body answers 404 in the list form, naming the field.
"""

from collections.abc import Sequence

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from ninja.errors import ValidationError as NinjaValidationError

Loc = Sequence[str | int]


class ApiError(Exception):
    """A refusal with a status and a list of ``{"loc", "msg", "type"}`` items."""

    def __init__(self, status: int, detail: list[dict]):
        self.status = status
        self.detail = detail
        super().__init__(status, detail)


def error_items(
    exc: DjangoValidationError, prefix: Loc = ("body",), type_: str = "invalid"
) -> list[dict]:
    """Turn a service's ``ValidationError`` into error items located under ``prefix``.

    Field errors go to ``[*prefix, field]``; errors that name no field stay at ``prefix``.
    """
    if hasattr(exc, "error_dict"):
        pairs = [(field, messages) for field, messages in exc.message_dict.items()]
    else:
        pairs = [(NON_FIELD_ERRORS, exc.messages)]
    items = []
    for field, messages in pairs:
        loc = list(prefix) if field == NON_FIELD_ERRORS else [*prefix, field]
        items.extend({"loc": loc, "msg": message, "type": type_} for message in messages)
    return items


def invalid(loc: Loc, msg: str) -> ApiError:
    return ApiError(422, [{"loc": list(loc), "msg": msg, "type": "invalid"}])


def not_found(loc: Loc, msg: str) -> ApiError:
    return ApiError(404, [{"loc": list(loc), "msg": msg, "type": "not_found"}])


def refusal_status(exc: DjangoValidationError) -> int:
    """409 when a service refused because of the record as a whole (its status, no lines yet):
    the services put those messages under no field. Anything naming a field is a 422."""
    fields = set(exc.message_dict) if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS}
    return 409 if fields == {NON_FIELD_ERRORS} else 422


def normalise_request_errors(exc: NinjaValidationError) -> list[dict]:
    """django-ninja's own request validation, in the shape above.

    Ninja puts the handler's parameter name after ``body`` (``["body", "payload", "cost"]``);
    every body here is one schema, so that name says nothing to a client and is dropped.
    """
    items = []
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        if len(loc) >= 2 and loc[0] == "body" and loc[1] == "payload":
            del loc[1]
        items.append(
            {"loc": loc, "msg": error.get("msg", ""), "type": error.get("type", "invalid")}
        )
    return items
