"""Money is Decimal, always two places, rounded half-up like an invoice (never float)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """A value that is not an amount of money."""


def to_money(value) -> Decimal:
    """Parse ``value`` (str, int or Decimal; never float) into a two-place Decimal.

    Accepts "1,234.50", "$12", " 7.5 ". Refuses floats, NaN, infinities and more than two decimals.
    """
    if isinstance(value, float):
        raise MoneyError("money must not be a float")
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().replace(",", "").lstrip("$").strip()
        if not text:
            raise MoneyError("is empty")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"'{value}' is not an amount") from None
    if not amount.is_finite():
        raise MoneyError(f"'{value}' is not an amount")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError(f"'{value}' has more than two decimal places")
    return amount.quantize(CENT)


def money_sum(amounts) -> Decimal:
    return sum((Decimal(a) for a in amounts), ZERO).quantize(CENT)
