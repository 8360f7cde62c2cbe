"""The QBO query language (docs/intuit-api.md §3).

    SELECT * | field[, field...] | *, field | COUNT(*) FROM Entity [WHERE cond [AND cond]...]
        [ORDERBY|ORDER BY field [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS n]

cond is ``field op value`` with op one of = < > <= >= LIKE IN; values are 'strings' (backslash
escapes), numbers, true/false, or (v1, v2, ...) lists for IN. Keywords and entity names match
in any case. Dotted fields (MetaData.LastUpdatedTime) and references (CustomerRef compares its
``value``) are supported. A syntax error is 4000 with a JavaCC-style "Encountered" detail.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import errors
from .entities import find_entity_type
from .jsonutil import clone

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "orderby",
    "order",
    "by",
    "asc",
    "desc",
    "startposition",
    "maxresults",
    "in",
    "like",
    "count",
    "true",
    "false",
}
OPERATORS = ("<=", ">=", "!=", "=", "<", ">")


@dataclass
class Token:
    kind: str  # "word", "string", "number", "op", "punct", "eof"
    text: str
    value: Any
    column: int


@dataclass
class Condition:
    field: str
    op: str
    value: Any


@dataclass
class Query:
    entity: str
    count: bool = False
    # Selected fields; None for ``*`` (``SELECT *, Sku`` is the whole record too).
    fields: list[str] | None = None
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_RESULTS


# --- lexer -----------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        column = i + 1
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            value, i = _read_string(text, i)
            tokens.append(Token("string", text[column - 1 : i], value, column))
            continue
        for op in OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("op", op, op, column))
                i += len(op)
                break
        else:
            if ch in "(),*":
                tokens.append(Token("punct", ch, ch, column))
                i += 1
                continue
            number = _NUMBER.match(text, i)
            if number and (ch != "-" or not tokens or tokens[-1].kind in ("op", "punct")):
                tokens.append(Token("number", number.group(), Decimal(number.group()), column))
                i = number.end()
                continue
            word = _WORD.match(text, i)
            if word:
                tokens.append(Token("word", word.group(), word.group(), column))
                i = word.end()
                continue
            raise errors.query_parse_error(
                f'Lexical error at line 1, column {column}.  Encountered: "{ch}" ({ord(ch)}), after : ""'
            )
    tokens.append(Token("eof", "<EOF>", None, len(text) + 1))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """A quoted literal; a backslash escapes the next character (\\' and \\\\)."""
    out = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "'":
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise errors.query_parse_error(
        f'Lexical error at line 1, column {len(text) + 1}.  Encountered: <EOF> after : "\'{"".join(out)}"'
    )


# --- parser ----------------------------------------------------------------------------------


class Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def fail(self) -> errors.QBOError:
        tok = self.token
        if tok.kind == "eof":
            return errors.query_parse_error(f'Encountered "<EOF>" at line 1, column {tok.column}.')
        if tok.kind == "word" and tok.text.lower() in KEYWORDS:
            kind = f'"{tok.text.lower()}" "{tok.text.upper()} "'
        else:
            label = {"word": "<IDENTIFIER>", "string": "<STRING>", "number": "<INTEGER>"}.get(
                tok.kind
            )
            kind = f'" {label} "{tok.text} "' if label else f'"{tok.text}" "{tok.text} "'
        return errors.query_parse_error(f'Encountered {kind}" at line 1, column {tok.column}.')

    def keyword(self, *words: str) -> bool:
        tok = self.token
        if tok.kind == "word" and tok.text.lower() in words:
            self.pos += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail()

    def expect_punct(self, ch: str) -> None:
        if not (self.token.kind == "punct" and self.token.text == ch):
            raise self.fail()
        self.pos += 1

    def identifier(self) -> str:
        tok = self.token
        if tok.kind != "word" or tok.text.lower() in KEYWORDS - {"count"}:
            raise self.fail()
        self.pos += 1
        return tok.text

    def integer(self) -> int:
        tok = self.token
        if tok.kind != "number" or "." in tok.text:
            raise self.fail()
        self.pos += 1
        return int(tok.text)

    def value(self) -> Any:
        tok = self.token
        if tok.kind in ("string", "number"):
            self.pos += 1
            return tok.value
        if tok.kind == "word" and tok.text.lower() in ("true", "false"):
            self.pos += 1
            return tok.text.lower() == "true"
        raise self.fail()

    def parse(self) -> Query:
        self.expect_keyword("select")
        count = False
        fields: list[str] | None = []
        if self.token.kind == "word" and self.token.text.lower() == "count":
            self.pos += 1
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            count = True
        else:
            # A projection: ``*``, field names, or both (python-quickbooks' Item.all() sends
            # ``SELECT *, Sku FROM Item``); ``*`` anywhere selects the whole record.
            while True:
                if self.token.kind == "punct" and self.token.text == "*":
                    self.pos += 1
                    fields = None
                else:
                    name = self.identifier()
                    if fields is not None:
                        fields.append(name)
                if not (self.token.kind == "punct" and self.token.text == ","):
                    break
                self.pos += 1
        self.expect_keyword("from")
        entity_tok = self.token
        entity_name = self.identifier()
        et = find_entity_type(entity_name)
        if et is None:
            raise errors.query_parse_error(
                f'Invalid entity name "{entity_name}" at line 1, column {entity_tok.column}.'
            )
        query = Query(entity=et.name, count=count, fields=None if count else fields)
        if self.keyword("where"):
            query.conditions.append(self.condition())
            while self.keyword("and"):
                query.conditions.append(self.condition())
        if self.keyword("orderby") or (
            self.keyword("order") and (self.expect_keyword("by") or True)
        ):
            query.order.append(self.order_item())
            while self.token.kind == "punct" and self.token.text == ",":
                self.pos += 1
                query.order.append(self.order_item())
        while True:
            if self.keyword("startposition"):
                query.start = max(self.integer(), 1)
            elif self.keyword("maxresults"):
                # [U] above 1000 we clamp rather than fail (docs/emulator.md).
                query.max_results = min(max(self.integer(), 0), MAX_RESULTS)
            else:
                break
        if self.token.kind != "eof":
            raise self.fail()
        return query

    def condition(self) -> Condition:
        name = self.identifier()
        tok = self.token
        if tok.kind == "op" and tok.text != "!=":
            self.pos += 1
            return Condition(name, tok.text, self.value())
        if self.keyword("like"):
            value = self.value()
            if not isinstance(value, str):
                raise errors.query_parse_error(
                    f"LIKE needs a quoted string at line 1, column {tok.column}."
                )
            return Condition(name, "like", value)
        if self.keyword("in"):
            self.expect_punct("(")
            values = [self.value()]
            while self.token.kind == "punct" and self.token.text == ",":
                self.pos += 1
                values.append(self.value())
            self.expect_punct(")")
            return Condition(name, "in", values)
        raise self.fail()

    def order_item(self) -> tuple[str, bool]:
        name = self.identifier()
        descending = False
        if self.keyword("desc"):
            descending = True
        else:
            self.keyword("asc")
        return name, descending


def parse(statement: str) -> Query:
    return Parser(statement.strip().rstrip(";")).parse()


# --- evaluation ------------------------------------------------------------------------------


def getter(name: str) -> Callable[[dict], Any]:
    """A function reading a (dotted) field. Names match case-insensitively — QBO's docs spell
    them in PascalCase but clients do not always. A reference reads as its ``value`` (its Id);
    an e-mail address object as its ``Address``."""
    parts = name.split(".")

    def read(record: dict) -> Any:
        node: Any = record
        for index, part in enumerate(parts):
            if isinstance(node, dict):
                value = node.get(part)
                if value is None and part not in node:
                    lowered = part.lower()
                    value = next((v for k, v in node.items() if k.lower() == lowered), None)
                node = value
            elif isinstance(node, list):
                # A list of objects (AttachableRef, Line): the values of every element, and a
                # condition holds when it holds for any of them.
                inner = getter(".".join(parts[index:]))
                values = (inner(element) for element in node if isinstance(element, dict))
                return AnyOf(v for v in values if v is not None)
            else:
                return None
        if isinstance(node, dict):
            if "value" in node:
                return node["value"]
            if "Address" in node:
                return node["Address"]
        return node

    return read


class AnyOf(list):
    """The values a dotted field has across a list of objects."""


def field_value(record: dict, name: str) -> Any:
    return getter(name)(record)


_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _as_datetime(text: str) -> datetime | None:
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    match = re.match(r"^(.*[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-]\d{2})(\d{2})$", value)
    if match:  # -0700 -> -07:00
        value = f"{match.group(1)}{match.group(2)}:{match.group(3)}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment


class Literal:
    """A query literal in every form a stored value may need, computed once per query."""

    def __init__(self, value: Any):
        self.raw = value
        self.is_bool = isinstance(value, bool)
        self.boolean = value if self.is_bool else str(value).strip().lower() == "true"
        try:
            self.number = None if self.is_bool else Decimal(str(value).strip())
        except InvalidOperation:
            self.number = None
        text = str(value)
        self.moment = _as_datetime(text) if _DATE_LIKE.match(text) else None
        self.folded = text.casefold()


_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_OPS = {"=": operator.eq, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}


def compare(value: Any, op, literal: Literal) -> bool:
    """Compare a stored value with a literal in the stored value's own type: booleans,
    numbers, date-times (offsets honoured; a literal without one takes the value's), or
    case-insensitive strings."""
    if value is None:
        return False
    if isinstance(value, bool) or literal.is_bool:
        stored = value if isinstance(value, bool) else str(value).lower() == "true"
        return op(stored, literal.boolean)
    if isinstance(value, int | Decimal):
        return literal.number is not None and op(Decimal(value), literal.number)
    text = str(value)
    if literal.moment is not None and _DATETIME_RE.match(text):
        stored_moment = _as_datetime(text)
        if stored_moment is not None:
            other = literal.moment
            if other.tzinfo is None:
                other = other.replace(tzinfo=stored_moment.tzinfo)
            elif stored_moment.tzinfo is None:
                stored_moment = stored_moment.replace(tzinfo=other.tzinfo)
            return op(stored_moment, other)
    if literal.number is not None and isinstance(literal.raw, Decimal) and _NUMERIC.match(text):
        return op(Decimal(text), literal.number)
    # [U] String comparison is case-insensitive (docs/emulator.md).
    return op(text.casefold(), literal.folded)


_NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?$")


def like(value: Any, pattern: str) -> bool:
    if value is None:
        return False
    return _like_regex(pattern).match(str(value)) is not None


def _like_regex(pattern: str) -> re.Pattern:
    return re.compile(
        "^" + ".*".join(re.escape(part) for part in pattern.split("%")) + "$",
        re.IGNORECASE | re.DOTALL,
    )


def predicate(cond: Condition) -> Callable[[dict], bool]:
    """Compile a condition once per query into a function of a record."""
    name = cond.field
    if cond.op == "like":
        regex = _like_regex(cond.value)
        read_like = getter(name)

        def like_holds(record: dict) -> bool:
            value = read_like(record)
            values = value if isinstance(value, AnyOf) else (value,)
            return any(v is not None and regex.match(str(v)) is not None for v in values)

        return like_holds
    literals = [Literal(v) for v in (cond.value if cond.op == "in" else [cond.value])]
    op = _OPS["=" if cond.op == "in" else cond.op]
    read = getter(name)

    if len(literals) == 1:
        literal = literals[0]

        def holds_one(record: dict) -> bool:
            value = read(record)
            if type(value) is AnyOf:
                return any(compare(v, op, literal) for v in value)
            return compare(value, op, literal)

        return holds_one

    def holds(record: dict) -> bool:
        value = read(record)
        values = value if type(value) is AnyOf else (value,)
        return any(compare(v, op, lit) for v in values for lit in literals)

    return holds


def matches(record: dict, cond: Condition) -> bool:
    return predicate(cond)(record)


def sort_key(value: Any) -> tuple:
    if value is None:
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | Decimal):
        return (0, Decimal(value))
    text = str(value)
    if text.isdigit():
        return (0, Decimal(text))
    moment = _as_datetime(text) if _DATETIME_RE.match(text) else None
    if moment is not None and moment.tzinfo is not None:
        return (0, Decimal(str(moment.timestamp())))
    return (1, text.casefold())


