"""The emulator's clock, which the control plane can move forward, and the two ways QBO writes a
moment (MetaData times and the envelope's ``time``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass
class Clock:
    """UTC clock that the control plane can move forward (`POST /_emulator/clock`)."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> datetime:
        self.offset += timedelta(seconds=seconds)
        return self.now()


def meta_time(moment: datetime, tz: ZoneInfo) -> str:
    """MetaData times: local time of the company with its offset, no fraction."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def response_time(moment: datetime, tz: ZoneInfo) -> str:
    """The envelope's ``time``: milliseconds and the company's offset."""
    return moment.astimezone(tz).isoformat(timespec="milliseconds")
