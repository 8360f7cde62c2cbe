"""Companies (tenants), the people in them, and the API keys that act for them."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


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
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
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
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

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

    @classmethod
    def issue(cls, *, company: Company, name: str) -> tuple["ApiKey", str]:
        """Create a key and return it with the raw secret, which is never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            company=company, name=name, key_prefix=raw[:12], key_hash=cls.hash_key(raw)
        )
        return key, raw
