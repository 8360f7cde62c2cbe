"""One router per resource; ``cellbooks.api.api`` mounts them all. Shared here: the bounded
pagination every list uses, the path parameter for ids, and identifier helpers."""

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from ninja import Field, Path, Schema
from ninja.pagination import LimitOffsetPagination

from cellbooks.api.types import MAX_ID
from cellbooks.core.identifiers import parse_identifier

try:
    from ninja import Status  # django-ninja >= 1.6; returning (status, body) is deprecated there
except ImportError:  # pragma: no cover - older 1.x

    def Status(status_code: int, value):  # noqa: N802 - stands in for the class
        return status_code, value


# The most rows one page of a list returns, whatever ``limit`` asks for.
MAX_PAGE = 500
DEFAULT_PAGE = 100


def IdPath(what: str) -> Any:  # noqa: N802 - a type, used as one
    """A path parameter that is a record's id: 1 to 2^63-1 (a 64-bit database id); anything else
    answers 422 naming the parameter rather than reaching the database."""
    return Annotated[int, Path(ge=1, le=MAX_ID, description=f"The {what}'s id.", examples=[1])]


class Page(LimitOffsetPagination):
    """``limit`` (1 to 500, default 100) and ``offset`` (0 or more) rows; the answer is
    ``{"items": [...], "count": <all matching>}``."""

    class Input(Schema):
        limit: int = Field(
            DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"Rows per page, 1 to {MAX_PAGE}."
        )
        offset: int = Field(
            0, ge=0, le=MAX_ID, description="Rows to skip: 0 for the first page, then + limit."
        )

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_PAGE, **kwargs)


def normalised_identifier(identifier: str) -> str:
    """The form the services store ("35-209900-176148-1" -> "352099001761481"), if it parses."""
    try:
        return parse_identifier(identifier)[0]
    except ValidationError:
        return identifier.strip()


def duplicate_identifiers(identifiers: Sequence[str], loc: Callable[[int], list]) -> list[dict]:
    """An error item for every identifier that repeats an earlier one in the same request."""
    first_seen: dict[str, int] = {}
    problems = []
    for index, identifier in enumerate(identifiers):
        key = normalised_identifier(identifier)
        if key in first_seen:
            msg = f"Duplicate of item {first_seen[key]} in this request."
            problems.append({"loc": loc(index), "msg": msg, "type": "invalid"})
        else:
            first_seen[key] = index
    return problems
