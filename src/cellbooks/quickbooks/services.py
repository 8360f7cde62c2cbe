"""Connecting a company to QuickBooks, disconnecting it, and its settings.

Views call these; these call the adapter (client.py) and the OAuth module, never the other way round.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import audit, bindings, oauth, realm_cache, records
from .client import QBOClient, quote
from .config import QBOConfig, load_config
from .errors import AuthorizationLostError, NotConnectedError, QBOError
from .models import Connection, IntegrationSettings, OAuthState
from .outbox import resume_paused

log = logging.getLogger(__name__)

INCOME_ACCOUNT_TYPES = ("Income",)
EXPENSE_ACCOUNT_TYPES = ("Expense", "Cost of Goods Sold", "Other Current Asset")
DEFAULT_INCOME_NAMES = ("Sales of Product Income", "Sales")
DEFAULT_EXPENSE_NAMES = ("Cost of Goods Sold",)
PO_PLANS = ("plus", "advanced")


def get_connection(*, company) -> Connection:
    connection, _ = Connection.objects.get_or_create(company=company)
    return connection


def get_settings(*, company) -> IntegrationSettings:
    integration_settings, _ = IntegrationSettings.objects.get_or_create(company=company)
    return integration_settings


def connected_client(*, company, config: QBOConfig | None = None) -> QBOClient:
    connection = get_connection(company=company)
    if connection.needs_reconnect:
        raise AuthorizationLostError(detail=connection.status_reason)
    if not connection.is_connected:
        raise NotConnectedError()
    return QBOClient(connection, config=config)


# ---- connecting ---------------------------------------------------------------------------------
def start_authorization(*, company, user, config: QBOConfig | None = None) -> str:
    """Remember a single-use `state` for this user and company; return Intuit's authorization URL."""
    config = config or load_config()
    state = secrets.token_urlsafe(32)
    OAuthState.objects.filter(created_at__lt=timezone.now() - OAuthState.TTL).delete()
    OAuthState.objects.create(state=state, company=company, user=user)
    return oauth.authorization_url(config, state=state)


class RealmChangeNeedsConfirmation(Exception):
    """The user authorized a different QBO company than the one Cellbooks' links belong to."""

    def __init__(self, *, linked_realm_id: str, new_realm_id: str, link_count: int):
        super().__init__("a different QuickBooks company")
        self.linked_realm_id = linked_realm_id
        self.new_realm_id = new_realm_id
        self.link_count = link_count


def count_links(*, company) -> int:
    """How many Cellbooks records point at records in the linked QBO company."""
    integration_settings = IntegrationSettings.objects.filter(company=company).first()
    item = 1 if integration_settings and integration_settings.item_qbo_id else 0
    return item + bindings.count(company=company)


def _check_state(*, state: str, company, user) -> OAuthState:
    pending = OAuthState.objects.filter(state=state or "-").first()
    if pending is None:
        raise ValidationError(
            {"state": "This sign-in link was already used or is unknown. Start again."}
        )
    if pending.company_id != company.pk or pending.user_id != user.pk:
        raise ValidationError({"state": "This sign-in was started by someone else. Start again."})
    if pending.is_expired():
        pending.delete()
        raise ValidationError({"state": "This sign-in took too long and expired. Start again."})
    return pending


