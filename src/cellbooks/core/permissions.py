"""Who may do what: the one table of permissions for every page and every API operation.

A person's (or an API key's) **role** in a company grants **capabilities**; every page (by its
URL name) and every API operation (by its operation id) needs exactly one capability, or is
``PUBLIC`` (no sign-in) or ``SIGNED_IN`` (a signed-in person, in a company or not).

Enforcement is central, so a new URL or operation cannot slip through unchecked:

- pages: ``cellbooks.accounts.middleware.PermissionMiddleware`` looks up the URL name of every
  request and refuses (403, with a sentence) what the role may not do; a URL name missing from
  the table is refused too;
- the API: ``cellbooks.api.auth`` checks the key's role against the operation id.

``tests/cellbooks/test_permissions.py`` walks every URL pattern and every API operation and fails,
naming what to add here, when one is missing. An integration declares its own pages and operations
through the seam (``Integration.page_permissions`` / ``api_permissions``), so this table names
none of them.

To add a page or an operation: one line in ``PAGES`` or ``API_OPERATIONS`` with the capability it
needs. To change what a role may do: ``ROLE_CAPABILITIES``.
"""

from __future__ import annotations

from django.db import models

from .integrations import registry


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    BOOKKEEPER = "bookkeeper", "Bookkeeper"
    WAREHOUSE = "warehouse", "Warehouse"
    VIEWER = "viewer", "Viewer"


ROLE_DESCRIPTIONS = {
    Role.OWNER: "Everything, including the team, API keys and the company's settings.",
    Role.BOOKKEEPER: "Purchase orders, invoices, returns, payments, partners, QuickBooks, exports "
    "and the activity log.",
    Role.WAREHOUSE: "Receives purchase orders, takes returned devices back and looks after devices "
    "(grade, location, notes); no costs, prices, credits or payments, no QuickBooks.",
    Role.VIEWER: "Sees everything, changes nothing.",
}

# ---- capabilities ---------------------------------------------------------------------------
PUBLIC = "public"  # anyone, signed in or not (the page guards itself if it needs to)
SIGNED_IN = "signed_in"  # any signed-in person, with or without a company

VIEW = "view"
STOCK = "stock"
DOCUMENTS = "documents"
PAYMENTS = "payments"
INTEGRATIONS = "integrations"
EXPORTS = "exports"
ACTIVITY = "activity"
TEAM = "team"
COMPANY = "company"

# What a refusal says a role cannot do ("Your role (Viewer) cannot <this>.").
CAPABILITIES = {
    VIEW: "see this company's records",
    STOCK: "receive purchase orders, take returned devices back or change devices",
    DOCUMENTS: "change purchase orders, invoices, returns, partners, costs or prices",
    PAYMENTS: "record or delete payments",
    INTEGRATIONS: "connect, set up or sync QuickBooks and other integrations",
    EXPORTS: "export records",
    ACTIVITY: "see the activity log",
    TEAM: "manage the team, invitations or API keys",
    COMPANY: "change the company's settings",
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(CAPABILITIES),
    Role.BOOKKEEPER: frozenset({VIEW, STOCK, DOCUMENTS, PAYMENTS, INTEGRATIONS, EXPORTS, ACTIVITY}),
    Role.WAREHOUSE: frozenset({VIEW, STOCK}),
    Role.VIEWER: frozenset({VIEW}),
}

