"""Typed QuickBooks errors: retryable or permanent, each with QBO's code, message and detail, and a
hint a bookkeeper can act on."""

from __future__ import annotations

# Words a person can act on, by QBO error code. The adapter adds QBO's own message and detail.
HINTS = {
    "610": "Something this document uses was deleted or made inactive in QuickBooks "
    "(a customer, vendor, item or account). Reactivate it in QuickBooks or choose another in Settings.",
    "2500": "Something this document uses was made inactive in QuickBooks. Reactivate it in "
    "QuickBooks or choose another in Settings.",
    "2020": "QuickBooks needs a value Cellbooks did not send. This is a Cellbooks bug: please report it.",
    "2050": "A name or number is longer than QuickBooks allows. Shorten it and sync again.",
    "3001": "QuickBooks is limiting how fast Cellbooks may send. Cellbooks waits and tries again.",
    "3100": "QuickBooks refused access for this app. Reconnect QuickBooks from the Integrations page.",
    "3200": "QuickBooks no longer accepts Cellbooks' sign-in. Reconnect QuickBooks from the Integrations page.",
    "5010": "Someone changed this document in QuickBooks while Cellbooks was saving it. Sync again.",
    "5020": "Your QuickBooks plan does not include this feature (purchase orders need Plus or Advanced).",
    "6000": "QuickBooks refused the document. Its message below says why.",
    "6140": "QuickBooks already has a document with this number. Change the number in Cellbooks, or "
    "turn off custom transaction numbers in QuickBooks.",
    "6190": "The QuickBooks subscription is not active. Check the company's billing in QuickBooks.",
    "6210": "The books are closed for this date in QuickBooks. Change the date or ask your accountant.",
    "6240": "Another customer, vendor or employee in QuickBooks already uses this name.",
    "100": "QuickBooks could not authenticate Cellbooks. Reconnect QuickBooks from the Integrations page.",
    "120": "The QuickBooks user who connected Cellbooks no longer has access. Reconnect as an admin.",
}


class QBOError(Exception):
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        detail: str = "",
        status: int | None = None,
        element: str = "",
        hint: str = "",
        errors: list[dict] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = str(code or "")
        self.detail = detail or ""
        self.status = status
        self.element = element or ""
        self.hint = hint or HINTS.get(self.code, "")
        self.errors = errors or []

    def __str__(self):
        code = f" (QuickBooks error {self.code})" if self.code else ""
        detail = f": {self.detail}" if self.detail and self.detail != self.message else ""
        return f"{self.message}{code}{detail}"

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "detail": self.detail,
            "hint": self.hint,
            "status": self.status,
            "retryable": self.retryable,
        }


class RetryableError(QBOError):
    """Network trouble, a timeout, 429 or 5xx: try again later."""

    retryable = True


class UnknownOutcomeError(RetryableError):
    """The request may or may not have been applied (timeout or connection lost after sending)."""


class ThrottledError(RetryableError):
    pass


class PermanentError(QBOError):
    """Validation or a missing reference: retrying the same request will fail the same way."""


class StaleObjectError(PermanentError):
    """5010: the SyncToken we sent is not the current one."""


class NotFoundError(PermanentError):
    """610 on a read: the record was deleted in QuickBooks or never existed."""


class AuthorizationLostError(QBOError):
    """The connection's tokens no longer work (invalid_grant, revoked): the user must reconnect.
    Work for the company pauses rather than fails."""

    def __init__(self, message="QuickBooks needs to be reconnected.", **kwargs):
        kwargs.setdefault(
            "hint", "Reconnect QuickBooks from the Integrations page; nothing is lost meanwhile."
        )
        super().__init__(message, **kwargs)


class NotConnectedError(QBOError):
    def __init__(self, message="QuickBooks is not connected.", **kwargs):
        kwargs.setdefault("hint", "Connect QuickBooks from the Integrations page.")
        super().__init__(message, **kwargs)
