"""The activity log: who did what, and when.

Services do not take a user argument: who is acting is a request-scoped **actor** in a context
variable, set by ``ActorMiddleware`` for a signed-in person and by the API's key authentication
for an API key. Background work (the worker, a webhook) has no actor; its entries are labelled by
what did the work ("QuickBooks", "Cellbooks").

Rooms record through signals they already send (inventory: ``cellbooks.inventory.audit``;
accounts: the receivers below) or, for an integration's own actions, by calling ``record``.
Entries are immutable (``AuditEntry`` refuses updates and deletes).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from django.dispatch import receiver

from .models import ApiKey, AuditEntry, Company, Invitation, Membership
from .signals import (
    api_key_created,
    api_key_revoked,
    company_settings_saved,
    invitation_accepted,
    invitation_revoked,
    invitation_sent,
    member_removed,
    member_role_changed,
)


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None
    api_key_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        name = user.get_full_name().strip()
        email = user.email or user.get_username()
        return cls(label=f"{name} ({email})" if name else email, user_id=user.pk)

    @classmethod
    def for_api_key(cls, key: ApiKey) -> Actor:
        return cls(label=f"API key “{key.name}” ({key.key_prefix}…)", api_key_id=key.pk)


SYSTEM = "Cellbooks"
_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("actor", default=None)


def current_actor() -> Actor | None:
    return _current.get()


def set_actor(actor: Actor | None) -> contextvars.Token:
    """Make ``actor`` the one acting from now on in this context; ``reset_actor(token)`` undoes it."""
    return _current.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    _current.reset(token)


@contextmanager
def acting_as(actor: Actor | None):
    token = set_actor(actor)
    try:
        yield actor
    finally:
        reset_actor(token)


# Labels of the actions, for the activity page and its filter. Each room adds its own with
# ``describe``; an action without a label shows as its code.
ACTIONS: dict[str, str] = {}


def describe(**labels: str) -> None:
    """Name actions for people: ``describe(**{"invoice.voided": "Voided an invoice"})``."""
    ACTIONS.update(labels)


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def record(
    *,
    company: Company,
    action: str,
    target_kind: str = "",
    target_id: int | None = None,
    target_label: str = "",
    summary: str = "",
    details: dict | None = None,
    actor: Actor | None = None,
    fallback_label: str = SYSTEM,
) -> AuditEntry:
    """Write one activity entry (in the caller's transaction, if any).

    The actor is ``actor``, else the request's (a person or an API key), else ``fallback_label``
    (e.g. "QuickBooks" for a payment it brought in).
    """
    actor = actor or current_actor() or Actor(label=fallback_label)
    return AuditEntry.objects.create(
        company=company,
        action=action,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label[:200],
        target_kind=target_kind,
        target_id=target_id,
        target_label=target_label[:200],
        summary=summary[:500],
        details=details or {},
    )


# ---- what accounts records ----------------------------------------------------------------------
describe(
    **{
        "company.created": "Created the company",
        "company.settings_saved": "Changed the company's settings",
        "member.invited": "Invited someone",
        "member.invitation_revoked": "Revoked an invitation",
        "member.joined": "Joined the company",
        "member.role_changed": "Changed a member's role",
        "member.removed": "Removed a member",
        "api_key.created": "Created an API key",
        "api_key.revoked": "Revoked an API key",
    }
)


def _member_label(membership: Membership) -> str:
    user = membership.user
    return user.email or user.get_username()


@receiver(company_settings_saved)
def _company_settings_saved(sender, company, changed, **kwargs):
    record(
        company=company,
        action="company.settings_saved",
        target_kind="company",
        target_id=company.pk,
        target_label=company.name,
        summary="Changed " + ", ".join(changed) if changed else "Saved without changes",
        details={"changed": list(changed)},
    )


@receiver(invitation_sent)
def _invitation_sent(sender, invitation: Invitation, **kwargs):
    record(
        company=invitation.company,
        action="member.invited",
        target_kind="invitation",
        target_id=invitation.pk,
        target_label=invitation.email,
        summary=f"Invited {invitation.email} as {invitation.get_role_display()}",
        details={"email": invitation.email, "role": invitation.role},
    )


@receiver(invitation_revoked)
def _invitation_revoked(sender, invitation: Invitation, **kwargs):
    record(
        company=invitation.company,
        action="member.invitation_revoked",
        target_kind="invitation",
        target_id=invitation.pk,
        target_label=invitation.email,
        summary=f"Revoked the invitation of {invitation.email}",
    )


@receiver(invitation_accepted)
def _invitation_accepted(sender, invitation: Invitation, membership: Membership, **kwargs):
    record(
        company=invitation.company,
        action="member.joined",
        target_kind="member",
        target_id=membership.pk,
        target_label=_member_label(membership),
        summary=f"{_member_label(membership)} joined as {membership.get_role_display()}",
        details={"role": membership.role, "invitation": invitation.pk},
        actor=Actor.for_user(membership.user),
    )


@receiver(member_role_changed)
def _member_role_changed(sender, membership: Membership, old_role: str, **kwargs):
    old = Membership.Role(old_role).label if old_role in Membership.Role.values else old_role
    record(
        company=membership.company,
        action="member.role_changed",
        target_kind="member",
        target_id=membership.pk,
        target_label=_member_label(membership),
        summary=f"{_member_label(membership)}: {old} → {membership.get_role_display()}",
        details={"from": old_role, "to": membership.role},
    )


@receiver(member_removed)
def _member_removed(sender, membership: Membership, **kwargs):
    record(
        company=membership.company,
        action="member.removed",
        target_kind="member",
        target_id=membership.pk,
        target_label=_member_label(membership),
        summary=f"Removed {_member_label(membership)} ({membership.get_role_display()})",
        details={"role": membership.role},
    )


@receiver(api_key_created)
def _api_key_created(sender, key: ApiKey, **kwargs):
    record(
        company=key.company,
        action="api_key.created",
        target_kind="api_key",
        target_id=key.pk,
        target_label=f"{key.name} ({key.key_prefix}…)",
        summary=f"Created API key “{key.name}” with the role {key.get_role_display()}",
        details={"role": key.role},
    )


@receiver(api_key_revoked)
def _api_key_revoked(sender, key: ApiKey, **kwargs):
    record(
        company=key.company,
        action="api_key.revoked",
        target_kind="api_key",
        target_id=key.pk,
        target_label=f"{key.name} ({key.key_prefix}…)",
        summary=f"Revoked API key “{key.name}”",
    )
