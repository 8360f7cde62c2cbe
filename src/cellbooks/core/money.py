"""Money is Decimal, always two places, rounded half-up like an invoice (never float)."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import to_locale

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Up to 12 digits before the point: what a 14-digit, 2-decimal column holds.
MAX_WHOLE_DIGITS = 12
# Plain decimal notation only: an optional sign, digits, an optional point and digits. Exponents
# ("1e30"), NaN, infinities and hex are not amounts a person types.
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class MoneyError(ValueError):
    """A value that is not an amount of money; the message says why, to follow "The amount"."""


def to_money(value) -> Decimal:
    """Parse ``value`` (str, int or Decimal; never float) into a two-place Decimal.

    Accepts "1,234.50", "$12", " 7.5 ", "-3". Refuses floats, exponents, NaN, infinities, more
    than two decimal places and more than 12 digits before the point, each with its reason.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("must be written as a decimal number, not a float")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"'{value}' is not an amount")
        text = format(value, "f")
    else:
        text = str(value).strip().replace(",", "").replace("$", "", 1).strip()
        if not text:
            raise MoneyError("is empty")
    if not _PLAIN.match(text):
        raise MoneyError(f"'{value}' is not an amount")
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise MoneyError(f"'{value}' is not an amount") from None
    whole = text.lstrip("+-").split(".")[0].lstrip("0")
    if len(whole) > MAX_WHOLE_DIGITS:
        raise MoneyError(
            f"'{value}' is too large (at most {MAX_WHOLE_DIGITS} digits before the point)"
        )
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError(f"'{value}' has more than two decimal places")
    return amount.quantize(CENT)


def money_sum(amounts) -> Decimal:
    return sum((Decimal(a) for a in amounts), ZERO).quantize(CENT)


DEFAULT_CURRENCY = "USD"


def format_money(amount, currency: str | None = None) -> str:
    """How every page, message, document and export shows an amount: with the currency, grouped
    digits and two places, in the site's language ("$1,234.50", "-$5.00", "€1,234.50",
    "CA$12.00"). Decimal in, text out (Babel formats Decimals without going through float)."""
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    return format_currency(
        amount.quantize(CENT, rounding=ROUND_HALF_UP),
        (currency or DEFAULT_CURRENCY).upper(),
        locale=_locale(),
        currency_digits=False,  # always the stored two places, even for a currency without cents
    )


def _locale() -> str:
    return to_locale(settings.LANGUAGE_CODE)
