"""The arithmetic of the reports, kept pure (no database) so it can be checked on its own: margins
(price − cost) added up by any grouping, and receivables aged into buckets. Decimal only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from cellbooks.core.money import CENT, ZERO

PERCENT_STEP = Decimal("0.1")


def margin_percent(margin: Decimal, revenue: Decimal) -> Decimal | None:
    """Margin as a share of revenue, in percent with one decimal; None without revenue."""
    if not revenue:
        return None
    return (margin * 100 / revenue).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


@dataclass
class Margin:
    """Devices sold, what they sold for and what they cost; the margin is the difference."""

    units: int = 0
    revenue: Decimal = ZERO
    cost: Decimal = ZERO

    def add(self, price: Decimal, cost: Decimal, units: int = 1) -> Margin:
        self.units += units
        self.revenue += price
        self.cost += cost
        return self

    def merge(self, other: Margin) -> Margin:
        return self.add(other.revenue, other.cost, other.units)

    @property
    def margin(self) -> Decimal:
        return (self.revenue - self.cost).quantize(CENT)

    @property
    def percent(self) -> Decimal | None:
        return margin_percent(self.margin, self.revenue)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of every month from ``start``'s to ``end``'s, both included."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# ---- receivables ---------------------------------------------------------------------------

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
BUCKET_LABELS = {
    "current": "Current",
    "1_30": "1–30 days",
    "31_60": "31–60 days",
    "61_90": "61–90 days",
    "over_90": "Over 90 days",
}


def days_overdue(due_date: datetime.date | None, today: datetime.date) -> int:
    """Days past the due date (0 when not due yet; an invoice without one is due on its date)."""
    if due_date is None:
        return 0
    return max((today - due_date).days, 0)


def aging_bucket(days: int) -> str:
    """current, 1–30, 31–60, 61–90, over 90 days past due."""
    if days <= 0:
        return "current"
    if days <= 30:
        return "1_30"
    if days <= 60:
        return "31_60"
    if days <= 90:
        return "61_90"
    return "over_90"


@dataclass
class Aging:
    """What is owed, by how late it is."""

    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))
    invoices: int = 0
    oldest_days: int = 0

    def add(self, balance: Decimal, days: int) -> Aging:
        self.buckets[aging_bucket(days)] += balance
        self.invoices += 1
        self.oldest_days = max(self.oldest_days, days)
        return self

    def merge(self, other: Aging) -> Aging:
        for bucket in BUCKETS:
            self.buckets[bucket] += other.buckets[bucket]
        self.invoices += other.invoices
        self.oldest_days = max(self.oldest_days, other.oldest_days)
        return self

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["current"]

    def in_order(self) -> list[tuple[str, Decimal]]:
        return [(BUCKET_LABELS[bucket], self.buckets[bucket]) for bucket in BUCKETS]