def complete_authorization(
    *,
    company,
    user,
    state: str,
    code: str,
    realm_id: str,
    confirm_realm_change: bool = False,
    config: QBOConfig | None = None,
) -> Connection:
    """The callback: verify `state`, guard the realm, exchange the code, store the connection.

    1. `state` must be one we issued to this user and company, unexpired, and is used once.
    2. If Cellbooks already has links into another QBO company, stop unless the user confirmed.
    3. Exchange the code; store the encrypted tokens and the realm; read the company name.
    """
    config = config or load_config()
    pending = _check_state(state=state, company=company, user=user)
    if not code or not realm_id:
        raise ValidationError(
            {"code": "QuickBooks did not send an authorization code and company id."}
        )
    connection = get_connection(company=company)
    links = count_links(company=company)
    if (
        connection.linked_realm_id
        and connection.linked_realm_id != realm_id
        and links
        and not confirm_realm_change
    ):
        raise RealmChangeNeedsConfirmation(
            linked_realm_id=connection.linked_realm_id, new_realm_id=realm_id, link_count=links
        )
    pending.delete()  # single use, even if the exchange below fails
    token = oauth.exchange_code(config, code=code)
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        if connection.linked_realm_id and connection.linked_realm_id != realm_id:
            _forget_links(company=company)
        connection.set_tokens(token)
        connection.status = Connection.Status.CONNECTED
        connection.status_reason = ""
        connection.needs_reconnect_since = None
        connection.environment = config.environment
        connection.realm_id = realm_id
        connection.linked_realm_id = realm_id
        connection.connected_at = timezone.now()
        connection.save()
        resume_paused(company=company)  # work paused while disconnected carries on
    try:
        with QBOClient(connection, config=config) as client:
            info = client.company_info()
        connection.qbo_company_name = info.get("CompanyName", "")[:255]
        connection.save(update_fields=["qbo_company_name", "updated_at"])
    except QBOError as exc:  # the connection stands; the name can be read later
        log.warning("Connected realm %s but could not read its CompanyInfo: %s", realm_id, exc)
    get_settings(company=company)
    audit.connected(company=company, connection=connection)
    return connection


def _forget_links(*, company) -> None:
    """Links into the previous QBO company mean nothing in the new one."""
    IntegrationSettings.objects.filter(company=company).update(
        item_qbo_id="",
        income_account_id="",
        income_account_name="",
        expense_account_id="",
        expense_account_name="",
    )
    bindings.forget_realm(company=company)


# ---- disconnecting ------------------------------------------------------------------------------
def disconnect(*, company, config: QBOConfig | None = None) -> str | None:
    """Revoke at Intuit and forget the tokens; bindings and settings stay. Returns a warning if
    Intuit could not be told (the tokens are forgotten anyway)."""
    config = config or load_config()
    connection = get_connection(company=company)
    warning = None
    refresh_token = connection.refresh_token if connection.refresh_token_encrypted else ""
    if refresh_token:
        try:
            oauth.revoke(config, token=refresh_token)
        except QBOError as exc:
            warning = (
                f"QuickBooks could not be told ({exc}); remove Cellbooks from its Apps page too."
            )
    connection.forget_tokens()
    connection.status = Connection.Status.NOT_CONNECTED
    connection.status_reason = "Disconnected from Cellbooks."
    connection.needs_reconnect_since = None
    with transaction.atomic():
        connection.save()
        audit.disconnected(company=company)
    return warning


def claim_anonymous_check(connection: Connection, *, every) -> bool:
    """Whether an anonymous visit may check this connection now: true for one caller per
    ``every``, across processes (a conditional UPDATE)."""
    now = timezone.now()
    return bool(
        Connection.objects.filter(pk=connection.pk)
        .filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=now - every))
        .update(last_verified_at=now)
    )


def verify_connection(*, connection: Connection, config: QBOConfig | None = None) -> bool:
    """Ask QuickBooks whether the connection still works (used by the disconnect-URL landing, which
    anyone could open, so it proves the disconnect instead of believing it). A 401 followed by
    `invalid_grant` marks it Needs reconnect. Returns whether it still works."""
    if not connection.is_connected:
        return False
    try:
        with QBOClient(connection, config=config) as client:
            client.company_info()
    except AuthorizationLostError:
        return False
    except QBOError as exc:
        log.info("Could not verify connection %s: %s", connection.pk, exc)
    return True


# ---- settings -----------------------------------------------------------------------------------
@dataclass
class SettingsChoices:
    income_accounts: list[dict] = field(default_factory=list)
    expense_accounts: list[dict] = field(default_factory=list)
    purchase_orders_allowed: bool = False
    purchase_orders_reason: str = ""
    plan: str = ""
    custom_txn_numbers: bool = False