# ---- pages, by URL name -----------------------------------------------------------------------
PAGES: dict[str, str] = {
    # signing in, first run, invitations, password reset
    "favicon": PUBLIC,
    # load balancers and monitoring: no sign-in, nothing about any company (core/health.py)
    "healthz": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "setup": PUBLIC,
    "invitation_accept": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "switch_company": SIGNED_IN,
    "company_create": SIGNED_IN,
    # the company, its team, its API keys, its activity
    "company_settings": COMPANY,
    "company_logo": VIEW,
    "team": TEAM,
    "team_invite": TEAM,
    "team_invitation_revoke": TEAM,
    "team_member_role": TEAM,
    "team_member_remove": TEAM,
    "api_keys": TEAM,
    "api_key_revoke": TEAM,
    "activity": ACTIVITY,
    "activity_export": ACTIVITY,
    "integrations": VIEW,
    # inventory
    "dashboard": VIEW,
    "device_list": VIEW,
    "device_create": DOCUMENTS,
    "device_detail": VIEW,
    "device_edit": STOCK,  # its cost and price are locked without DOCUMENTS
    "partner_list": VIEW,
    "partner_create": DOCUMENTS,
    "partner_detail": VIEW,
    "partner_edit": DOCUMENTS,
    "purchase_order_list": VIEW,
    "purchase_order_create": DOCUMENTS,
    "purchase_order_detail": VIEW,
    "purchase_order_edit": DOCUMENTS,
    "purchase_order_add_device": DOCUMENTS,
    "purchase_order_import": DOCUMENTS,
    "purchase_order_remove_line": DOCUMENTS,
    "purchase_order_receive": STOCK,
    "purchase_order_close": DOCUMENTS,
    "purchase_order_void": DOCUMENTS,
    "purchase_order_delete": DOCUMENTS,
    "invoice_list": VIEW,
    "invoice_create": DOCUMENTS,
    "invoice_detail": VIEW,
    "invoice_edit": DOCUMENTS,
    "invoice_add_devices": DOCUMENTS,
    "invoice_line_price": DOCUMENTS,
    "invoice_remove_line": DOCUMENTS,
    "invoice_open": DOCUMENTS,
    "invoice_void": DOCUMENTS,
    "invoice_delete": DOCUMENTS,
    "invoice_record_payment": PAYMENTS,
    "invoice_delete_payment": PAYMENTS,
    # customer returns: the warehouse takes the devices back and says what happens to each
    # (restock, repair, scrap…); the credit, the refund and completing them are money.
    "return_list": VIEW,
    "return_detail": VIEW,
    "return_print": VIEW,
    "return_create": DOCUMENTS,
    "return_edit": DOCUMENTS,
    "return_add_devices": STOCK,
    "return_line_update": STOCK,
    "return_line_remove": STOCK,
    "return_complete": DOCUMENTS,
    "return_void": DOCUMENTS,
    "return_delete": DOCUMENTS,
    # vendor returns: the warehouse picks the devices that go back; credits are money.
    "vendor_return_list": VIEW,
    "vendor_return_detail": VIEW,
    "vendor_return_print": VIEW,
    # Documents, exports and reports (what leaves Cellbooks every day)
    "invoice_pdf": VIEW,
    "invoice_packing_list_pdf": VIEW,
    "purchase_order_pdf": VIEW,
    "partner_statement_pdf": VIEW,
    "price_sheet": VIEW,
    "price_sheet_pdf": VIEW,
    "price_sheet_set_price": DOCUMENTS,
    "margin_report": VIEW,
    "receivables": VIEW,
    "device_export": EXPORTS,
    "purchase_order_export": EXPORTS,
    "invoice_export": EXPORTS,
    "partner_export": EXPORTS,
    "price_sheet_export": EXPORTS,
    "margin_export": EXPORTS,
    "receivables_export": EXPORTS,
    "vendor_return_create": DOCUMENTS,
    "vendor_return_edit": DOCUMENTS,
    "vendor_return_add_devices": STOCK,
    "vendor_return_line_credit": DOCUMENTS,
    "vendor_return_line_remove": STOCK,
    "vendor_return_complete": DOCUMENTS,
    "vendor_return_void": DOCUMENTS,
    "vendor_return_delete": DOCUMENTS,
}

# URL namespaces that check access themselves: Django's admin (staff users only) and the REST API
# (every operation is checked by its operation id, below).
SELF_GUARDED_NAMESPACES = {"admin", "api-v1"}

