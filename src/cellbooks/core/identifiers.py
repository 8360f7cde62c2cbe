"""Device identifiers: IMEIs (15 digits with a Luhn check digit) and free-form serial numbers.

A scanner or a spreadsheet hands us IMEIs with spaces and dashes ("35-209900-176148-1"), so
digit-only input is normalised before it is checked. Anything else is a serial, kept as typed.
"""

import re

from django.core.exceptions import ValidationError

IMEI_LENGTH = 15
# Digit strings one digit short or long are mistyped IMEIs, not serial numbers; other
# digit-only strings (some makers use numeric serials) are serials.
_IMEI_LIKE_LENGTHS = {IMEI_LENGTH - 1, IMEI_LENGTH, IMEI_LENGTH + 1}
SERIAL_MAX_LENGTH = 64
_SEPARATORS = re.compile(r"[\s\-]+")
# Excel turns a long number into "3.52099E+14": the digits are gone, so say so instead of
# accepting it as a serial number.
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")


def luhn_check_digit(body14: str) -> str:
    """The Luhn check digit that completes a 14-digit IMEI body (ISO/IEC 7812)."""
    if len(body14) != IMEI_LENGTH - 1 or not body14.isdigit():
        raise ValueError("an IMEI body is 14 digits")
    total = 0
    # Counting from the right of the body, every first digit is doubled (it sits next to the
    # check digit once the check digit is appended).
    for position, char in enumerate(reversed(body14)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_imei(s) -> bool:
    """True for exactly 15 digits whose last digit is the Luhn check digit of the first 14."""
    if not isinstance(s, str) or len(s) != IMEI_LENGTH or not s.isdigit() or not s.isascii():
        return False
    return luhn_check_digit(s[:-1]) == s[-1]


def parse_identifier(raw: str) -> tuple[str, str]:
    """Normalise what a user typed or scanned into ``(identifier, "imei" | "serial")``.

    Raises ``ValidationError({"identifier": [...]})`` with a message a person can act on.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError({"identifier": "An IMEI or serial number is required."})
    compact = _SEPARATORS.sub("", text)
    if compact.isdigit() and compact.isascii() and len(compact) in _IMEI_LIKE_LENGTHS:
        return _parse_imei(compact), "imei"
    if _SCIENTIFIC.match(text):
        raise ValidationError(
            {
                "identifier": f"'{text}' looks like a number shortened by a spreadsheet: "
                "format the column as text and copy it again."
            }
        )
    if len(text) > SERIAL_MAX_LENGTH:
        raise ValidationError(
            {
                "identifier": f"A serial number has at most {SERIAL_MAX_LENGTH} characters; this one has {len(text)}."
            }
        )
    return text, "serial"


def _parse_imei(digits: str) -> str:
    if len(digits) != IMEI_LENGTH:
        raise ValidationError(
            {
                "identifier": f"{digits} is not a valid IMEI: an IMEI has 15 digits, this one has {len(digits)}."
            }
        )
    expected = luhn_check_digit(digits[:-1])
    if digits[-1] != expected:
        raise ValidationError(
            {"identifier": f"{digits} is not a valid IMEI: the check digit should be {expected}."}
        )
    return digits