def execute(rows: list[dict], query: Query, *, has_active: bool) -> dict:
    """Filter, sort and page. ``rows`` come in Id order (the store's tables keep insertion
    order and Ids only grow), which is QBO's default ascending-by-Id order."""
    predicates = [predicate(c) for c in query.conditions]
    selected = [r for r in rows if all(p(r) for p in predicates)]
    if has_active and not any(c.field.lower() == "active" for c in query.conditions):
        # Without a filter on Active, only active rows are returned (docs/intuit-api.md §3).
        selected = [r for r in selected if r.get("Active", True) is not False]
    if query.count:
        return {"totalCount": len(selected)}
    for name, descending in reversed(query.order):
        read = getter(name)
        selected.sort(key=lambda r, read=read: sort_key(read(r)), reverse=descending)
    page = selected[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    if query.fields is not None:
        page = [project(record, query.fields) for record in page]
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def project(record: dict, fields: list[str]) -> dict:
    """Only the selected fields (and Id), marked sparse, as QBO answers a projection. [U] Which
    bookkeeping fields a projection keeps (docs/emulator.md)."""
    out: dict = {}
    wanted = {"id", *(name.split(".")[0].lower() for name in fields)}
    for key, value in record.items():
        if key.lower() in wanted:
            out[key] = value
    out["domain"] = record.get("domain", "QBO")
    out["sparse"] = True
    return out


def run_query(realm, statement: str) -> dict:
    query = parse(statement)
    et = find_entity_type(query.entity)
    table = realm.table(query.entity)
    rows = by_ids(table, query)
    if rows is None:
        rows = list(table.values())
    result = execute(rows, query, has_active=et.has_active)
    if query.entity in result:
        page = result.pop(query.entity)
        if et.presents:
            page = [et.present(realm, clone(record)) for record in page]
        result = {et.wire_name: page, **result}
    return result


def by_ids(table: dict, query: Query) -> list[dict] | None:
    """Fast path for ``Id = 'x'`` / ``Id IN (...)``, the lookups sync clients make most."""
    for cond in query.conditions:
        if cond.field.lower() == "id" and cond.op in ("=", "in"):
            wanted = cond.value if cond.op == "in" else [cond.value]
            found = {str(v): table[str(v)] for v in wanted if str(v) in table}
            return sorted(found.values(), key=lambda r: sort_key(r.get("Id")))
    return None
