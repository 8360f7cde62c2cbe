"""Typed errors carrying the real QBO codes, messages and details (docs/intuit-api.md §1.5).

Every business rule raises a ``QBOError``; the HTTP layer turns it into the service ``Fault``
envelope (``{"Fault": {"Error": [...], "type": ...}, "time": ...}``). Gateway-level failures
(401, 429) have other shapes and live in ``gateway_*`` helpers at the bottom.

Where Intuit's exact wording is unknown, the text below is our best reconstruction; each such
choice is listed in docs/emulator.md ("Uncertain behaviour").
"""

from __future__ import annotations

from dataclasses import dataclass

INACTIVE_DETAIL = (
    "Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)
# The user QBO names in a stale-object detail ("You and <user> were working on this...").
STALE_USER = "QuickBooks User"


@dataclass
class ErrorItem:
    code: str
    message: str
    detail: str
    element: str | None = None

    def as_json(self) -> dict:
        return {
            "Message": self.message,
            "Detail": self.detail,
            "code": self.code,
            "element": self.element or "",
        }


class QBOError(Exception):
    """A service fault. ``status`` is the HTTP status; ``errors`` holds one or more items."""

    def __init__(
        self,
        status: int,
        code: str | int,
        message: str,
        detail: str,
        element: str | None = None,
        *,
        fault_type: str = "ValidationFault",
        more: list[ErrorItem] | None = None,
    ):
        super().__init__(f"{code} {message}: {detail}")
        self.status = status
        self.fault_type = fault_type
        self.errors = [ErrorItem(str(code), message, detail, element), *(more or [])]

    @property
    def code(self) -> str:
        return self.errors[0].code

    @property
    def message(self) -> str:
        return self.errors[0].message

    @property
    def detail(self) -> str:
        return self.errors[0].detail

    @property
    def element(self) -> str | None:
        return self.errors[0].element

    def fault(self) -> dict:
        return {"Error": [e.as_json() for e in self.errors], "type": self.fault_type}


# --- the errors the entity rules raise -------------------------------------------------------


def object_not_found(*, deleted_txn: bool = False, element: str | None = None) -> QBOError:
    detail = "Another user has deleted this transaction." if deleted_txn else INACTIVE_DETAIL
    return QBOError(400, 610, "Object Not Found", f"Object Not Found : {detail}", element)


def invalid_reference(element: str | None = None) -> QBOError:
    return QBOError(
        400, 2500, "Invalid Reference Id", f"Invalid Reference Id : {INACTIVE_DETAIL}", element
    )


def required_param(name: str) -> QBOError:
    return QBOError(
        400,
        2020,
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        name,
    )


def string_length(name: str, max_len: int, supplied: int, min_len: int = 0) -> QBOError:
    return QBOError(
        400,
        2050,
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. "
        f"Min:{min_len} Max:{max_len} supported. Supplied length:{supplied}",
        name,
    )


def invalid_characters(name: str, chars: str) -> QBOError:
    # Same code as the length rule (2050, "not supported by specification"); see docs.
    return QBOError(
        400,
        2050,
        "String length is either shorter or longer than supported by specification",
        f"{name} cannot contain {chars}",
        name,
    )


def invalid_enum(name: str, value) -> QBOError:
    return QBOError(400, 2170, "Invalid Enumeration", f"Invalid Enumeration : {value}", name)


def invalid_email(name: str) -> QBOError:
    return QBOError(
        400,
        2210,
        "Invalid Email Address format",
        "Email Address does not conform to the syntax rules of RFC 822. "
        "Supplied value:Invalid email address",
        name,
    )


def unsupported_property(detail: str, element: str | None = None) -> QBOError:
    return QBOError(
        400, 2010, "Request has invalid or unsupported property", f"Property Name:{detail}", element
    )


def stale_object() -> QBOError:
    return QBOError(
        400,
        5010,
        "Stale Object Error",
        f"Stale Object Error : You and {STALE_USER} were working on this at the same time. "
        f"{STALE_USER} finished before you did, so your work was not saved.",
        "SyncToken",
    )


def duplicate_name(
    kind: str = "customer, vendor or employee", element: str | None = None
) -> QBOError:
    return QBOError(
        400,
        6240,
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {kind} is already using this name. "
        "Please use a different name.",
        element,
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QBOError:
    return QBOError(
        400,
        6140,
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. "
        f"This number has already been used. DocNumber={doc_number} is assigned to "
        f"TxnType={txn_type} with TxnId={txn_id}",
        "DocNumber",
    )


def business_validation(specific: str, element: str | None = None) -> QBOError:
    return QBOError(
        400,
        6000,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {specific}",
        element,
    )


def permission_denied(detail: str) -> QBOError:
    # 5020 "Permission denied for feature" (old IPP list; docs/intuit-api.md §1.5 and §2.3).
    return QBOError(400, 5020, "Permission Denied Error", f"Permission Denied Error : {detail}")


def unsupported_operation(detail: str) -> QBOError:
    return QBOError(400, 500, "Unsupported Operation", detail)


def query_parse_error(detail: str) -> QBOError:
    return QBOError(400, 4000, "Error parsing query", f"QueryParserError: {detail}")


def query_validation_error(detail: str) -> QBOError:
    return QBOError(400, 4001, "Invalid query", f"QueryValidationError: {detail}")


def resource_not_found(path: str) -> QBOError:
    return QBOError(
        404,
        "404",
        "Resource not found",
        f"Operation Could not find resource for relative : {path}",
        fault_type="SystemFault",
    )


def system_error(
    detail: str = "An application error has occurred while processing your request",
) -> QBOError:
    return QBOError(
        500,
        10000,
        "An application error has occurred while processing your request",
        detail,
        fault_type="SystemFault",
    )


# --- gateway shapes (not the service Fault) ---------------------------------------------------


def gateway_401_body(detail: str, now_ms: int) -> dict:
    """The lowercase gateway body a bad/expired/revoked token gets (docs/intuit-api.md §1.5,
    code 3200)."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": None,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": now_ms,
        "status": None,
        "cdcresponse": [],
    }


THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time}">'
    '<Fault type="SERVICE"><Error code="3001">'
    "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
    "<Detail>The request limit was reached.  Try again later</Detail>"
    "</Error></Fault></IntuitResponse>"
)


def throttle_xml(time: str) -> str:
    """Throttle answers come back as XML even when JSON was asked for (docs/intuit-api.md §1.5)."""
    return THROTTLE_XML.format(time=time)
