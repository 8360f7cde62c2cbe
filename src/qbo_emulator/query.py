"""The QBO query language (facts §3).

    SELECT * | COUNT(*) FROM Entity [WHERE cond [AND cond]...]
        [ORDERBY|ORDER BY field [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS n]

cond is ``field op value`` with op one of = < > <= >= LIKE IN; values are 'strings' (backslash
escapes), numbers, true/false, or (v1, v2, ...) lists for IN. Keywords and entity names match
in any case. Dotted fields (MetaData.LastUpdatedTime) and references (CustomerRef compares its
``value``) are supported. A syntax error is 4000 with a JavaCC-style "Encountered" detail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import errors
from .entities import find_entity_type

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
        if self.token.kind == "punct" and self.token.text == "*":
            self.pos += 1
        elif self.keyword("count"):
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            count = True
        else:
            raise self.fail()
        self.expect_keyword("from")
        entity_tok = self.token
        entity_name = self.identifier()
        et = find_entity_type(entity_name)
        if et is None:
            raise errors.query_parse_error(
                f'Invalid entity name "{entity_name}" at line 1, column {entity_tok.column}.'
            )
        query = Query(entity=et.name, count=count)
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


def field_value(record: dict, name: str) -> Any:
    node: Any = record
    for part in name.split("."):
        if not isinstance(node, dict):
            return None
        # Field names are matched case-insensitively; QBO's docs spell them in PascalCase.
        if part in node:
            node = node[part]
        else:
            lowered = part.lower()
            node = next((v for k, v in node.items() if k.lower() == lowered), None)
    if isinstance(node, dict) and "value" in node:
        return node["value"]  # a reference compares by its Id
    if isinstance(node, dict) and "Address" in node:
        return node["Address"]  # PrimaryEmailAddr
    return node


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


def comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Bring a stored value and a literal to one type: numbers, datetimes, booleans, or
    case-insensitive strings. None when they cannot be compared."""
    if left is None:
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        lb = left if isinstance(left, bool) else str(left).lower() == "true"
        rb = right if isinstance(right, bool) else str(right).lower() == "true"
        return lb, rb
    if isinstance(left, int | Decimal) and not isinstance(left, bool):
        try:
            return Decimal(left), Decimal(str(right))
        except InvalidOperation:
            return None
    left_text = str(left)
    right_text = str(right)
    if _DATETIME_RE.match(left_text):
        lt, rt = _as_datetime(left_text), _as_datetime(right_text)
        if lt is not None and rt is not None:
            if rt.tzinfo is None:
                rt = rt.replace(tzinfo=lt.tzinfo)
            return lt, rt
    if left_text.lstrip("-").replace(".", "", 1).isdigit() and isinstance(right, Decimal):
        return Decimal(left_text), right
    # [U] String comparison is case-insensitive (docs/emulator.md).
    return left_text.casefold(), right_text.casefold()


def like(value: Any, pattern: str) -> bool:
    if value is None:
        return False
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("%")) + "$"
    return re.match(regex, str(value), re.IGNORECASE | re.DOTALL) is not None


def matches(record: dict, cond: Condition) -> bool:
    value = field_value(record, cond.field)
    if cond.op == "like":
        return like(value, cond.value)
    if cond.op == "in":
        return any(_compare(value, "=", v) for v in cond.value)
    return _compare(value, cond.op, cond.value)


def _compare(value: Any, op: str, literal: Any) -> bool:
    pair = comparable(value, literal)
    if pair is None:
        return False
    left, right = pair
    try:
        if op == "=":
            return left == right
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        if op == "<=":
            return left <= right
        if op == ">=":
            return left >= right
    except TypeError:
        return False
    return False


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
    selected = [r for r in rows if all(matches(r, c) for c in query.conditions)]
    if has_active and not any(c.field.lower() == "active" for c in query.conditions):
        # Without a filter on Active, only active rows are returned (facts §3).
        selected = [r for r in selected if r.get("Active", True) is not False]
    if query.count:
        return {"totalCount": len(selected)}
    selected.sort(key=lambda r: sort_key(r.get("Id")))
    for name, descending in reversed(query.order):
        selected.sort(key=lambda r, n=name: sort_key(field_value(r, n)), reverse=descending)
    page = selected[query.start - 1 : query.start - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}


def run_query(realm, statement: str) -> dict:
    query = parse(statement)
    et = find_entity_type(query.entity)
    rows = list(realm.table(query.entity).values())
    return execute(rows, query, has_active=et.has_active)


def statement_from_request(request, raw: bytes) -> str:
    """GET ?query=..., or POST with the statement as the body (Content-Type application/text)."""
    statement = request.query_params.get("query")
    if statement is None and request.method == "POST":
        statement = raw.decode("utf-8", "replace")
    if not statement or not statement.strip():
        raise errors.query_parse_error('Encountered "<EOF>" at line 1, column 1.')
    return statement
