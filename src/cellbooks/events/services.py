"""Webhook subscriptions, and events written to the outbox.

Same conventions as the inventory's services: keyword-only, one transaction each, refusals as
``ValidationError({field: [sentence]})`` (a refusal about the subscription's state names no field).
``record_events`` joins the caller's transaction: the events of an action commit with it or not at
all, and the worker is woken once it has committed.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from cellbooks.core.events import catalogue

from . import audit, tasks
from .catalogue import PING
from .delivery import address_problem
from .models import Delivery, Event, Subscription

MAX_SUBSCRIPTIONS = 20  # per company: each event fans out to every subscription that wants it
SECRET_PREFIX = "whsec_"
_SECRET = re.compile(r"^[!-~]{16,200}$")
API_VERSION = "v1"


def _refuse(field: str, message: str):
    raise ValidationError({field: [message]})


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _clean_url(url) -> str:
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url:
        _refuse("url", "Give the address Cellbooks should send events to.")
    if len(url) > 2000:
        _refuse("url", f"The address has at most 2,000 characters; this one has {len(url):,}.")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        _refuse("url", f"'{url}' is not a web address: use http:// or https://.")
    try:  # an address written as digits is checked now; a host name, before each delivery
        problem = address_problem(ipaddress.ip_address(urlsplit(url).hostname or ""))
    except ValueError:
        problem = None
    if problem:
        _refuse("url", f"'{url}' is {problem}.")
    return url


def _clean_event_types(event_types) -> list[str]:
    if not isinstance(event_types, list | tuple) or not event_types:
        _refuse("event_types", 'Choose at least one event, or "*" for all of them.')
    cleaned = []
    for name in event_types:
        if name != Subscription.ALL and (not isinstance(name, str) or name not in catalogue):
            known = ", ".join(catalogue.names())
            _refuse("event_types", f"There is no event '{name}': use one of {known}, or *.")
        if name not in cleaned:
            cleaned.append(name)
    return [Subscription.ALL] if Subscription.ALL in cleaned else cleaned


def _clean_description(description) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        _refuse("description", "The description has at most 200 characters.")
    return description


def _clean_secret(secret) -> str:
    if secret is None or secret == "":
        return new_secret()
    if not isinstance(secret, str) or not _SECRET.match(secret):
        _refuse(
            "secret",
            "A signing secret is 16 to 200 printable characters without spaces; leave it out "
            "and Cellbooks makes one.",
        )
    return secret


@transaction.atomic
def create_subscription(
    *, company, url, event_types, description="", secret=None
) -> tuple[Subscription, str]:
    """Start sending ``event_types`` to ``url``; returns the subscription and its signing secret
    (made here unless given), which the person or program must keep."""
    errors: dict[str, list[str]] = {}
    values = {}
    for field, clean, value in (
        ("url", _clean_url, url),
        ("event_types", _clean_event_types, event_types),
        ("description", _clean_description, description),
        ("secret", _clean_secret, secret),
    ):
        try:
            values[field] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if Subscription.objects.filter(company=company).count() >= MAX_SUBSCRIPTIONS:
        _refuse(
            NON_FIELD_ERRORS,
            f"A company can send events to at most {MAX_SUBSCRIPTIONS} endpoints: remove one first.",
        )
    subscription = Subscription(
        company=company,
        url=values["url"],
        event_types=values["event_types"],
        description=values["description"],
    )
    subscription.set_secret(values["secret"])
    subscription.save()
    audit.endpoint_added(subscription)
    return subscription, values["secret"]


SUBSCRIPTION_FIELDS = {"url", "event_types", "description", "is_active"}


@transaction.atomic
def update_subscription(*, subscription, **fields) -> Subscription:
    """Change the address, the events or the description, or turn it on or off. Turning it off
    gives up on what is still waiting to be sent to it (it can be redelivered later)."""
    unknown = set(fields) - SUBSCRIPTION_FIELDS
    if unknown:
        raise TypeError(f"update_subscription cannot change {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    cleaners = {
        "url": _clean_url,
        "event_types": _clean_event_types,
        "description": _clean_description,
        "is_active": bool,
    }
    for field, value in fields.items():
        try:
            setattr(subscription, field, cleaners[field](value))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    subscription.save()
    audit.endpoint_changed(subscription, fields)
    if not subscription.is_active:
        Delivery.objects.filter(subscription=subscription, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.FAILED, last_error="Not sent: the endpoint was turned off."
        )
    return subscription


@transaction.atomic
def rotate_secret(*, subscription, secret=None) -> str:
    """Replace the signing secret (with ``secret``, or a new one made here) and return it; every
    delivery from now on is signed with it."""
    secret = _clean_secret(secret)
    subscription.set_secret(secret)
    subscription.save(update_fields=["secret_encrypted", "updated_at"])
    audit.secret_replaced(subscription)
    return secret


@transaction.atomic
def delete_subscription(*, subscription) -> None:
    """Stop sending to this address; its delivery log goes with it."""
    audit.endpoint_removed(subscription)
    subscription.delete()


# ---- the outbox ---------------------------------------------------------------------------------


def wanted_types(*, company) -> set[str]:
    """What the company's active subscriptions want ("*" among them for all): one query, so an
    action whose events nobody wants costs nothing more."""
    wanted: set[str] = set()
    for event_types in Subscription.objects.filter(company=company, is_active=True).values_list(
        "event_types", flat=True
    ):
        wanted.update(event_types)
    return wanted


def _body(event: Event, company, data: dict) -> str:
    return json.dumps(
        {
            "id": event.public_id,
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "api_version": API_VERSION,
            "company": {"id": company.pk, "name": company.name},
            "data": data,
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def record_events(*, company, events: list[tuple[str, dict]], only=None) -> list[Delivery]:
    """Write each ``(type, data)`` event and a delivery to every active subscription that wants it
    (``only``: to that subscription alone), in the caller's transaction; wake the worker when it
    commits. Nothing is written when nobody wants them."""
    subscriptions = (
        [only]
        if only is not None
        else list(Subscription.objects.filter(company=company, is_active=True))
    )
    now = timezone.now()
    rows: list[tuple[Event, list[Subscription]]] = []
    for event_type, data in events:
        targets = [s for s in subscriptions if only is not None or s.wants(event_type)]
        if not targets:
            continue
        event = Event(company=company, type=event_type, created_at=now)
        event.body = _body(event, company, data)
        rows.append((event, targets))
    if not rows:
        return []
    with transaction.atomic():
        Event.objects.bulk_create([event for event, _ in rows])
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(company=company, event=event, subscription=target, created_at=now)
                for event, targets in rows
                for target in targets
            ]
        )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: tasks.wake(ids))
    return deliveries


@transaction.atomic
def redeliver(*, delivery) -> Delivery:
    """Send a delivery's event to its subscription once more (a new delivery in the log)."""
    if not delivery.subscription.is_active:
        _refuse(NON_FIELD_ERRORS, "This endpoint is turned off: turn it on before redelivering.")
    again = Delivery.objects.create(
        company=delivery.company,
        event=delivery.event,
        subscription=delivery.subscription,
        redelivery_of=delivery,
    )
    transaction.on_commit(lambda: tasks.wake([again.pk]))
    return again


@transaction.atomic
def send_test(*, subscription) -> Delivery:
    """A ``ping`` event to this subscription alone, to check the address and the signature."""
    if not subscription.is_active:
        _refuse(NON_FIELD_ERRORS, "This endpoint is turned off: turn it on before testing it.")
    data = {"message": "A test event from Cellbooks: your endpoint and its signature check work."}
    [delivery] = record_events(
        company=subscription.company, events=[(PING, data)], only=subscription
    )
    return delivery