def purchase_orders_allowed(info: dict, prefs: dict) -> tuple[bool, str]:
    plan = records.plan_of(info)
    if plan and not any(word in plan.lower() for word in PO_PLANS):
        return (
            False,
            f"Purchase orders need QuickBooks Online Plus or Advanced; this company is on {plan}.",
        )
    if not records.purchase_orders_enabled(prefs):
        return False, (
            "Purchase orders are switched off in this QuickBooks company "
            "(Settings → Account and settings → Expenses → Purchase orders)."
        )
    return True, ""


def _account_choice(account: dict) -> dict:
    return {
        "id": account["Id"],
        "name": account.get("FullyQualifiedName") or account["Name"],
        "type": account.get("AccountType", ""),
        "subtype": account.get("AccountSubType", ""),
    }


def load_settings_choices(*, company, config: QBOConfig | None = None) -> SettingsChoices:
    """The live accounts and capabilities of the connected QBO company."""
    with connected_client(company=company, config=config) as client:
        accounts = client.query_all("Account", "Active = true")
        info = client.company_info()
        prefs = client.preferences()
    allowed, reason = purchase_orders_allowed(info, prefs)
    sort = lambda a: a["name"].lower()  # noqa: E731
    return SettingsChoices(
        income_accounts=sorted(
            (_account_choice(a) for a in accounts if a.get("AccountType") in INCOME_ACCOUNT_TYPES),
            key=sort,
        ),
        expense_accounts=sorted(
            (_account_choice(a) for a in accounts if a.get("AccountType") in EXPENSE_ACCOUNT_TYPES),
            key=sort,
        ),
        purchase_orders_allowed=allowed,
        purchase_orders_reason=reason,
        plan=records.plan_of(info),
        custom_txn_numbers=records.custom_txn_numbers(prefs, "Invoice"),
    )


def default_account_id(accounts: list[dict], names: tuple[str, ...]) -> str:
    by_name = {a["name"].lower(): a["id"] for a in accounts}
    for name in names:
        if name.lower() in by_name:
            return by_name[name.lower()]
    return accounts[0]["id"] if accounts else ""


class ExistingItemNeedsConfirmation(Exception):
    """An item with the chosen name already exists in QBO and is not ours yet: show it first."""

    def __init__(self, item: dict):
        super().__init__(item.get("Name", ""))
        self.item = item


def _explain(exc: QBOError, what: str) -> ValidationError:
    words = f"{what}: {exc.message}"
    if exc.detail and exc.detail != exc.message:
        words += f" — {exc.detail}"
    if exc.code:
        words += f" (QuickBooks error {exc.code})"
    if exc.hint:
        words += f". {exc.hint}"
    return ValidationError(words)


def _check_account(
    client: QBOClient,
    account_id: str,
    *,
    field_name: str,
    label: str,
    allowed_types: tuple[str, ...],
) -> dict:
    try:
        account = client.read("Account", account_id)
    except QBOError as exc:
        raise ValidationError(
            {field_name: _explain(exc, f"The {label} account cannot be used")}
        ) from None
    name = account.get("FullyQualifiedName") or account.get("Name")
    if not account.get("Active", True):
        raise ValidationError(
            {
                field_name: f"The {label} account '{name}' is inactive in QuickBooks: "
                "choose another, or make it active in QuickBooks."
            }
        )
    if account.get("AccountType") not in allowed_types:
        raise ValidationError(
            {
                field_name: f"'{name}' is a {account.get('AccountType')} account; "
                f"the {label} account must be one of: {', '.join(allowed_types)}."
            }
        )
    return account


