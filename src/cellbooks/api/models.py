"""What the REST API remembers between requests: the answers to requests sent with an
Idempotency-Key (see idempotency.py), kept 24 hours."""

from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """A POST sent with an ``Idempotency-Key`` and the answer it got, replayed to a retry."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body")
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="one_request_per_key")
        ]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"
