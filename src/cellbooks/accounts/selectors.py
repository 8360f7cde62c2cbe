"""Reads of the accounts pages: the team, invitations, API keys and the activity log."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ApiKey, AuditEntry, Company, Invitation, Membership


def members(*, company: Company) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(company=company)
        .select_related("user")
        .order_by("user__first_name", "user__email")
    )


def pending_invitations(*, company: Company) -> QuerySet[Invitation]:
    return Invitation.objects.pending().filter(company=company).select_related("invited_by")


def api_keys(*, company: Company) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(company=company).select_related("created_by")


def activity(
    *,
    company: Company,
    action: str = "",
    who: str = "",
    about: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """The company's activity, newest first, narrowed by what was done, by whom (part of a name,
    email or key name), about what (part of a document number or name) and between two days of
    the company's calendar."""
    entries = AuditEntry.objects.for_company(company)
    if action:
        entries = entries.filter(action=action)
    if who.strip():
        entries = entries.filter(actor_label__icontains=who.strip())
    if about.strip():
        text = about.strip()
        entries = entries.filter(Q(target_label__icontains=text) | Q(summary__icontains=text))
    zone = company_zone(company)
    if since:
        start = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
        entries = entries.filter(created_at__gte=start)
    if until:
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min)
        entries = entries.filter(created_at__lt=end.replace(tzinfo=zone))
    return entries.order_by("-created_at", "-id")


def history(*, company: Company, kind: str, target_id: int) -> QuerySet[AuditEntry]:
    """Everything recorded about one record (a document's history), newest first."""
    return AuditEntry.objects.for_company(company).filter(target_kind=kind, target_id=target_id)


def actions_used(*, company: Company) -> list[str]:
    return list(
        AuditEntry.objects.for_company(company)
        .order_by()
        .values_list("action", flat=True)
        .distinct()
    )


def company_zone(company: Company):
    try:
        return ZoneInfo(company.time_zone)
    except (ValueError, KeyError):
        return timezone.get_current_timezone()
