"""Webhooks in the REST API: subscriptions, the event catalogue, the delivery log with redeliver,
and the events themselves. Contributed through the integration seam (``integration.py``); the
inventory's API never imports it."""

import datetime
import json
from typing import Annotated, Any, Literal

from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from cellbooks.api.auth import company_of
from cellbooks.api.routers import IdPath, Page, Status
from cellbooks.api.schemas import created, listed, ok
from cellbooks.api.types import Id, RequiredText, Text
from cellbooks.core.events import catalogue

from . import selectors, services
from .catalogue import PING
from .models import Delivery, Event, Subscription

router = Router(tags=["webhooks"])
SubscriptionId = IdPath("subscription")
DeliveryId = IdPath("delivery")
EventId = Annotated[
    str,
    Path(
        pattern=r"^evt_[0-9a-f]{32}$",
        description="The event's id, as its webhook's `Cellbooks-Event-Id` header says it.",
        examples=["evt_0f1e2d3c4b5a69788796a5b4c3d2e1f0"],
    ),
]
# Every event type some room registered, and "*" for all of them (now and later).
EventName = Literal[tuple([Subscription.ALL, *catalogue.names()])]


class EventTypeOut(Schema):
    name: str = Field(..., examples=["invoice.paid"])
    description: str
    source: str = Field(..., description="Who sends it: empty for Cellbooks, or an integration.")


class SubscriptionOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str] = Field(..., description='Event names; ["*"] is every event.')
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(
        ...,
        description="The signing secret: keep it to check each webhook's signature. It is shown "
        "here only (and when replaced).",
    )


class SubscriptionCreate(Schema):
    url: RequiredText(2000) = Field(
        ...,
        description="Where to POST events: http:// or https://.",
        examples=["https://shop.example.com/hooks/cellbooks"],
    )
    event_types: list[EventName] = Field(
        ...,
        min_length=1,
        description='What to send; ["*"] for everything.',
        examples=[["invoice.paid", "device.sold"]],
    )
    description: Text(200) = Field("", examples=["Our web shop"])
    secret: Text(200) | None = Field(
        None,
        description="16 to 200 printable characters without spaces; left out, Cellbooks makes one.",
    )


class SubscriptionUpdate(Schema):
    """Only the fields sent change. Turning it off gives up on what is still waiting for it."""

    url: RequiredText(2000) = None
    event_types: list[EventName] = Field(None, min_length=1)
    description: Text(200) = None
    is_active: bool = None


class SecretIn(Schema):
    secret: Text(200) | None = Field(
        None, description="The new secret; left out, Cellbooks makes one."
    )


class SecretOut(Schema):
    secret: str


class EventRef(Schema):
    id: str = Field(..., description="The event's id: the same in every delivery of it.")
    type: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_id(obj: Event) -> str:
        return obj.public_id


class EventOut(EventRef):
    data: dict[str, Any]

    @staticmethod
    def resolve_data(obj: Event) -> dict:
        return json.loads(obj.body).get("data", {})


class DeliveryAttemptOut(Schema):
    started_at: datetime.datetime
    duration_ms: int
    status_code: int | None = Field(..., description="What the endpoint answered; null if nothing.")
    error: str
    response_excerpt: str = Field(..., description="The first 500 characters it answered.")


class DeliveryOut(Schema):
    id: int
    event: EventRef
    subscription_id: int
    url: str
    status: Literal[tuple(Delivery.Status.values)] = Field(
        ..., description="pending (waiting, or between retries), sending, delivered, failed."
    )
    attempts: int
    next_attempt_at: datetime.datetime | None = Field(..., description="When it is tried next.")
    last_attempt_at: datetime.datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime.datetime | None
    redelivery_of: int | None = Field(..., description="The delivery this one repeats.")
    created_at: datetime.datetime

    @staticmethod
    def resolve_url(obj: Delivery) -> str:
        return obj.subscription.url

    @staticmethod
    def resolve_next_attempt_at(obj: Delivery):
        return obj.next_attempt_at if obj.status == Delivery.Status.PENDING else None

    @staticmethod
    def resolve_redelivery_of(obj: Delivery):
        return obj.redelivery_of_id


class DeliveryDetailOut(DeliveryOut):
    body: str = Field(
        ..., description="The exact JSON that was POSTed (what the signature covers)."
    )
    attempt_log: list[DeliveryAttemptOut] = Field(..., description="Newest first.")

    @staticmethod
    def resolve_body(obj: Delivery) -> str:
        return obj.event.body

    @staticmethod
    def resolve_attempt_log(obj: Delivery):
        return list(obj.attempt_log.all())


class DeliveryFilters(Schema):
    subscription: Id | None = Field(None, description="Only this subscription's deliveries.")
    status: Literal[tuple(Delivery.Status.values)] | None = None
    event_type: Text(100) | None = Field(None, examples=["invoice.paid"])


class EventFilters(Schema):
    type: Text(100) | None = Field(None, examples=["invoice.paid"])


