"""Tiny HTML helpers: escaping, the page layout with its one inline stylesheet, tables, money.

Plain strings instead of a template engine: the pages are small, and every value that came from
the store or the request goes through ``h()`` before it reaches the page.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from urllib.parse import quote

CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;background:#f5f7fa}
header{background:#0b6e4f;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1.5rem;align-items:baseline}
header a{color:#fff;text-decoration:none}
header .brand{font-weight:700}
main{max-width:1100px;margin:1.5rem auto;padding:0 1.5rem}
nav.tabs{display:flex;flex-wrap:wrap;gap:.25rem;margin:1rem 0;border-bottom:1px solid #cbd2d9}
nav.tabs a{padding:.4rem .8rem;text-decoration:none;color:#334e68;border-radius:4px 4px 0 0}
nav.tabs a.active{background:#fff;border:1px solid #cbd2d9;border-bottom-color:#fff;margin-bottom:-1px}
table{width:100%;border-collapse:collapse;background:#fff;margin:.5rem 0 1.5rem}
th,td{padding:.45rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#f0f4f8;font-weight:600;font-size:.9em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.section th{text-align:left;background:#f0f4f8}tr.total th{border-top:2px solid #cbd2d9}
form.inline{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.5rem 0 1rem}
.card{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
form.inline{display:inline}
td button{margin-top:0}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid #9aa5b1;border-radius:4px;min-width:14rem}
button{font:inherit;padding:.4rem .9rem;border:0;border-radius:4px;background:#0b6e4f;color:#fff;cursor:pointer;margin-top:.6rem}
button.secondary{background:#e4e7eb;color:#1f2933}
button.danger{background:#c0392b}
.notice{background:#e3f9e5;border:1px solid #8eedc7;padding:.6rem 1rem;border-radius:4px}
.error{background:#ffe3e3;border:1px solid #ffa8a8;padding:.6rem 1rem;border-radius:4px}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.85em;background:#e4e7eb}
.badge.paid,.badge.delivered{background:#c6f7e2}.badge.partially-paid{background:#fff3c4}
.badge.voided,.badge.http_error,.badge.timeout,.badge.refused,.badge.error{background:#ffe3e3}
.muted{color:#7b8794}
pre{white-space:pre-wrap;word-break:break-all;font-size:.85em;background:#f0f4f8;padding:.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
"""


def h(value) -> str:
    """Escapes anything for HTML text or a double-quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def q(value) -> str:
    """Quotes a value for a URL path segment."""
    return quote(str(value), safe="")


def decimal(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal("0")
    except InvalidOperation:
        return Decimal("0")


def money(value) -> str:
    return f"{decimal(value):,.2f}"


def ref_name(ref) -> str:
    if isinstance(ref, dict):
        return str(ref.get("name") or ref.get("value") or "")
    return "" if ref is None else str(ref)


def table(
    headers: list[str],
    rows: list[list[str]],
    *,
    numeric: set[int] = frozenset(),
    table_id: str | None = None,
    empty: str = "Nothing here yet.",
) -> str:
    """``rows`` hold already-escaped HTML cells; ``numeric`` are the right-aligned columns."""
    if not rows:
        return f'<p class="muted">{h(empty)}</p>'

    def cls(i):
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{h(t)}</th>" for i, t in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    tid = f' id="{h(table_id)}"' if table_id else ""
    return f"<table{tid}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def messages(notice: str | None = None, error: str | None = None) -> str:
    out = ""
    if notice:
        out += f'<p class="notice" role="status" id="notice">{h(notice)}</p>'
    if error:
        out += f'<p class="error" role="alert" id="error">{h(error)}</p>'
    return out


def page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{h(title)} · QBO emulator</title><style>{CSS}</style></head>
<body><header><a class="brand" href="/">QBO emulator</a><a href="/">Companies</a>
<a href="/webhooks">Webhook deliveries</a></header>
<main>{body}</main></body></html>"""
