"""What setting up webhooks writes in the company's activity log (who did it is the request's
actor: a person or an API key). Deliveries themselves are in the delivery log, not here."""

from cellbooks.accounts.audit import describe, record

describe(
    **{
        "webhooks.endpoint_added": "Added a webhook address",
        "webhooks.endpoint_changed": "Changed a webhook address",
        "webhooks.endpoint_removed": "Removed a webhook address",
        "webhooks.secret_replaced": "Replaced a webhook signing secret",
    }
)


def _record(subscription, action: str, summary: str, details: dict | None = None) -> None:
    record(
        company=subscription.company,
        action=action,
        target_kind="webhook",
        target_id=subscription.pk,
        target_label=subscription.url,
        summary=summary,
        details=details or {},
    )


def endpoint_added(subscription) -> None:
    _record(
        subscription,
        "webhooks.endpoint_added",
        f"Sends {', '.join(subscription.event_types)} to {subscription.url}",
        {"event_types": subscription.event_types},
    )


def endpoint_changed(subscription, fields) -> None:
    state = "on" if subscription.is_active else "off"
    _record(
        subscription,
        "webhooks.endpoint_changed",
        f"Changed {', '.join(sorted(fields))}; sending is {state}",
        {
            "fields": sorted(fields),
            "event_types": subscription.event_types,
            "active": subscription.is_active,
        },
    )


def endpoint_removed(subscription) -> None:
    _record(
        subscription, "webhooks.endpoint_removed", f"No longer sends events to {subscription.url}"
    )


def secret_replaced(subscription) -> None:
    _record(subscription, "webhooks.secret_replaced", "New signing secret")
