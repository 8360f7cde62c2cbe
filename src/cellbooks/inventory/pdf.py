"""Printable documents, rendered on the server with fpdf2 (no browser): the invoice, its packing
list, the purchase order, the price sheet a buyer gets, and a customer's statement.

Every document has the same frame (``Sheet``): the company's logo, name, address and contacts at
the top of the first page, the document's title and facts (number, dates) beside them, the other
party's block, and "page N of M" with the document's name at the foot of every page. Bodies are
built from a few pieces — a table with a repeated header (``table``), a group heading, a grid of
IMEIs, a totals block — so a new document (the return, when returns exist) is one more function
here and one more URL.

Text uses DejaVu Sans, embedded (bundled in ``fonts/``): every character a name or a note may
hold prints, and the text can be copied or searched in any PDF reader. A missing logo or address
is simply not printed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from cellbooks.core.money import format_money

from . import figures, selectors
from .models import Device, Invoice, PurchaseOrder

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
INK = (29, 35, 48)
MUTED = (95, 107, 122)
RULE = (221, 225, 231)
SHADE = (240, 243, 247)
LETTER_CURRENCIES = {"USD", "CAD", "MXN"}  # North America prints on Letter; the rest on A4
IMEI_COLUMNS = 4
LOGO_HEIGHT = 16  # mm


@dataclass(frozen=True)
class Col:
    header: str
    width: float  # mm
    align: str = "L"


class Sheet(FPDF):
    """A page frame with the company at the top and page numbers at the foot."""

    def __init__(self, *, company, title: str, reference: str = ""):
        fmt = "Letter" if (company.currency or "USD").upper() in LETTER_CURRENCIES else "A4"
        super().__init__(orientation="portrait", unit="mm", format=fmt)
        self.company = company
        self.currency = company.currency
        self.doc_title = title
        self.reference = reference or title
        self.set_title(f"{title} — {company.name}")
        self.set_author(company.name)
        self.set_creator("Cellbooks")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self.repeat: list[Col] | None = None  # a table header repeated after a page break
        self.add_page()

    # ---- the frame ------------------------------------------------------------------------------
    def footer(self):
        self.set_y(-12)
        self.font(7.5, color=MUTED)
        self.cell(0, 5, f"{self.company.name} · {self.reference}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def header(self):
        if self.page_no() > 1:
            self.font(8, color=MUTED)
            self.cell(0, 5, f"{self.doc_title} — {self.company.name}", align="R")
            self.ln(8)
            if self.repeat:
                self.table_header(self.repeat)

    def font(self, size: float, bold: bool = False, color=INK):
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def money(self, amount) -> str:
        return "—" if amount is None else format_money(amount, self.currency)

    def letterhead(self, facts: list[tuple[str, str]]):
        """The company (logo, name, address, contacts) on the left, the title and ``facts`` on the
        right."""
        top = self.get_y()
        x = self.l_margin
        logo = _logo_path(self.company)
        if logo:
            try:
                info = self.image(str(logo), x=x, y=top, h=LOGO_HEIGHT)
                x += info.rendered_width + 4
            except Exception as exc:  # a damaged or unsupported image: print without it
                log.warning("Company %s logo not printed: %s", self.company.pk, exc)
        self.set_xy(x, top)
        self.font(13, bold=True)
        self.cell(95 - (x - self.l_margin), 6, self.company.name, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font(8.5, color=MUTED)
        lines = [line.strip() for line in (self.company.address or "").splitlines() if line.strip()]
        lines += [v for v in (self.company.phone, self.company.email) if v]
        for line in lines:
            self.cell(95 - (x - self.l_margin), 4, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        left_bottom = max(self.get_y(), top + (LOGO_HEIGHT if logo else 0))

        right = self.w - self.r_margin - 70
        self.set_xy(right, top)
        self.font(16, bold=True)
        self.cell(70, 8, self.doc_title, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        for label, value in facts:
            self.font(8.5, color=MUTED)
            self.cell(30, 4.6, label, align="R")
            self.font(8.5, bold=True)
            self.cell(40, 4.6, value, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_x(right)
        self.set_y(max(left_bottom, self.get_y()) + 6)

    def party(self, label: str, partner, extra: list[str] = ()):
        """ "Bill to" / "Vendor" / "Ship to": the partner's name, address and contacts."""
        self.font(7.5, bold=True, color=MUTED)
        self.cell(0, 4, label.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(10, bold=True)
        self.cell(0, 5.5, partner.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(8.5)
        lines = [line.strip() for line in (partner.address or "").splitlines() if line.strip()]
        lines += [v for v in (partner.phone, partner.email, *extra) if v]
        for line in lines:
            self.cell(0, 4.2, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    # ---- tables ---------------------------------------------------------------------------------
    def table_header(self, columns: list[Col]):
        self.font(7.5, bold=True, color=MUTED)
        self.set_fill_color(*SHADE)
        for col in columns:
            self.cell(col.width, 6, col.header.upper(), align=col.align, fill=True)
        self.ln(6)
        self.set_draw_color(*RULE)

    def start_table(self, columns: list[Col]):
        self.repeat = columns
        self.table_header(columns)

    def end_table(self):
        self.repeat = None

    def row(self, columns: list[Col], values: list[str], *, bold=False, fill=False, size=8.5):
        """One table row. Drawn with ``text`` rather than ``cell``: a 5,000-device packing list
        is 30,000 cells, and ``text`` is several times cheaper."""
        self.font(size, bold=bold)
        height = 5.6
        if self.will_page_break(height):
            self.add_page()
        top = self.get_y()
        if fill:
            self.set_fill_color(*SHADE)
            self.rect(self.l_margin, top, self.w - self.l_margin - self.r_margin, height, style="F")
        x = self.l_margin
        baseline = top + height / 2 + size * 0.3528 * 0.35
        for col, value in zip(columns, values, strict=True):
            text = _fit(self, value, col.width)
            if text:
                if col.align == "R":
                    left = x + col.width - self.c_margin - self.get_string_width(text)
                else:
                    left = x + self.c_margin
                self.text(left, baseline, text)
            x += col.width
        self.set_y(top + height)
        self.line(self.l_margin, top + height, self.w - self.r_margin, top + height)

    def group_heading(self, text: str, right: str = ""):
        """A band naming a group (a product and grade), with a figure on the right."""
        if self.will_page_break(12):  # keep the heading with its first lines
            self.add_page()
        self.ln(1.5)
        self.font(9, bold=True)
        self.set_fill_color(*SHADE)
        width = self.w - self.l_margin - self.r_margin
        self.cell(width - 45, 6.2, _fit(self, text, width - 45), fill=True)
        self.cell(45, 6.2, right, align="R", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def identifier_grid(self, identifiers: list[str], columns: int = IMEI_COLUMNS):
        """IMEIs/serials in columns, left to right: every one printed, none cut."""
        self.font(8)
        width = (self.w - self.l_margin - self.r_margin) / columns
        height = 4.6
        for start in range(0, len(identifiers), columns):
            if self.will_page_break(height):
                self.add_page()
                self.font(8)
            top = self.get_y()
            for index, identifier in enumerate(identifiers[start : start + columns]):
                self.text(
                    self.l_margin + index * width + self.c_margin,
                    top + 3.3,
                    _fit(self, identifier, width),
                )
            self.set_y(top + height)

    def totals(self, lines: list[tuple[str, str]], *, strong_last: bool = True):
        if self.will_page_break(6 * len(lines) + 4):
            self.add_page()
        self.ln(3)
        for index, (label, value) in enumerate(lines):
            last = strong_last and index == len(lines) - 1
            self.set_x(self.w - self.r_margin - 80)
            self.font(10 if last else 9, bold=last)
            self.cell(45, 6, label, align="R")
            self.cell(35, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def note(self, heading: str, text: str):
        if not (text or "").strip():
            return
        self.ln(4)
        self.font(7.5, bold=True, color=MUTED)
        self.cell(0, 4, heading.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(8.5)
        self.multi_cell(0, 4.4, text.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def render(self) -> bytes:
        return bytes(self.output())


def _fit(pdf: FPDF, text, width: float) -> str:
    """``text`` cut with "…" to fit ``width`` mm (less a little padding) in the current font."""
    text = str(text or "")
    room = width - 2 * pdf.c_margin
    # No glyph of DejaVu Sans is wider than 1 em: a short text fits without being measured.
    if (text.isascii() and len(text) * pdf.font_size <= room) or pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _logo_path(company) -> Path | None:
    logo = getattr(company, "logo", None)
    if not logo:
        return None
    try:
        path = Path(logo.path)
    except (ValueError, NotImplementedError):
        return None
    return path if path.is_file() else None


def _date(day) -> str:
    return day.strftime("%b %-d, %Y") if day else "—"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


# ---- the invoice -------------------------------------------------------------------------------


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice a customer is sent: lines by product and grade (quantity × unit price) with
    every IMEI under its line, the total, what was paid and the balance due."""
    company = invoice.company
    pdf = Sheet(company=company, title="Invoice", reference=f"Invoice {invoice.number}")
    facts = [("Invoice", invoice.number), ("Date", _date(invoice.date))]
    if invoice.due_date:
        facts.append(("Due", _date(invoice.due_date)))
    if invoice.status in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        facts.append(("Status", invoice.get_status_display()))
    pdf.letterhead(facts)
    pdf.party("Bill to", invoice.customer, [f"Terms: {invoice.customer.terms_display}"])

    groups = selectors.printed_line_groups(invoice.lines.all(), "unit_price")
    columns = [Col("Description", 110), Col("Qty", 15, "R"), Col("Unit price", 28, "R")]
    columns.append(Col("Amount", pdf.w - pdf.l_margin - pdf.r_margin - 153, "R"))
    pdf.start_table(columns)
    for group in groups:
        pdf.row(
            columns,
            [
                f"{group.product.display_name} — Grade {group.condition.code}",
                f"{group.count:,}",
                pdf.money(group.unit_amount),
                pdf.money(group.subtotal),
            ],
            bold=True,
            fill=True,
        )
        pdf.repeat = None
        pdf.identifier_grid([line.identifier for line in group.lines])
        pdf.repeat = columns
    pdf.end_table()
    count = sum(group.count for group in groups)
    totals = [("Devices", f"{count:,}"), ("Total", pdf.money(invoice.total))]
    if invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        totals += [("Paid", pdf.money(invoice.amount_paid))]
        totals += [("Balance due", pdf.money(invoice.balance_due))]
    pdf.totals(totals)
    pdf.note("Notes", invoice.notes)
    return pdf.render()


# ---- the packing list --------------------------------------------------------------------------


FMI_LABELS = {value: label for value, label in Device.LockStatus.choices if value}
CARRIER_LABELS = {value: label for value, label in Device.CarrierLock.choices if value}


def _lock_text(device) -> str:
    return FMI_LABELS.get(device.fmi_lock, "—")


def _carrier_text(device) -> str:
    return CARRIER_LABELS.get(device.carrier_lock, "—")


def packing_list_pdf(invoice: Invoice) -> bytes:
    """What ships with the devices: every IMEI, grouped by product and grade, with what buyers
    check on arrival (battery health, iCloud/Find My, carrier lock, cosmetic notes). No prices."""
    company = invoice.company
    pdf = Sheet(company=company, title="Packing list", reference=f"Packing list {invoice.number}")
    pdf.letterhead([("Invoice", invoice.number), ("Date", _date(invoice.date))])
    pdf.party("Ship to", invoice.customer)

    groups = selectors.printed_line_groups(invoice.lines.all(), "unit_price")
    # The same device can sit in two price groups of one product and grade: pack by product and
    # grade only.
    packed: dict[tuple, list] = {}
    for group in groups:
        key = (group.product.display_name.lower(), group.condition.sort_order, group.condition.code)
        packed.setdefault(key, [group.product.display_name, group.condition.code, []])
        packed[key][2].extend(group.lines)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    columns = [
        Col("#", 12),
        Col("IMEI / serial", 42),
        Col("Battery", 16),
        Col("iCloud", 22),
        Col("Carrier", 22),
        Col("Cosmetic notes", width - 114),
    ]
    total = 0
    for key in sorted(packed):
        name, grade, devices = packed[key]
        devices.sort(key=lambda d: d.identifier)
        pdf.group_heading(f"{name} — Grade {grade}", _plural(len(devices), "device"))
        pdf.start_table(columns)
        for number, device in enumerate(devices, start=total + 1):
            battery = f"{device.battery_health}%" if device.battery_health is not None else "—"
            pdf.row(
                columns,
                [
                    str(number),
                    device.identifier,
                    battery,
                    _lock_text(device),
                    _carrier_text(device),
                    device.cosmetic_notes or "",
                ],
            )
        pdf.end_table()
        total += len(devices)
    pdf.totals([("Devices", f"{total:,}"), ("Boxes / pallets", "")], strong_last=False)
    pdf.ln(6)
    pdf.font(8.5, color=MUTED)
    pdf.cell(0, 5, "Received in good order by: ______________________   Date: ____________")
    return pdf.render()


# ---- the purchase order ------------------------------------------------------------------------


def purchase_order_pdf(purchase_order: PurchaseOrder) -> bytes:
    """The purchase order as the vendor reads it: lines by product and grade (quantity × unit
    cost) with every IMEI, and the total."""
    company = purchase_order.company
    pdf = Sheet(
        company=company, title="Purchase order", reference=f"Purchase order {purchase_order.number}"
    )
    facts = [("PO", purchase_order.number), ("Date", _date(purchase_order.date))]
    if purchase_order.status != PurchaseOrder.Status.DRAFT:
        facts.append(("Status", purchase_order.get_status_display()))
    pdf.letterhead(facts)
    pdf.party("Vendor", purchase_order.vendor)
    lines = purchase_order.lines.all()
    groups = selectors.printed_line_groups(lines, "unit_cost")
    columns = [Col("Description", 110), Col("Qty", 15, "R"), Col("Unit cost", 28, "R")]
    columns.append(Col("Amount", pdf.w - pdf.l_margin - pdf.r_margin - 153, "R"))
    pdf.start_table(columns)
    for group in groups:
        pdf.row(
            columns,
            [
                f"{group.product.display_name} — Grade {group.condition.code}",
                f"{group.count:,}",
                pdf.money(group.unit_amount),
                pdf.money(group.subtotal),
            ],
            bold=True,
            fill=True,
        )
        pdf.repeat = None
        pdf.identifier_grid([line.identifier for line in group.lines])
        pdf.repeat = columns
    pdf.end_table()
    count = sum(group.count for group in groups)
    total = selectors.purchase_order_total(purchase_order=purchase_order)
    pdf.totals([("Devices", f"{count:,}"), ("Total", pdf.money(total))])
    pdf.note("Notes", purchase_order.notes)
    return pdf.render()


# ---- the price sheet ---------------------------------------------------------------------------


def price_sheet_pdf(company, rows: list[selectors.PriceSheetRow], *, today) -> bytes:
    """The stock list a buyer gets: product, grade, how many are available and the asking price.
    Costs are never printed."""
    pdf = Sheet(company=company, title="Price sheet", reference=f"Price sheet {today:%Y-%m-%d}")
    count = sum(row.count for row in rows)
    pdf.letterhead([("Date", _date(today)), ("Available", _plural(count, "device"))])
    width = pdf.w - pdf.l_margin - pdf.r_margin
    columns = [
        Col("Product", width - 78),
        Col("Grade", 18),
        Col("Available", 25, "R"),
        Col("Price each", 35, "R"),
    ]
    pdf.start_table(columns)
    for row in rows:
        pdf.row(
            columns,
            [
                row.product.display_name,
                row.condition.code,
                f"{row.count:,}",
                pdf.money(row.asking_price) if row.asking_price is not None else "Ask us",
            ],
        )
    pdf.end_table()
    pdf.ln(4)
    pdf.font(8, color=MUTED)
    pdf.multi_cell(
        0,
        4,
        "Prices and quantities as of the date above, subject to prior sale. "
        "Grades: " + ", ".join(sorted({f"{r.condition.code}" for r in rows})) + "."
        if rows
        else "Nothing in stock today.",
    )
    return pdf.render()


# ---- the customer statement ---------------------------------------------------------------------


def statement_pdf(company, customer, row: selectors.CustomerAging | None, *, today) -> bytes:
    """What a customer owes on ``today``: each open invoice (total, paid, balance, days past
    due), the balance by age, and the amount due."""
    pdf = Sheet(
        company=company, title="Statement", reference=f"Statement {customer.name} {today:%Y-%m-%d}"
    )
    aging = row.aging if row else figures.Aging()
    pdf.letterhead([("Date", _date(today)), ("Amount due", pdf.money(aging.total))])
    pdf.party("Customer", customer, [f"Terms: {customer.terms_display}"])
    width = pdf.w - pdf.l_margin - pdf.r_margin
    columns = [
        Col("Invoice", 30),
        Col("Date", 25),
        Col("Due", 25),
        Col("Total", 27, "R"),
        Col("Paid", 27, "R"),
        Col("Balance", 27, "R"),
        Col("Days late", width - 161, "R"),
    ]
    pdf.start_table(columns)
    for invoice, days in row.invoices if row else []:
        pdf.row(
            columns,
            [
                invoice.number,
                _date(invoice.date),
                _date(invoice.due_date),
                pdf.money(invoice.total),
                pdf.money(invoice.amount_paid),
                pdf.money(invoice.balance_due),
                str(days) if days else "—",
            ],
        )
    pdf.end_table()
    if not row:
        pdf.font(9, color=MUTED)
        pdf.cell(0, 8, "Nothing is owed: thank you.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    buckets = aging.in_order()
    bucket_width = width / len(buckets)
    pdf.font(7.5, bold=True, color=MUTED)
    pdf.set_fill_color(*SHADE)
    for label, _ in buckets:
        pdf.cell(bucket_width, 6, label.upper(), align="C", fill=True)
    pdf.ln(6)
    pdf.font(9, bold=True)
    for _, amount in buckets:
        pdf.cell(bucket_width, 7, pdf.money(amount), align="C")
    pdf.ln(7)
    pdf.totals([("Amount due", pdf.money(aging.total))])
    return pdf.render()


def filename(*parts: str) -> str:
    """A download name from document words: "INV-1001-packing-list.pdf"."""
    cleaned = "-".join(
        "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in str(part)).strip("-")
        for part in parts
        if str(part).strip()
    )
    return f"{cleaned or 'document'}.pdf"
