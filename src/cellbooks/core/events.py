"""Events other systems can subscribe to: a name ("invoice.paid"), a sentence, and what happened.

Any room announces an event with ``publish``; it knows nothing of who listens. The events app
(``cellbooks.events``) listens and turns each event into signed webhooks for the company's
subscriptions, written in the caller's transaction and delivered after it commits, so publishing
never slows down or fails the action that caused it.

A room first declares the events it may publish, once, when its app is ready::

    from cellbooks.core.events import catalogue
    catalogue.register("layaway.created", "A device was put on layaway.")

and then, inside the transaction of the action::

    from cellbooks.core.events import publish
    publish(company=company, type="layaway.created", data={"id": ..., "number": ...})

``data`` is plain JSON: strings (money as "12.50"), numbers, booleans, lists and dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal

# kwargs: company, type (a registered name), data (JSON-ready dict) — sent by ``publish``.
event_published = Signal()


@dataclass(frozen=True)
class EventType:
    name: str  # "invoice.paid": <what>.<what happened to it>
    description: str  # a sentence for people choosing what to subscribe to
    source: str = ""  # who publishes it, e.g. "QuickBooks" (empty: Cellbooks itself)


class EventCatalogue:
    """Every event type some room may publish, by name."""

    def __init__(self):
        self._types: dict[str, EventType] = {}

    def register(self, name: str, description: str, *, source: str = "") -> EventType:
        event_type = EventType(name=name, description=description, source=source)
        self._types[name] = event_type
        return event_type

    def unregister(self, name: str) -> None:
        self._types.pop(name, None)

    def all(self) -> list[EventType]:
        return sorted(self._types.values(), key=lambda event_type: event_type.name)

    def names(self) -> list[str]:
        return [event_type.name for event_type in self.all()]

    def __contains__(self, name: str) -> bool:
        return name in self._types

    def get(self, name: str) -> EventType | None:
        return self._types.get(name)


catalogue = EventCatalogue()


def publish(*, company, type: str, data: dict | Callable[[], dict]) -> None:  # noqa: A002
    """Announce that ``type`` happened in ``company``; call it inside the action's transaction.
    ``data`` may be a function that builds it: called only when someone wants the event, so an
    event nobody subscribed to costs no queries."""
    if type not in catalogue:
        raise ValueError(f"unknown event type {type!r}: register it in the catalogue first")
    event_published.send(sender=None, company=company, type=type, data=data)
