"""Value types of the REST API that integrations' schemas share with the inventory's: money as a
string with two decimals, both ways, and enums inlined from a model's choices."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from cellbooks.core.money import CENT, MoneyError, to_money

MONEY_PATTERN = r"^-?\d+(\.\d{1,2})?$"


def _parse_money(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        # A JSON number with a fraction has already been through a binary float: refuse it
        # rather than guess which cents were meant.
        raise PydanticCustomError(
            "money", 'Send money as a string with at most two decimals, e.g. "12.50".'
        )
    try:
        return to_money(value)
    except MoneyError as exc:
        raise PydanticCustomError(
            "money", "Not an amount of money: {reason}.", {"reason": str(exc)}
        ) from None


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1234.50"]}),
]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: str(Decimal(value).quantize(CENT)), return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1234.50"]}),
]


def one_of(choices) -> Any:
    """A Literal of a model's TextChoices values: an inline enum in the OpenAPI document (the
    models' enums would all be called "Status" there and overwrite each other)."""
    return Literal[tuple(choices.values)]