def save_settings(
    *,
    company,
    item_name: str,
    income_account_id: str,
    expense_account_id: str,
    sync_pos_to: str,
    auto_sync: bool = False,
    include_identifiers_in_description: bool = False,
    adopt_existing_item: bool = False,
    config: QBOConfig | None = None,
) -> IntegrationSettings:
    """Validate the choices against the live QBO company, then create, update or adopt the item.

    1. Both accounts must exist, be active and be of the right kind.
    2. Purchase Orders as a target need a plan and Preferences that allow them.
    3. The item: ours (by id) → updated; another of that name → shown and adopted on confirmation;
       none → created as NonInventory with the chosen accounts.
    """
    item_name = (item_name or "").strip()
    if not item_name:
        raise ValidationError({"item_name": "Give the QuickBooks item a name."})
    if len(item_name) > 100 or ":" in item_name:
        raise ValidationError(
            {"item_name": "QuickBooks item names are at most 100 characters, without ':'."}
        )
    integration_settings = get_settings(company=company)
    with connected_client(company=company, config=config) as client:
        realm_cache.forget(client.realm_id)  # the settings page reads QuickBooks afresh
        income = _check_account(
            client,
            income_account_id,
            field_name="income_account_id",
            label="income",
            allowed_types=INCOME_ACCOUNT_TYPES,
        )
        expense = _check_account(
            client,
            expense_account_id,
            field_name="expense_account_id",
            label="expense",
            allowed_types=EXPENSE_ACCOUNT_TYPES,
        )
        if sync_pos_to == IntegrationSettings.SyncPOsTo.PURCHASE_ORDER:
            allowed, reason = purchase_orders_allowed(client.company_info(), client.preferences())
            if not allowed:
                raise ValidationError({"sync_pos_to": reason})
        item = _ensure_item(
            client, integration_settings, item_name, income, expense, adopt_existing_item
        )
    integration_settings.item_name = item_name
    integration_settings.item_qbo_id = item["Id"]
    integration_settings.income_account_id = income["Id"]
    integration_settings.income_account_name = income.get("FullyQualifiedName") or income["Name"]
    integration_settings.expense_account_id = expense["Id"]
    integration_settings.expense_account_name = expense.get("FullyQualifiedName") or expense["Name"]
    integration_settings.sync_pos_to = sync_pos_to
    integration_settings.auto_sync = auto_sync
    integration_settings.include_identifiers_in_description = include_identifiers_in_description
    integration_settings.saved_at = timezone.now()
    with transaction.atomic():
        integration_settings.save()
        audit.settings_saved(company=company, integration_settings=integration_settings)
    return integration_settings


def find_item_by_name(client: QBOClient, name: str) -> dict | None:
    rows = client.query(f"SELECT * FROM Item WHERE Name = {quote(name)}").get("Item", [])
    return rows[0] if rows else None


def _ensure_item(
    client: QBOClient,
    integration_settings: IntegrationSettings,
    name: str,
    income: dict,
    expense: dict,
    adopt: bool,
) -> dict:
    wanted = {
        "IncomeAccountRef": {"value": income["Id"]},
        "ExpenseAccountRef": {"value": expense["Id"]},
    }
    try:
        existing = find_item_by_name(client, name)
        if existing is None:
            return client.create("Item", {"Name": name, "Type": "NonInventory", **wanted})
        if existing["Id"] != integration_settings.item_qbo_id and not adopt:
            raise ExistingItemNeedsConfirmation(existing)
        current = {
            "IncomeAccountRef": {"value": (existing.get("IncomeAccountRef") or {}).get("value")},
            "ExpenseAccountRef": {"value": (existing.get("ExpenseAccountRef") or {}).get("value")},
        }
        if current == wanted and existing.get("Active", True):
            return existing
        return client.update(
            "Item",
            {
                "Id": existing["Id"],
                "SyncToken": existing["SyncToken"],
                "Name": name,
                "Active": True,
                **wanted,
            },
        )
    except QBOError as exc:
        raise ValidationError(
            {"item_name": _explain(exc, f"The item '{name}' could not be saved")}
        ) from None
