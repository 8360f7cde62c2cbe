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
    # The payments return path: webhooks and the change-data-capture sweep.
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    last_sweep_at = models.DateTimeField(null=True, blank=True)
    last_sweep_result = models.CharField(max_length=500, blank=True)
    # When the disconnect landing page last asked QuickBooks whether this connection still works
    # (an anonymous visit asks at most once every few minutes).
    last_verified_at = models.DateTimeField(null=True, blank=True)
    cdc_checkpoint = models.DateTimeField(
        null=True, blank=True, help_text="Changes before this are applied"
    )
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


class Binding(models.Model):
    """One Cellbooks record ↔ one QBO record in one realm (the connector vocabulary's binding).

    Read and written only through ``bindings.py``. Committed the moment QBO returns an Id, before
    anything else happens, so a crash can never lead to a second create. A partner has up to two
    bindings: its customer role and its vendor role are different QBO records.

    The row outlives its QBO record: unlinking (after a delete in QBO) or moving a PO to the
    other QBO type clears ``qbo_id`` and keeps the row, whose ``creations`` counts every QBO record
    ever made for the document — part of the next create's requestid, so a re-creation is never
    answered with an earlier creation's stored response.
    """

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        VENDOR = "vendor", "Vendor"
        INVOICE = "invoice", "Invoice"
        PURCHASE_ORDER = "purchase_order", "Purchase order"
        PAYMENT = "payment", "Payment"
        CUSTOMER_RETURN = "customer_return", "Customer return"
        VENDOR_RETURN = "vendor_return", "Vendor return"
        # The QBO Payment that applies a return's credit memo to its invoice, and the BillPayment
        # that applies a vendor credit to its bill (parent_local_id: the return).
        CREDIT_APPLICATION = "credit_application", "Credit applied to an invoice"
        VENDOR_CREDIT_APPLICATION = "vendor_credit_application", "Vendor credit applied to a bill"

    class RemoteState(models.TextChoices):
        """What QBO says happened to the record since it was linked (noticed by the sweep)."""

        ACTIVE = "", "In QuickBooks"
        DELETED = "deleted", "Deleted in QuickBooks"
        VOIDED = "voided", "Voided in QuickBooks"

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    local_id = models.BigIntegerField()
    realm_id = models.CharField(max_length=32)
    qbo_entity = models.CharField(
        max_length=30, help_text="Customer, Vendor, Invoice, Bill or PurchaseOrder"
    )
    qbo_id = models.CharField(max_length=32, blank=True, help_text="Empty once unlinked")
    sync_token = models.CharField(max_length=16, blank=True)
    qbo_doc_number = models.CharField(max_length=21, blank=True)
    qbo_name = models.CharField(max_length=500, blank=True, help_text="The DisplayName used in QBO")
    last_pushed_hash = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the payload last sent"
    )
    local_hash = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the Cellbooks document then"
    )
    qbo_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    remote_state = models.CharField(
        max_length=20, choices=RemoteState.choices, default=RemoteState.ACTIVE, blank=True
    )
    qbo_balance = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The Cellbooks record this one belongs to: a payment's invoice.
    parent_local_id = models.BigIntegerField(null=True, blank=True)
    creations = models.PositiveIntegerField(
        default=0, help_text="QBO records created (or adopted) for this document, ever"
    )
    # Set (and committed) just before a create is sent, cleared once its outcome is known: while
    # set, the document may exist in QBO without a link (the answer was lost, the worker died),
    # so every later push looks for it by its marker before creating anything.
    create_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "local_id"], name="one_binding_per_record"
            ),
            models.UniqueConstraint(
                fields=["realm_id", "qbo_entity", "qbo_id"],
                condition=~models.Q(qbo_id=""),
                name="one_binding_per_qbo_record",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.local_id} ↔ {self.qbo_entity} {self.qbo_id or '(unlinked)'}"

    @property
    def is_linked(self) -> bool:
        return bool(self.qbo_id)


