"""The one rule for grouping a document's devices into lines, shared by the document pages and by
every accounting integration: a page group is exactly one line of the accounting document.

A group is the devices of one product (by its display name, compared without case) in one
condition at one unit amount (cost on a purchase order, price on an invoice). Splitting by amount
is what lets every line's amount be exactly quantity × unit amount, so a document's total is the
sum of its lines to the cent wherever it is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TypeVar

Item = TypeVar("Item")


def product_display_name(
    manufacturer: str, model: str, capacity: str = "", colour: str = "", network: str = ""
) -> str:
    """ "Apple iPhone 13 128GB Blue Unlocked" — the attributes that are set, in order."""
    parts = (manufacturer, model, capacity, colour, network)
    return " ".join(p.strip() for p in parts if p and p.strip())


def group_key(
    *, product_name: str, condition_order: int, condition_code: str, unit_amount: Decimal
) -> tuple:
    """The sort-and-group key: product, then the company's grade order, then the amount."""
    return (product_name.lower(), condition_order, condition_code.lower(), unit_amount)


def group(
    items: Iterable[Item], *, key: Callable[[Item], tuple], tiebreak: Callable[[Item], object]
) -> list[list[Item]]:
    """``items`` in groups of equal ``key``, groups in key order, members in ``tiebreak`` order
    (the identifier): the same input always gives the same lines."""
    ordered = sorted(items, key=lambda item: (key(item), tiebreak(item)))
    groups: list[list[Item]] = []
    last = object()
    for item in ordered:
        current = key(item)
        if not groups or current != last:
            groups.append([])
            last = current
        groups[-1].append(item)
    return groups
