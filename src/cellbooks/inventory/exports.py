"""Tables out of Cellbooks: any list as CSV or Excel (.xlsx), streamed, spreadsheet-safe.

- **Streamed.** CSV rows are written as the database hands them over (a StreamingHttpResponse of
  chunks); Excel rows go through openpyxl's write-only mode into a temporary file that is then
  streamed out. Neither holds the whole table in memory: a 100,000-device export stays small
  (bench/exports.py measures it).
- **Spreadsheet-safe.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return could run as a formula when the file is opened ("CSV injection"). In CSV such a cell gets
  a leading apostrophe, as OWASP recommends; in Excel it is stored as text (never a formula) with
  Excel's "quote prefix", so it shows exactly as typed. Numbers, dates and money are written as
  numbers and dates, never as text.
- Money cells are Decimals with two places (never float in Cellbooks; Excel stores numbers its
  own way), shown with the grouping and two decimals.
"""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
CSV_ROWS_PER_CHUNK = 500
# Characters XML (so .xlsx) cannot hold; a CSV keeps them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    """One column: its header and how a row gives its value (text, a number, Decimal money, a
    date, a bool or None). ``money`` marks amounts, shown with two decimals."""

    header: str
    value: Callable[[Any], Any]
    money: bool = False
    width: int = 0  # in characters, for Excel; 0 = a width from the header


def key(name: str) -> Callable[[dict], Any]:
    """A column value read from a dict row (``.values()`` rows)."""
    return lambda row: row[name]


def neutralise(text: str) -> str:
    """A text cell a spreadsheet would run as a formula, made inert for CSV."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


class _Echo:
    """A file-like object whose write returns what it was given (csv.writer into a generator)."""

    def write(self, value):
        return value


def csv_response(filename: str, columns: list[Column], rows: Iterable) -> StreamingHttpResponse:
    def stream():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(
            [neutralise(c.header) for c in columns]
        )  # BOM: Excel reads UTF-8
        chunk = []
        for row in rows:
            chunk.append(writer.writerow([csv_cell(c.value(row)) for c in columns]))
            if len(chunk) >= CSV_ROWS_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _xlsx_value(sheet, value, money: bool):
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: the local time, as shown
    if isinstance(value, Decimal):
        if not money:
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, int | datetime.date):
        return value
    text = _ILLEGAL_XML.sub("", str(value))
    if text.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"  # text, never a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell
    return text


def write_xlsx(handle, title: str, columns: list[Column], rows: Iterable) -> None:
    """Write the table as a one-sheet workbook into the binary file ``handle``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    for index, column in enumerate(columns):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = column.width or max(len(column.header) + 2, 10)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_ILLEGAL_XML.sub("", column.header))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_value(sheet, c.value(row), c.money) for c in columns])
    book.save(handle)


def xlsx_response(filename: str, title: str, columns: list[Column], rows: Iterable) -> FileResponse:
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # gone when the response is closed
    try:
        write_xlsx(handle, title, columns, rows)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def response(fmt: str, *, name: str, title: str, columns: list[Column], rows: Iterable):
    """The table as ``fmt`` ("csv" or "xlsx"), downloaded as ``name``.csv / .xlsx."""
    if fmt == "csv":
        return csv_response(f"{name}.csv", columns, rows)
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", title, columns, rows)
    raise ValueError(f"unknown export format {fmt!r}")


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return cleaned[:31]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