# ---- REST API operations, by operation id -------------------------------------------------------
API_OPERATIONS: dict[str, str] = {
    "list_devices": VIEW,
    "get_device": VIEW,
    "get_device_history": VIEW,
    "create_device": DOCUMENTS,
    # as the device's page: grade, location, notes (and IMEI, product) are warehouse work; the
    # operation refuses a change of cost or price to a role without DOCUMENTS
    "update_device": STOCK,
    "list_products": VIEW,
    "get_product": VIEW,
    "create_product": DOCUMENTS,
    "update_product": DOCUMENTS,
    "list_conditions": VIEW,
    "get_condition": VIEW,
    "create_condition": DOCUMENTS,
    "update_condition": DOCUMENTS,
    "list_vendors": VIEW,
    "get_vendor": VIEW,
    "create_vendor": DOCUMENTS,
    "update_vendor": DOCUMENTS,
    "list_customers": VIEW,
    "get_customer": VIEW,
    "create_customer": DOCUMENTS,
    "update_customer": DOCUMENTS,
    "list_purchase_orders": VIEW,
    "get_purchase_order": VIEW,
    "create_purchase_order": DOCUMENTS,
    "update_purchase_order": DOCUMENTS,
    "add_purchase_order_devices": DOCUMENTS,
    "remove_purchase_order_line": DOCUMENTS,
    "receive_purchase_order": STOCK,
    "close_purchase_order": DOCUMENTS,
    "void_purchase_order": DOCUMENTS,
    "list_invoices": VIEW,
    "get_invoice": VIEW,
    "invoice_pdf": VIEW,
    "invoice_packing_list_pdf": VIEW,
    "purchase_order_pdf": VIEW,
    "create_invoice": DOCUMENTS,
    "update_invoice": DOCUMENTS,
    "add_invoice_devices": DOCUMENTS,
    "update_invoice_line": DOCUMENTS,
    "remove_invoice_line": DOCUMENTS,
    "open_invoice": DOCUMENTS,
    "void_invoice": DOCUMENTS,
    "list_payments": VIEW,
    "get_payment": VIEW,
    "create_payment": PAYMENTS,
    "delete_payment": PAYMENTS,
    # returns through the API are created whole (devices, credit, refund): money
    "list_returns": VIEW,
    "get_return": VIEW,
    "create_return": DOCUMENTS,
    "complete_return": DOCUMENTS,
    "void_return": DOCUMENTS,
    "delete_return": DOCUMENTS,
    "list_vendor_returns": VIEW,
    "get_vendor_return": VIEW,
    "create_vendor_return": DOCUMENTS,
    "complete_vendor_return": DOCUMENTS,
    "void_vendor_return": DOCUMENTS,
    "delete_vendor_return": DOCUMENTS,
}


# ---- looking things up --------------------------------------------------------------------------
def page_capability(url_name: str) -> str | None:
    """What a page needs, or None when the table does not know it (refused)."""
    if url_name in PAGES:
        return PAGES[url_name]
    for integration in registry.all():
        if url_name in integration.page_permissions:
            return integration.page_permissions[url_name]
    return None


def api_capability(operation_id: str) -> str | None:
    """What an API operation needs, or None when the table does not know it (refused)."""
    if operation_id in API_OPERATIONS:
        return API_OPERATIONS[operation_id]
    for integration in registry.all():
        if operation_id in integration.api_permissions:
            return integration.api_permissions[operation_id]
    return None


def role_can(role: str | None, capability: str) -> bool:
    if capability == PUBLIC:
        return True
    return capability in ROLE_CAPABILITIES.get(role or "", frozenset())


def can(request, capability: str) -> bool:
    """Whether the request's person (their role in the current company) has ``capability``."""
    return role_can(getattr(request, "role", None), capability)


def role_label(role: str | None) -> str:
    try:
        return Role(role).label
    except ValueError:
        return "no role"


def refusal(role: str | None, capability: str) -> str:
    """The sentence a refusal shows: what the role cannot do and whom to ask."""
    what = CAPABILITIES.get(capability, "do this")
    return (
        f"Your role ({role_label(role)}) cannot {what}. Ask an owner of the company if you need to."
    )
