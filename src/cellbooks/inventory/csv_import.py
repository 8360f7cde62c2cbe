"""Bulk-adding devices to a draft purchase order from CSV text (a file or a spreadsheet paste).

Columns, in this order when there is no header row:
IMEI/serial, manufacturer, model, capacity, colour, network, condition, cost [, price, location].
With a header row the columns may come in any order under common names ("IMEI", "Serial",
"Color", "Grade", "Unit cost"...), and the test results buyers dispute on may come too, each
optional: battery health ("Battery", "BH", "Battery %"), iCloud/Find My lock ("iCloud", "FMI"),
carrier lock ("Carrier lock", "SIM lock"), cosmetic notes ("Cosmetic", "Defects"), who tested it
("Tested by", "Tech") and when ("Tested on", "Test date"). Commas, tabs (what a spreadsheet
paste gives) and semicolons are all understood.

The import is all or nothing: every row is checked first, and if any is bad nothing is written
and :class:`CsvImportError` lists every bad row, numbered as the user sees it in their file.
It is built for thousands of rows: one query (per 900 rows) for the identifiers already in the
company, one for the products, and one prepared INSERT each for devices and lines.
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cellbooks.core.identifiers import parse_identifier

from . import services
from .models import Device, Product, PurchaseOrder, PurchaseOrderLine

MAX_ROWS = 20_000
PARAMETER_CHUNK = 900  # identifiers per IN (...) query: below every database's parameter limit
POSITIONAL_COLUMNS = [
    "identifier",
    "manufacturer",
    "model",
    "capacity",
    "colour",
    "network",
    "condition",
    "cost",
    "price",
    "location",
]
DETAIL_COLUMNS = list(services.DETAIL_FIELDS)  # only under a header: they have no position
REQUIRED_COLUMNS = ["identifier", "manufacturer", "model", "condition", "cost"]
COLUMN_LABELS = {
    "identifier": "IMEI/serial",
    "manufacturer": "manufacturer",
    "model": "model",
    "capacity": "capacity",
    "colour": "colour",
    "network": "network",
    "condition": "condition",
    "cost": "cost",
    "price": "price",
    "location": "location",
    "battery_health": "battery health",
    "fmi_lock": "iCloud/Find My lock",
    "carrier_lock": "carrier lock",
    "cosmetic_notes": "cosmetic notes",
    "tested_by": "tested by",
    "tested_on": "tested on",
}
HEADER_ALIASES = {
    "identifier": [
        "imei",
        "imei1",
        "imei 1",
        "serial",
        "serial number",
        "serial no",
        "sn",
        "imei/serial",
        "imei / serial",
        "imei or serial",
        "imei/sn",
        "identifier",
        "esn",
        "device",
    ],
    "manufacturer": ["manufacturer", "make", "brand", "mfr", "oem"],
    "model": ["model", "model name", "device model"],
    "capacity": ["capacity", "storage", "size", "memory", "gb"],
    "colour": ["colour", "color"],
    "network": ["network", "carrier", "lock", "lock status", "network status"],
    "condition": ["condition", "grade", "cond"],
    "cost": ["cost", "unit cost", "unit_cost", "cost price", "buy price", "purchase price"],
    "price": ["price", "sale price", "sell price", "asking price", "list price"],
    "location": ["location", "bin", "shelf"],
    "battery_health": [
        "battery health",
        "battery",
        "battery %",
        "battery health %",
        "battery health (%)",
        "battery (%)",
        "battery percentage",
        "bh",
        "bh %",
        "battery life",
    ],
    "fmi_lock": [
        "icloud",
        "icloud lock",
        "icloud status",
        "icloud/fmi",
        "icloud / fmi",
        "icloud/find my lock",
        "icloud / find my lock",
        "fmi",
        "fmi lock",
        "fmi status",
        "find my",
        "find my iphone",
        "activation lock",
    ],
    "carrier_lock": [
        "carrier lock",
        "carrier lock status",
        "carrier status",
        "sim lock",
        "sim lock status",
        "simlock",
        "network lock",
    ],
    "cosmetic_notes": [
        "cosmetic notes",
        "cosmetic",
        "cosmetics",
        "cosmetic condition",
        "defects",
        "damage",
    ],
    "tested_by": ["tested by", "tester", "technician", "tech", "qc by"],
    "tested_on": ["tested on", "tested at", "test date", "date tested", "tested", "qc date"],
}
_ALIAS_TO_COLUMN = {
    alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class RowError:
    """One problem with one row: ``row`` is the line number in the user's file (1-based)."""

    row: int
    identifier: str
    field: str
    message: str

    def __str__(self):
        where = f"Row {self.row}" + (f" ({self.identifier})" if self.identifier else "")
        return f"{where}: {self.message}"


