"""One router per resource; ``cellbooks.api.api`` mounts them all."""

from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError

from cellbooks.core.identifiers import parse_identifier

try:
    from ninja import Status  # django-ninja >= 1.6; returning (status, body) is deprecated there
except ImportError:  # pragma: no cover - older 1.x

    def Status(status_code: int, value):  # noqa: N802 - stands in for the class
        return status_code, value


# The most rows one page of a list returns, whatever ``limit`` asks for.
MAX_PAGE = 500


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
