"""Companies (tenants), the people in them, the API keys that act for them, invitations to join,
and the activity log of who did what."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from cellbooks.core.permissions import Role


def logo_path(company, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"logos/company-{company.pk}.{suffix}"


class Company(models.Model):
    """A tenant, and what its documents say about it (printed invoices, packing lists…)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    address = models.TextField(blank=True, help_text="As printed on documents, one line each")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    currency = models.CharField(
        max_length=3, default="USD", help_text="ISO 4217 code of the money the company counts in"
    )
    time_zone = models.CharField(max_length=64, default="UTC", help_text="e.g. America/New_York")
    logo = models.ImageField(upload_to=logo_path, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    # owner / bookkeeper / warehouse / viewer: what each may do is in cellbooks.core.permissions.
    Role = Role

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "company"], name="one_membership_per_user_company"
            )
        ]
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.user} @ {self.company} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A per-company key for the REST API. Only its SHA-256 is stored; the key is shown once."""

    PREFIX = "cbk_"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(
        max_length=16, help_text="The first characters, to recognise a key."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    role = models.CharField(
        max_length=10,
        choices=Role.choices,
        default=Role.VIEWER,
        help_text="What the key may do, as a member with this role could.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    Role = Role
    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        # Keys are 256-bit random tokens, so a plain SHA-256 is enough (no password stretching).
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(
        cls, *, company: Company, name: str, role: str = Role.BOOKKEEPER, created_by=None
    ) -> tuple["ApiKey", str]:
        """Create a key and return it with the raw secret, which is never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            company=company,
            name=name,
            role=role,
            created_by=created_by,
            key_prefix=raw[:12],
            key_hash=cls.hash_key(raw),
        )
        return key, raw


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An owner's invitation to join a company with a role.

    The link carries a signed token naming this row and its random ``nonce``; it is good once
    (``accepted_at``), until ``expires_at``, and not after it is revoked.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    nonce = models.CharField(max_length=32, default="", editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.email} to {self.company} as {self.role}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ImmutableQuerySet(models.QuerySet):
    """Rows written once and never changed: updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise TypeError("Activity log entries cannot be changed.")

    def delete(self):
        raise TypeError("Activity log entries cannot be deleted.")

    def for_company(self, company):
        return self.filter(company=company)


class AuditEntry(models.Model):
    """One thing someone (a person, an API key, an integration or Cellbooks itself) did in a
    company. Written by ``cellbooks.accounts.audit.record`` and never changed afterwards."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    # Who: a person, an API key, or a label only ("QuickBooks", "Cellbooks") for automatic work.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    # What it was about: a document ("invoice", 12, "Invoice INV-1001"), a member, a key…
    target_kind = models.CharField(max_length=40, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "target_kind", "target_id"], name="audit_by_target"),
            models.Index(fields=["company", "-created_at"], name="audit_by_company_time"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Activity log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Activity log entries cannot be deleted.")