class CsvImportError(ValidationError):
    """Nothing was imported; ``errors`` names every bad row.

    As a ValidationError its ``message_dict`` is ``{"text": ["Row 3 (…): …", …]}``, so generic
    handlers (forms, the API) show it without knowing about rows.
    """

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: (e.row, e.field))
        super().__init__({"text": [str(e) for e in self.errors]})


@dataclass(frozen=True)
class ImportResult:
    created: int
    products_created: int


@dataclass
class _Row:
    number: int
    identifier: str = ""
    identifier_kind: str = ""
    attrs: dict | None = None
    condition: object = None
    cost: object = None
    price: object = None
    location: str = ""
    details: dict | None = None


# --------------------------------------------------------------------------------------------
# Reading the text
# --------------------------------------------------------------------------------------------


def sniff_delimiter(text: str) -> str:
    """Tab if the first line has one (a spreadsheet paste), else the commoner of ';' and ','."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "\t" in first:
        return "\t"
    return ";" if first.count(";") > first.count(",") else ","


def read_rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows as ``(line number, trimmed cells)``."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    rows, start = [], 1
    for cells in reader:
        cells = [c.strip() for c in cells]
        if any(cells):
            rows.append((start, cells))
        start = reader.line_num + 1  # a quoted cell may span lines: report where the row began
    return rows


def _normalise_header(cell: str) -> str:
    return " ".join(cell.lower().replace("_", " ").replace("-", " ").split()).strip(" :*")


def header_columns(cells: list[str]) -> list[str | None] | None:
    """The column for each header cell, or None if this row is data, not a header.

    A row is a header when at least two cells are known column names and its first cell is not
    an identifier-looking value.
    """
    names = [
        _ALIAS_TO_COLUMN.get(_normalise_header(c))
        or _ALIAS_TO_COLUMN.get(_normalise_header(c).replace(" ", ""))
        for c in cells
    ]
    if sum(1 for n in names if n) >= 2:
        return names
    return None


def _layout(rows) -> tuple[list[str | None] | None, list[RowError], list]:
    """Work out the column layout; return (columns or None for positional, errors, data rows)."""
    if not rows:
        return None, [RowError(1, "", "text", "There are no devices in this text.")], []
    first_line, first_cells = rows[0]
    columns = header_columns(first_cells)
    if columns is None:
        return None, [], rows
    errors = []
    unknown = [cell for cell, col in zip(first_cells, columns, strict=True) if cell and col is None]
    if unknown:
        known = ", ".join(COLUMN_LABELS.values())
        errors.append(
            RowError(
                first_line, "", "text", f"Unknown column(s) {', '.join(unknown)}: use {known}."
            )
        )
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        errors.append(
            RowError(first_line, "", "text", f"The header has no column for {', '.join(missing)}.")
        )
    seen = set()
    for col in columns:
        if col and col in seen:
            errors.append(
                RowError(
                    first_line, "", "text", f"The header has two {COLUMN_LABELS[col]} columns."
                )
            )
        seen.add(col)
    if not rows[1:]:
        errors.append(RowError(first_line, "", "text", "There are no devices under the header."))
    return columns, errors, rows[1:]


def _cells_to_record(cells: list[str], columns: list[str | None] | None) -> tuple[dict, str | None]:
    """Map cells to column names; the second value explains a wrong cell count (positional)."""
    if columns is None:
        while cells and not cells[-1]:  # spreadsheets pad rows with empty cells
            cells = cells[:-1]
        expected = len(REQUIRED_COLUMNS) + 3  # the 8 documented columns
        if len(cells) < expected or len(cells) > len(POSITIONAL_COLUMNS):
            labels = ", ".join(COLUMN_LABELS[c] for c in POSITIONAL_COLUMNS[:expected])
            return {}, f"has {len(cells)} columns; expected {expected}: {labels}."
        return dict(zip(POSITIONAL_COLUMNS, cells, strict=False)), None
    record = {col: cells[i] if i < len(cells) else "" for i, col in enumerate(columns) if col}
    return record, None


# --------------------------------------------------------------------------------------------
# Checking the rows
# --------------------------------------------------------------------------------------------


def _first_message(exc: ValidationError) -> tuple[str, str]:
    field, messages = next(iter(exc.message_dict.items()))
    return field, messages[0]


def _check_row(number: int, record: dict, conditions: dict) -> tuple[_Row, list[RowError]]:
    """Every problem in one row (the identifier's uniqueness is checked later, for all rows)."""
    row, errors = _Row(number=number), []
    raw_identifier = record.get("identifier", "")

    def fail(field: str, message: str):
        errors.append(RowError(number, row.identifier or raw_identifier, field, message))

    try:
        row.identifier, row.identifier_kind = parse_identifier(raw_identifier)
    except ValidationError as exc:
        fail(*_first_message(exc))
    try:
        row.attrs = services.clean_product_attributes(
            **{f: record.get(f, "") for f in services.PRODUCT_LIMITS}
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                fail(field, message)
    code = record.get("condition", "")
    row.condition = conditions.get(code.lower())
    if not code:
        fail("condition", "The condition is required.")
    elif row.condition is None:
        fail("condition", services.unknown_condition_message(code, conditions))
    for field, label, required in (("cost", "Cost", True), ("price", "Price", False)):
        try:
            setattr(
                row,
                field,
                services.parse_money(
                    record.get(field, ""), field=field, label=label, required=required
                ),
            )
        except ValidationError as exc:
            fail(*_first_message(exc))
    location = record.get("location", "")
    if len(location) > 100:
        fail("location", f"The location has at most 100 characters; this one has {len(location)}.")
    row.location = location
    try:
        row.details = services.parse_device_details(
            {column: record[column] for column in DETAIL_COLUMNS if column in record}
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                fail(field, message)
    return row, errors


def _duplicate_errors(rows: list[_Row]) -> list[RowError]:
    first_row: dict[str, int] = {}
    errors = []
    for row in rows:
        if not row.identifier:
            continue
        if row.identifier in first_row:
            errors.append(
                RowError(
                    row.number,
                    row.identifier,
                    "identifier",
                    f"{row.identifier} is in the file twice: also on row {first_row[row.identifier]}.",
                )
            )
        else:
            first_row[row.identifier] = row.number
    return errors


def existing_identifiers(company, identifiers: list[str]) -> dict[str, str]:
    """``{identifier: status}`` for those the company holds or expects already (a unit sold
    before can be bought again), in few queries."""
    found: dict[str, str] = {}
    chunk = 900  # below every database's limit on query parameters
    for i in range(0, len(identifiers), chunk):
        found.update(
            services.current_devices(company)
            .filter(identifier__in=identifiers[i : i + chunk])
            .values_list("identifier", "status")
        )
    return found


def _existing_errors(company, rows: list[_Row]) -> list[RowError]:
    existing = existing_identifiers(company, [r.identifier for r in rows if r.identifier])
    return [
        RowError(
            r.number,
            r.identifier,
            "identifier",
            services.describe_existing_device(r.identifier, existing[r.identifier]),
        )
        for r in rows
        if r.identifier in existing
    ]


def check_rows(company, text: str) -> tuple[list[_Row], list[RowError]]:
    """Parse and check the whole text; return the good rows and every error."""
    rows = read_rows(text or "")
    columns, errors, data = _layout(rows)
    if errors:  # with a wrong header every row would fail too: report the header alone
        return [], errors
    if len(data) > MAX_ROWS:
        return [], [
            RowError(
                1, "", "text", f"{len(data)} rows is too many at once: import at most {MAX_ROWS}."
            )
        ]
    conditions = services.condition_lookup(company)
    checked = []
    for number, cells in data:
        record, shape_error = _cells_to_record(cells, columns)
        if shape_error:
            errors.append(
                RowError(number, cells[0] if cells else "", "text", f"This row {shape_error}")
            )
            continue
        row, row_errors = _check_row(number, record, conditions)
        errors.extend(row_errors)
        checked.append(row)
    errors.extend(_duplicate_errors(checked))
    errors.extend(_existing_errors(company, checked))
    return checked, errors


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _products_for(company, rows: list[_Row]) -> tuple[dict, int]:
    """Every row's product, matched case-insensitively or created; returns (by key, created)."""
    products = {
        services.product_key(
            {
                "manufacturer": p.manufacturer,
                "model": p.model,
                "capacity": p.capacity,
                "colour": p.colour,
                "network": p.network,
            }
        ): p
        for p in Product.objects.filter(company=company)
    }
    created = 0
    for row in rows:
        key = services.product_key(row.attrs)
        if key not in products:
            kind = services.guess_product_kind(row.attrs["manufacturer"], row.attrs["model"])
            products[key] = Product.objects.create(company=company, kind=kind, **row.attrs)
            created += 1
    return products, created


def _bulk_insert(model, field_names: list[str], rows: list[tuple]) -> None:
    """INSERT many rows with one prepared statement.

    ``bulk_create`` builds a model instance and SQL per row: for thousands of devices that is
    most of the import's time, so the rows go straight to ``executemany``. Values must already
    be in database form (ids, Decimals, adapted datetimes).
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in field_names)
    placeholders = ", ".join(["%s"] * len(field_names))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_devices(company, rows: list[_Row], products: dict, now) -> None:
    stamp = connection.ops.adapt_datetimefield_value(now)
    fields = [
        "company", "identifier", "identifier_kind", "product", "condition", "cost", "price",
        "status", "location", "notes", "created_at", "updated_at", *DETAIL_COLUMNS,
    ]  # fmt: skip
    blank = {field: Device._meta.get_field(field).get_default() for field in DETAIL_COLUMNS}
    _bulk_insert(
        Device,
        fields,
        [
            (
                company.pk,
                row.identifier,
                row.identifier_kind,
                products[services.product_key(row.attrs)].pk,
                row.condition.pk,
                row.cost,
                row.price,
                Device.Status.INCOMING,  # on a draft PO: in stock once the PO is received
                row.location,
                "",
                stamp,
                stamp,
                *(_detail_value(row.details, field, blank) for field in DETAIL_COLUMNS),
            )  # fmt: skip
            for row in rows
        ],
    )


def _detail_value(details: dict | None, field: str, blank: dict):
    value = (details or {}).get(field, blank[field])
    return connection.ops.adapt_datefield_value(value) if field == "tested_on" else value


def _ids_by_identifier(company, identifiers: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i in range(0, len(identifiers), PARAMETER_CHUNK):
        chunk = identifiers[i : i + PARAMETER_CHUNK]
        ids.update(
            services.current_devices(company)
            .filter(identifier__in=chunk)
            .values_list("identifier", "pk")
        )
    return ids


@transaction.atomic
def import_purchase_order_csv(*, purchase_order, text: str) -> ImportResult:
    """Check every row, then create all the devices and PO lines, or raise CsvImportError."""
    po = PurchaseOrder.objects.select_for_update().get(pk=purchase_order.pk)
    if not po.is_editable:
        raise ValidationError(
            {
                "__all__": [
                    f"{services.document_label(po)} is {po.get_status_display().lower()}: "
                    "only a draft one can take new devices."
                ]
            }
        )
    company = po.company
    rows, errors = check_rows(company, text)
    if errors:
        raise CsvImportError(errors)
    products, products_created = _products_for(company, rows)
    now = timezone.now()
    _insert_devices(company, rows, products, now)
    device_ids = _ids_by_identifier(company, [row.identifier for row in rows])
    _bulk_insert(
        PurchaseOrderLine,
        ["purchase_order", "device", "unit_cost"],
        [(po.pk, device_ids[row.identifier], row.cost) for row in rows],
    )
    PurchaseOrder.objects.filter(pk=po.pk).update(updated_at=now)
    return ImportResult(created=len(rows), products_created=products_created)
