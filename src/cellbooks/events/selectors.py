"""Read-only queries for the webhooks' pages and API: always scoped to one company."""

from django.db.models import QuerySet

from .models import Delivery, Subscription


def subscriptions_for(*, company) -> QuerySet:
    return Subscription.objects.for_company(company)


def deliveries_for(*, company, subscription_id=None, status=None, event_type=None) -> QuerySet:
    """The delivery log, newest first."""
    deliveries = Delivery.objects.for_company(company).select_related("event", "subscription")
    if subscription_id is not None:
        deliveries = deliveries.filter(subscription_id=subscription_id)
    if status:
        deliveries = deliveries.filter(status=status)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    return deliveries
