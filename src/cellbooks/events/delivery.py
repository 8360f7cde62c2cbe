"""How the worker sends deliveries: claim, sign, POST, record the attempt, decide.

A claim is a conditional UPDATE (two workers never send the same delivery at once) with a lease; a
worker that dies mid-send leaves a lapsed lease, and the sweep puts the delivery back in the queue.
So a delivery is sent at least once: receivers skip an event id they have already handled.

An answer 2xx is delivered. Anything else — another status, a timeout, a refused connection — is
retried with exponential backoff and jitter (``settings.EVENTS``: 30 s, 1 min, 2 min … at most
6 h apart, 14 attempts: 13 to 27 hours), then marked failed, to be redelivered by hand.

Where a delivery may go (``destination``): never to a link-local, multicast, unspecified or
reserved address (169.254.169.254 is where clouds serve their machines' credentials), checked on
the addresses the host name resolves to just before each POST; and, when the install serves
companies that must not reach its private network (``WEBHOOKS_REFUSE_PRIVATE=1``), never to
loopback or private ranges either. A self-hosted install keeps posting to the business's own
systems on its network by default. The POST goes to the address that was checked — the host name
is resolved once, and the connection is made to that address with the name as the ``Host``
header and the TLS server name (certificates are still checked against the name) — so a name that
answers differently the second time ("DNS rebinding") cannot slip past the check.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import certifi
import httpx
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import signing
from .models import Delivery, DeliveryAttempt, Event

log = logging.getLogger(__name__)
USER_AGENT = "Cellbooks-Webhooks/1"


class RefusedAddress(Exception):
    """The endpoint's host resolves to an address deliveries may not go to."""


def _config(name: str):
    return settings.EVENTS[name]


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context for every delivery (building one reads the CA bundle: slow)."""
    return ssl.create_default_context(cafile=certifi.where())


def backoff(attempt: int) -> timedelta:
    base, cap = _config("RETRY_BASE_SECONDS"), _config("RETRY_MAX_SECONDS")
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def claim(delivery_id: int, *, now=None) -> Delivery | None:
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(
        status=Delivery.Status.SENDING,
        lease_expires_at=now + timedelta(seconds=_config("LEASE_SECONDS")),
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("event", "subscription").get(pk=delivery_id)


def headers_for(delivery: Delivery, timestamp: int) -> dict[str, str]:
    body = delivery.event.body.encode()
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_ID_HEADER: delivery.event.public_id,
        signing.EVENT_TYPE_HEADER: delivery.event.type,
        signing.DELIVERY_HEADER: str(delivery.pk),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature(delivery.subscription.secret, timestamp, body),
    }


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a delivery may not go to this address, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "a link-local, multicast or reserved address, where webhooks never go"
    if _config("REFUSE_PRIVATE") and (ip.is_loopback or ip.is_private):
        return "a private or loopback address, which this installation does not post to"
    return None


@dataclass(frozen=True)
class Destination:
    """Where one POST goes: the URL with the host's checked address in place of its name, and the
    ``Host`` header and TLS server name that keep the name."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, str]


def destination(url: str) -> Destination:
    """Resolve the URL's host once and check every address it has: raise ``RefusedAddress`` when
    one may not be posted to, ``httpx.ConnectError`` when the name does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, ValueError) as exc:
        raise httpx.ConnectError(f"{host} does not resolve ({exc})") from exc
    for address in sorted(found):
        problem = address_problem(ipaddress.ip_address(address.split("%")[0]))
        if problem:
            raise RefusedAddress(f"{host} is {address}: {problem}.")
    address = sorted(found)[0].split("%")[0]
    if address == host:  # already an address
        return Destination(url, {}, {})
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return Destination(
        parts._replace(netloc=netloc).geturl(),
        {"Host": parts.netloc.rpartition("@")[2]},
        {"sni_hostname": host} if parts.scheme == "https" else {},
    )


def send(delivery: Delivery, client: httpx.Client) -> DeliveryAttempt:
    """POST the event, record the attempt, settle the delivery: delivered, retry later, failed."""
    started, clock = timezone.now(), time.monotonic()
    attempt = DeliveryAttempt(delivery=delivery, started_at=started)
    try:
        target = destination(delivery.subscription.url)
        response = client.post(
            target.url,
            content=delivery.event.body.encode(),
            headers={**headers_for(delivery, int(started.timestamp())), **target.headers},
            extensions=target.extensions,
        )
        attempt.status_code = response.status_code
        attempt.response_excerpt = response.text[:500]
        if not response.is_success:
            attempt.error = f"The endpoint answered {response.status_code}."
    except RefusedAddress as exc:
        attempt.error = f"Not sent: {exc}"[:500]
    except httpx.TimeoutException:
        attempt.error = f"No answer within {_config('TIMEOUT'):g} seconds."
    except httpx.HTTPError as exc:
        attempt.error = f"Could not reach the endpoint: {exc}"[:500]
    except (
        Exception
    ) as exc:  # a bad address or a library's surprise: the delivery fails, the worker goes on
        log.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
        attempt.error = f"Could not send: {type(exc).__name__}."
    attempt.duration_ms = int((time.monotonic() - clock) * 1000)
    attempt.save()
    _settle(delivery, attempt)
    return attempt


def _settle(delivery: Delivery, attempt: DeliveryAttempt) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = attempt.started_at
    delivery.last_status_code = attempt.status_code
    delivery.last_error = attempt.error
    delivery.lease_expires_at = None
    if not attempt.error:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delivery.attempts >= _config("MAX_ATTEMPTS"):
        delivery.status = Delivery.Status.FAILED
    else:
        delivery.status = Delivery.Status.PENDING
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "lease_expires_at",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )


def process(delivery_ids: list[int]) -> list[DeliveryAttempt]:
    """Send each of these deliveries that is due and not taken by another worker."""
    attempts = []
    with httpx.Client(timeout=_config("TIMEOUT"), verify=_tls(), follow_redirects=False) as client:
        for delivery_id in delivery_ids:
            delivery = claim(delivery_id)
            if delivery is not None:
                attempts.append(send(delivery, client))
    return attempts


def reclaim_lapsed(now=None) -> int:
    """Deliveries whose worker stopped while sending go back to the queue."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True),
        status=Delivery.Status.SENDING,
    ).update(status=Delivery.Status.PENDING, next_attempt_at=now, lease_expires_at=None)


def due_ids(limit: int = 500, *, now=None) -> list[int]:
    """For the periodic sweep: lapsed leases are reclaimed, then what is due."""
    now = now or timezone.now()
    reclaim_lapsed(now)
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def prune(*, now=None) -> int:
    """Forget events older than ``RETENTION_DAYS`` once none of their deliveries is waiting."""
    now = now or timezone.now()
    old = Event.objects.filter(created_at__lt=now - timedelta(days=_config("RETENTION_DAYS")))
    waiting = Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).values("event_id")
    deleted, _ = old.exclude(pk__in=waiting).delete()
    return deleted
