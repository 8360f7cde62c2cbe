"""Dates as the company sees them: "today" is the day in the company's time zone."""

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


@lru_cache(maxsize=64)
def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_today(time_zone: str | None = None) -> datetime.date:
    """Today in ``time_zone`` (an IANA name, e.g. "America/New_York"); the site's when unknown."""
    zone = _zone(time_zone) if time_zone else None
    return timezone.localdate(timezone=zone) if zone else timezone.localdate()


def company_today(company) -> datetime.date:
    return local_today(getattr(company, "time_zone", None))


def local_date(moment: datetime.datetime | None, time_zone: str | None = None):
    """The calendar day of an aware datetime in ``time_zone`` (None stays None)."""
    if moment is None:
        return None
    zone = _zone(time_zone) if time_zone else None
    return timezone.localtime(moment, zone).date() if zone else timezone.localtime(moment).date()
