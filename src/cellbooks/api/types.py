"""Value types of the REST API that integrations' schemas share with the inventory's: money as a
string with two decimals, both ways; ids and offsets bounded to what the database holds; text
without NUL characters; enums inlined from a model's choices."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from cellbooks.core.money import CENT, MAX_WHOLE_DIGITS, MoneyError, to_money

# What money looks like on the wire: digits, at most two decimals, at most 12 digits before the
# point (a 14-digit, 2-decimal column). Money is a string, not a JSON number: a JSON number is a
# binary float in most clients (0.1 + 0.2 != 0.3), and amounts must survive to the cent.
MONEY_PATTERN = rf"^-?\d{{1,{MAX_WHOLE_DIGITS}}}(\.\d{{1,2}})?$"
MONEY_OUT_PATTERN = rf"^-?\d{{1,{MAX_WHOLE_DIGITS}}}\.\d{{2}}$"
MONEY_MAX_LENGTH = MAX_WHOLE_DIGITS + 4  # sign, point, two decimals

# Ids are 64-bit signed integers in the database (BigAutoField): anything above cannot exist, and
# would overflow the database driver. Offsets are bounded the same way.
MAX_ID = 2**63 - 1


def _parse_money(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        # A JSON number with a fraction has already been through a binary float: refuse it
        # rather than guess which cents were meant.
        raise PydanticCustomError(
            "money", 'Send money as a string with at most two decimals, e.g. "12.50".'
        )
    if isinstance(value, str) and len(value) > 40:
        raise PydanticCustomError("money", "Not an amount of money: it is too long.")
    try:
        return to_money(value)
    except MoneyError as exc:
        raise PydanticCustomError(
            "money", "Not an amount of money: {reason}.", {"reason": str(exc)}
        ) from None


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "maxLength": MONEY_MAX_LENGTH,
            "examples": ["1234.50"],
            "description": "An amount as a string, at most two decimals.",
        }
    ),
]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(Decimal(value).quantize(CENT)), return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_OUT_PATTERN, "examples": ["1234.50"]}),
]


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store a NUL character in text; nobody types one.
    if "\x00" in value:
        raise PydanticCustomError("text", "Text cannot contain a NUL character.")
    return value


def Text(max_length: int | None = None, *, min_length: int | None = None) -> Any:  # noqa: N802
    """A string field's type: at most ``max_length`` characters (what the column holds), no NUL."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


def RequiredText(max_length: int) -> Any:  # noqa: N802
    """Text that must not be empty — refused by the services with their own sentence, alongside
    every other problem of the request, so the schema only documents ``minLength``."""
    return Annotated[
        str,
        Field(max_length=max_length, json_schema_extra={"minLength": 1}),
        AfterValidator(_no_nul),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID, examples=[1])]


def one_of(choices) -> Any:
    """A Literal of a model's TextChoices values: an inline enum in the OpenAPI document (the
    models' enums would all be called "Status" there and overwrite each other)."""
    return Literal[tuple(choices.values)]