def _subscription(request, subscription_id: int) -> Subscription:
    return Subscription.objects.get_for_company_or_404(company_of(request), pk=subscription_id)


def _delivery(request, delivery_id: int) -> Delivery:
    return selectors.deliveries_for(company=company_of(request)).get_for_company_or_404(
        company_of(request), pk=delivery_id
    )


# ---- the catalogue ----------------------------------------------------------------------------


@router.get("/webhooks/event-types", response=ok(list[EventTypeOut], not_found=False))
def list_event_types(request):
    """Every event a subscription can ask for, with what it means and who sends it."""
    return [event_type.__dict__ for event_type in catalogue.all()]


# ---- subscriptions ----------------------------------------------------------------------------


@router.get("/webhooks/subscriptions", response=listed(list[SubscriptionOut]))
@paginate(Page)
def list_subscriptions(request):
    return Subscription.objects.for_company(company_of(request))


@router.post(
    "/webhooks/subscriptions",
    response=created(SubscriptionCreatedOut, not_found=False, conflict=True),
)
def create_subscription(request, payload: SubscriptionCreate):
    """Start sending events to an address. The answer carries the signing secret (only here):
    each webhook's `Cellbooks-Signature` is the HMAC-SHA256 of `<Cellbooks-Timestamp>.<body>`
    with it (docs/api.md shows how to check it). At most 20 per company (409)."""
    subscription, secret = services.create_subscription(
        company=company_of(request), **payload.dict()
    )
    return Status(201, {**SubscriptionOut.from_orm(subscription).dict(), "secret": secret})


@router.get("/webhooks/subscriptions/{subscription_id}", response=ok(SubscriptionOut))
def get_subscription(request, subscription_id: SubscriptionId):
    return _subscription(request, subscription_id)


@router.patch("/webhooks/subscriptions/{subscription_id}", response=ok(SubscriptionOut))
def update_subscription(request, subscription_id: SubscriptionId, payload: SubscriptionUpdate):
    return services.update_subscription(
        subscription=_subscription(request, subscription_id), **payload.dict(exclude_unset=True)
    )


@router.delete("/webhooks/subscriptions/{subscription_id}", response=ok(None, status=204))
def delete_subscription(request, subscription_id: SubscriptionId):
    """Stop sending to this address; its delivery log goes with it."""
    services.delete_subscription(subscription=_subscription(request, subscription_id))
    return Status(204, None)


@router.post("/webhooks/subscriptions/{subscription_id}/secret", response=ok(SecretOut))
def replace_secret(request, subscription_id: SubscriptionId, payload: SecretIn | None = None):
    """Replace the signing secret; every delivery from now on is signed with the new one."""
    secret = services.rotate_secret(
        subscription=_subscription(request, subscription_id),
        secret=payload.secret if payload else None,
    )
    return {"secret": secret}


@router.post(
    "/webhooks/subscriptions/{subscription_id}/test",
    response=ok(DeliveryOut, status=202, conflict=True),
)
def test_subscription(request, subscription_id: SubscriptionId):
    """Send a `ping` event to this address alone (202): its delivery shows what the endpoint
    answered."""
    delivery = services.send_test(subscription=_subscription(request, subscription_id))
    return Status(202, _delivery(request, delivery.pk))


# ---- deliveries and events --------------------------------------------------------------------


@router.get("/webhooks/deliveries", response=listed(list[DeliveryOut]))
@paginate(Page)
def list_deliveries(request, filters: Query[DeliveryFilters]):
    """The delivery log, newest first: each event sent to each address, with what it answered."""
    return selectors.deliveries_for(
        company=company_of(request),
        subscription_id=filters.subscription,
        status=filters.status,
        event_type=filters.event_type,
    )


@router.get("/webhooks/deliveries/{delivery_id}", response=ok(DeliveryDetailOut))
def get_delivery(request, delivery_id: DeliveryId):
    """One delivery with the body it sends and every attempt."""
    return _delivery(request, delivery_id)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response=ok(DeliveryOut, status=202, conflict=True),
)
def redeliver(request, delivery_id: DeliveryId):
    """Send the same event (same id, same body) to the same address again, as a new delivery
    (202). 409 when the subscription is turned off."""
    again = services.redeliver(delivery=_delivery(request, delivery_id))
    return Status(202, _delivery(request, again.pk))


@router.get("/webhooks/events", response=listed(list[EventOut]))
@paginate(Page)
def list_events(request, filters: Query[EventFilters]):
    """Events sent to at least one subscription, newest first (kept 30 days): a program that
    missed some can catch up here."""
    events = Event.objects.for_company(company_of(request)).exclude(type=PING)
    return events.filter(type=filters.type) if filters.type else events


@router.get("/webhooks/events/{event_id}", response=ok(EventOut))
def get_event(request, event_id: EventId):
    return Event.objects.get_for_company_or_404(company_of(request), public_id=event_id)