class SyncRequest(models.Model):
    """The outbox: a row written in the same transaction as the user's action. The queue only
    carries wake-ups; the periodic sweep re-enqueues anything pending or due, so a lost queue
    message delays work and loses nothing."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        PURCHASE_ORDER = "purchase_order", "Purchase order"
        PAYMENT = "payment", "Payment"
        CUSTOMER_RETURN = "customer_return", "Customer return"
        VENDOR_RETURN = "vendor_return", "Vendor return"

    class Action(models.TextChoices):
        PUSH = "push", "Create or update"
        VOID = "void", "Void or delete in QuickBooks"
        MOVE = "move", "Move to the other QuickBooks document type"

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        RUNNING = "running", "Syncing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        PAUSED = "paused", "Paused until QuickBooks is reconnected"

    OPEN_STATUSES = (Status.PENDING, Status.RUNNING, Status.PAUSED)

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    local_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.PUSH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Attempts that reached for QuickBooks (a crashed claim is none)"
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    batch_key = models.CharField(
        max_length=40, blank=True, help_text="Groups a bulk sync for its progress bar"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A sync asked for through the REST API: the key that asked (and ``requested_by`` its user, if
    # the key belongs to one).
    requested_by_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A claim is a lease: the worker holding the request renews it while it works; once it
    # lapses (the worker died), the sweep gives the request back to the queue.
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Asked for again while it was running (the document changed meanwhile, a payment was typed):
    # the worker may have read it before, so it runs once more when this run ends.
    asked_again = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["company", "kind", "local_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "local_id"],
                condition=models.Q(status__in=["pending", "running", "paused"]),
                name="one_open_sync_request_per_document",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.kind} {self.local_id} ({self.status})"


class SyncAttempt(models.Model):
    """Every attempt is a row: when, what, request id, duration, outcome, QBO's words, a hint."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        ADOPTED = "adopted", "Found in QuickBooks and linked"
        UNCHANGED = "unchanged", "Unchanged: nothing to send"
        VOIDED = "voided", "Voided in QuickBooks"
        DELETED = "deleted", "Deleted in QuickBooks"
        RETRY = "retry", "Will retry"
        FAILED = "failed", "Failed"
        PAUSED = "paused", "Paused"

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        SyncRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts_log"
    )
    kind = models.CharField(max_length=20)
    local_id = models.BigIntegerField()
    action = models.CharField(max_length=20)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    requestid = models.CharField(max_length=60, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    qbo_entity = models.CharField(max_length=30, blank=True)
    qbo_id = models.CharField(max_length=32, blank=True)
    qbo_code = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    hint = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["company", "kind", "local_id"]),
            models.Index(fields=["company", "outcome"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.local_id}: {self.outcome}"


class RateBucket(models.Model):
    """A sliding window per realm and limit, shared by every worker through the database: the calls
    that may still share a window with the next one (at most the limit's count, 500 for a minute),
    each as [Unix time it was let go, Unix time its answer came back or null while in flight]."""

    realm_id = models.CharField(max_length=32)
    name = models.CharField(max_length=20)  # "second", "minute", "batch"
    log = models.JSONField(
        default=list, help_text="[let go, answered or null] Unix times of the calls that count"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["realm_id", "name"], name="one_bucket_per_realm_and_limit"
            )
        ]

    def __str__(self):
        return f"{self.realm_id}/{self.name}: {len(self.log)} call(s)"


class WebhookEvent(models.Model):
    """One entity change announced by an Intuit webhook, stored raw before anything is done with it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    realm_id = models.CharField(max_length=32, db_index=True)
    dedupe_key = models.CharField(max_length=128, unique=True)
    entity = models.CharField(max_length=40)
    entity_id = models.CharField(max_length=32)
    operation = models.CharField(max_length=20)
    occurred_at = models.CharField(
        max_length=40, blank=True, help_text="lastUpdated / time, as Intuit sent it"
    )
    payload = models.JSONField(help_text="The event as received")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self):
        return f"{self.entity} {self.entity_id} {self.operation} ({self.realm_id})"


class RemotePayment(models.Model):
    """A QBO payment as last read: how much it applied where, and what is left unapplied."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    realm_id = models.CharField(max_length=32)
    qbo_id = models.CharField(max_length=32)
    state = models.CharField(max_length=10, default="active")  # active | voided | deleted
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    unapplied = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    applied_elsewhere = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="Applied to invoices Cellbooks does not know",
    )
    txn_date = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    last_updated = models.CharField(max_length=40, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["realm_id", "qbo_id"], name="one_remote_payment_per_qbo_id"
            )
        ]

    def __str__(self):
        return f"QBO payment {self.qbo_id} ({self.state}, {self.total})"
