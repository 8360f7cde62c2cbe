"""The seam between the inventory and the accounting systems it can talk to.

Inventory knows no accounting system. Its pages, templates and API ask this registry for whatever
the installed integrations contribute — a panel on a document page, a column and a form on a list
page, a sentence on a void confirmation, a policy for payments typed by hand, a banner on every
page, fields and routes in the REST API — and render what comes back. An integration subclasses
``Integration``, overrides the hooks it needs (each default contributes nothing) and registers an
instance from its ``AppConfig.ready()``:

    from cellbooks.core.integrations import registry
    registry.register(QuickBooksIntegration())

Hooks receive plain values: the request, the company, and documents named by their *kind*
(``"invoice"``, ``"purchase_order"``). Inventory tells integrations what happened through its
signals (``cellbooks.inventory.signals``), never by calling them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

NOTHING = mark_safe("")


@dataclass(frozen=True)
class PaymentPolicy:
    """What an integration says about a payment typed by hand on an invoice.

    ``notice`` is shown above the payment form; when ``confirm_label`` is set, the person must
    tick a box with that label, and ``refusal`` is the error shown when they did not.
    """

    notice: str = ""
    confirm_label: str = ""
    refusal: str = ""

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.confirm_label)


@dataclass
class ListExtension:
    """What an integration adds to a list page: a form above the table and one column."""

    form: SafeString = NOTHING
    header: SafeString = NOTHING
    cells: dict[int, SafeString] = field(default_factory=dict)

    def cell(self, pk: int) -> SafeString:
        return self.cells.get(pk, NOTHING)


@dataclass(frozen=True)
class ApiField:
    """A field an integration adds to a document's API representation (e.g. ``quickbooks``)."""

    annotation: Any
    resolve: Callable[[Any], Any]  # document -> value


@dataclass(frozen=True)
class HealthCheck:
    """One line of ``/healthz``: whether it is fine, and plain facts about it."""

    ok: bool
    facts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, **self.facts}


class Integration:
    """One accounting system (or other tool). Every hook has a harmless default."""

    key: str = ""  # also the ``source`` of payments it brings in, e.g. "quickbooks"
    name: str = ""  # what people call it, e.g. "QuickBooks"
    url_prefix: str = ""  # its pages' URL names start with this (the menu highlights them)

    # What its pages (by URL name) and API operations (by operation id) need, as capabilities of
    # ``cellbooks.core.permissions`` (e.g. ``{"quickbooks_settings": INTEGRATIONS}``): every page
    # and operation an integration adds must be listed, or it is refused.
    page_permissions: dict[str, str] = {}
    api_permissions: dict[str, str] = {}
    # Pages (URL names, PUBLIC in ``page_permissions``) that another system calls, proving itself
    # by a signature over the body rather than by signing in — e.g. QuickBooks' webhook. They skip
    # the page middleware (``cellbooks.core.middleware.SignedEndpointMiddleware``).
    signed_endpoints: tuple[str, ...] = ()

    # ---- pages ----------------------------------------------------------------------------
    def card(self, request) -> SafeString:
        """Its card on the Integrations page."""
        return NOTHING

    def banner(self, request) -> SafeString:
        """A message shown at the top of every page (e.g. "needs to be reconnected")."""
        return NOTHING

    def document_panel(self, request, *, kind: str, document) -> SafeString:
        """A box on a document's page (state, actions, history)."""
        return NOTHING

    def list_extension(self, request, *, kind: str, documents: Iterable) -> ListExtension | None:
        """A form above a document list and a column in it; None when it adds nothing."""
        return None

    def void_notice(self, *, company, kind: str, document) -> str:
        """A sentence for the void confirmation page: what voiding does on its side."""
        return ""

    def change_notice(self, request, *, kind: str, document, change: str) -> str:
        """A sentence for a page that asks before changing a sent document (``change`` says
        what changes): what the change does on its side."""
        return ""

    def payment_policy(self, request, *, invoice) -> PaymentPolicy | None:
        """Rules for a payment typed by hand on ``invoice`` (None: no rule)."""
        return None

    def payment_source(self, request, *, payment) -> tuple[str, str]:
        """How to show a payment it brought in: (label, url)."""
        return (f"{self.name} payment {payment.external_id}", "")

    def payment_note(self, request, *, payment) -> SafeString:
        """A note on a payment typed in Cellbooks (e.g. where it went in this system)."""
        return NOTHING

    # ---- REST API -------------------------------------------------------------------------
    def api_fields(self, *, kind: str, detail: bool) -> dict[str, ApiField]:
        """Fields added to a document's API representation, by field name."""
        return {}

    # ---- operations -----------------------------------------------------------------------
    def health_checks(self) -> dict[str, HealthCheck]:
        """Its checks for ``/healthz``, by name (cheap: a query or two; no company named)."""
        return {}

    def restore_problems(self) -> list[str]:
        """After ``manage.py restore``: what of its data this install cannot use (e.g. secrets
        that do not decrypt with the configured key), one sentence each."""
        return []

    # A django-ninja Router with its own API operations, as a dotted path ("package.module.name"):
    # imported when the API is built, after the document schemas (with api_fields) exist.
    api_router_path: str = ""


class Registry:
    def __init__(self):
        self._integrations: dict[str, Integration] = {}

    def register(self, integration: Integration) -> Integration:
        if not integration.key:
            raise ValueError("an integration needs a key")
        self._integrations[integration.key] = integration
        return integration

    def unregister(self, key: str) -> None:
        self._integrations.pop(key, None)

    def all(self) -> list[Integration]:
        return list(self._integrations.values())

    def get(self, key: str) -> Integration | None:
        return self._integrations.get(key)

    # ---- what the inventory asks ------------------------------------------------------------
    def payment_policies(self, request, *, invoice) -> list[tuple[Integration, PaymentPolicy]]:
        policies = []
        for integration in self.all():
            policy = integration.payment_policy(request, invoice=invoice)
            if policy is not None:
                policies.append((integration, policy))
        return policies

    def void_notices(self, *, company, kind: str, document) -> list[str]:
        notices = (i.void_notice(company=company, kind=kind, document=document) for i in self.all())
        return [notice for notice in notices if notice]

    def change_notices(self, request, *, kind: str, document, change: str) -> list[str]:
        notices = (
            i.change_notice(request, kind=kind, document=document, change=change)
            for i in self.all()
        )
        return [notice for notice in notices if notice]

    def api_fields(self, *, kind: str, detail: bool) -> dict[str, ApiField]:
        fields: dict[str, ApiField] = {}
        for integration in self.all():
            fields.update(integration.api_fields(kind=kind, detail=detail))
        return fields

    def api_routers(self) -> list:
        return [import_string(i.api_router_path) for i in self.all() if i.api_router_path]

    def health_checks(self) -> dict[str, HealthCheck]:
        checks: dict[str, HealthCheck] = {}
        for integration in self.all():
            checks.update(integration.health_checks())
        return checks

    def restore_problems(self) -> list[str]:
        return [problem for i in self.all() for problem in i.restore_problems()]

    def signed_endpoints(self) -> list[str]:
        return [name for i in self.all() for name in i.signed_endpoints]

    def owns_url_name(self, url_name: str) -> bool:
        return any(i.url_prefix and url_name.startswith(i.url_prefix) for i in self.all())


registry = Registry()
