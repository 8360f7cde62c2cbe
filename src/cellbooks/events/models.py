"""Webhooks to the company's other systems: where to send (subscriptions), what happened (events),
and each try to send one event to one subscription (deliveries and their attempts).

Event and delivery rows are written in the transaction of the action that caused them (the outbox);
the worker sends them after it commits (delivery.py)."""

import uuid

from django.db import models
from django.utils import timezone

from cellbooks.core import crypto
from cellbooks.core.models import CompanyOwned


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class Subscription(CompanyOwned):
    """An address of the company's that wants some events, signed with its secret."""

    ALL = "*"  # in ``event_types``: every event, including those added later

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text='Event names, or ["*"] for all')
    secret_encrypted = models.TextField(help_text="The signing secret, encrypted at rest")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def wants(self, event_type: str) -> bool:
        return self.ALL in self.event_types or event_type in self.event_types


class Event(CompanyOwned):
    """Something that happened, as sent: ``body`` is the exact JSON every delivery posts."""

    public_id = models.CharField(max_length=40, unique=True, default=new_event_id)
    type = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "created_at"])]

    def __str__(self):
        return f"{self.type} {self.public_id}"


class Delivery(CompanyOwned):
    """One event to one subscription: sent by the worker, retried with backoff until the
    endpoint answers 2xx or the attempts run out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["company", "created_at"]),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.event} → {self.subscription} ({self.status})"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: when, how long, what the endpoint answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.delivery_id}: {self.status_code or self.error}"
