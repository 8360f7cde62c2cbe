"""The QuickBooks connection of a company, its settings, and its OAuth state.

Tokens are encrypted at rest (see crypto.py) and only ever read through ``Connection`` accessors.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import crypto


class Connection(models.Model):
    """One QBO company (realm) connected to one Cellbooks company."""

    class Status(models.TextChoices):
        NOT_CONNECTED = "not_connected", "Not connected"
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"

    company = models.OneToOneField(
        "accounts.Company", on_delete=models.CASCADE, related_name="qbo_connection"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONNECTED)
    environment = models.CharField(max_length=20, blank=True)
    realm_id = models.CharField(max_length=32, blank=True)
    qbo_company_name = models.CharField(max_length=255, blank=True)
    # The realm that existing QBO links (bindings) belong to; survives disconnects, so a
    # reconnect to another realm can be caught (the realm guard).
    linked_realm_id = models.CharField(max_length=32, blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    token_generation = models.PositiveIntegerField(
        default=0, help_text="Bumped on every token change"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    needs_reconnect_since = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "QuickBooks connection"

    def __str__(self):
        return f"{self.company} → {self.qbo_company_name or self.realm_id or 'not connected'}"

    # Tokens: plaintext only in memory.
    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    def set_tokens(self, token: dict, *, now=None) -> None:
        """Store a token endpoint response (encrypted) and its expiry times."""
        now = now or timezone.now()
        self.access_token_encrypted = crypto.encrypt(token["access_token"])
        self.refresh_token_encrypted = crypto.encrypt(token["refresh_token"])
        self.access_token_expires_at = now + timedelta(seconds=int(token.get("expires_in", 3600)))
        if token.get("x_refresh_token_expires_in"):
            self.refresh_token_expires_at = now + timedelta(
                seconds=int(token["x_refresh_token_expires_in"])
            )
        self.token_generation += 1
        self.last_refreshed_at = now

    def forget_tokens(self) -> None:
        self.access_token_encrypted = ""
        self.refresh_token_encrypted = ""
        self.access_token_expires_at = None
        self.refresh_token_expires_at = None
        self.token_generation += 1

    def access_token_is_fresh(self, *, leeway_seconds: int = 60) -> bool:
        return bool(
            self.access_token_encrypted
            and self.access_token_expires_at
            and self.access_token_expires_at > timezone.now() + timedelta(seconds=leeway_seconds)
        )

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED

    @property
    def needs_reconnect(self) -> bool:
        return self.status == self.Status.NEEDS_RECONNECT


class IntegrationSettings(models.Model):
    """What the user chose on the QuickBooks settings page. Kept across disconnects."""

    class SyncPOsTo(models.TextChoices):
        BILL = "bill", "Bills"
        PURCHASE_ORDER = "purchase_order", "Purchase Orders"

    company = models.OneToOneField(
        "accounts.Company", on_delete=models.CASCADE, related_name="qbo_settings"
    )
    item_name = models.CharField(max_length=100, default="Cellbooks Inventory")
    item_qbo_id = models.CharField(max_length=32, blank=True)
    income_account_id = models.CharField(max_length=32, blank=True)
    income_account_name = models.CharField(max_length=255, blank=True)
    expense_account_id = models.CharField(max_length=32, blank=True)
    expense_account_name = models.CharField(max_length=255, blank=True)
    sync_pos_to = models.CharField(max_length=20, choices=SyncPOsTo.choices, default=SyncPOsTo.BILL)
    auto_sync = models.BooleanField(
        default=False, help_text="Sync when a PO is received or an invoice opened"
    )
    include_identifiers_in_description = models.BooleanField(default=False)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "QuickBooks settings"
        verbose_name_plural = "QuickBooks settings"

    def __str__(self):
        return f"QuickBooks settings of {self.company}"

    @property
    def is_complete(self) -> bool:
        return bool(self.item_qbo_id and self.income_account_id and self.expense_account_id)


class OAuthState(models.Model):
    """A pending authorization: the `state` we sent to Intuit, single-use and short-lived."""

    TTL = timedelta(minutes=15)

    state = models.CharField(max_length=64, unique=True)
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"OAuth state for {self.company} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_expired(self) -> bool:
        return timezone.now() - self.created_at > self.TTL
