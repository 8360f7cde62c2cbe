"""What leaves Cellbooks every day: document PDFs, exports of every list, the price sheet, the
margin report and the receivables (aging) report with customer statements.

Views parse the filters, call a selector (reads) or a service (the asking price), and hand the
rows to ``pdf`` or ``exports``. Every record is fetched for the request's company (another
company's id answers 404); an export takes exactly the filters of the list it comes from.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cellbooks.core.aggregates import MoneySum
from cellbooks.core.dates import company_today
from cellbooks.core.money import format_money
from cellbooks.core.views import company_required, error_text, paginate

from . import charts, exports, figures, pdf, selectors, services, tables
from .forms import (
    MAX_REPORT_DAYS,
    AskingPriceForm,
    DeviceFilterForm,
    InvoiceFilterForm,
    MarginFilterForm,
    PartnerFilterForm,
    PriceSheetFilterForm,
    PurchaseOrderFilterForm,
)
from .models import Invoice, Partner, PurchaseOrder


def _pdf_response(request, content: bytes, filename: str) -> HttpResponse:
    """Shown in the browser (to print), or saved with ``?download=1``."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        request.GET.get("download") == "1", filename
    )
    return response


def _export_format(fmt: str) -> str:
    if fmt not in exports.FORMATS:
        raise Http404("Exports are .csv or .xlsx")
    return fmt


def _stamp(request) -> str:
    return company_today(request.company).isoformat()


# ---- documents -------------------------------------------------------------------------------


def _invoice(request, pk) -> Invoice:
    return get_object_or_404(
        Invoice.objects.for_company(request.company).select_related("customer", "company"), pk=pk
    )


@company_required
def invoice_pdf(request, pk):
    invoice = _invoice(request, pk)
    return _pdf_response(request, pdf.invoice_pdf(invoice), pdf.filename(invoice.number))


@company_required
def invoice_packing_list_pdf(request, pk):
    invoice = _invoice(request, pk)
    return _pdf_response(
        request, pdf.packing_list_pdf(invoice), pdf.filename(invoice.number, "packing-list")
    )


@company_required
def purchase_order_pdf(request, pk):
    purchase_order = get_object_or_404(
        PurchaseOrder.objects.for_company(request.company).select_related("vendor", "company"),
        pk=pk,
    )
    return _pdf_response(
        request, pdf.purchase_order_pdf(purchase_order), pdf.filename(purchase_order.number)
    )


# ---- exports of the lists ----------------------------------------------------------------------


@company_required
def device_export(request, fmt):
    """The device list with its filters applied (the same query string as the list page)."""
    fmt = _export_format(fmt)
    filters = DeviceFilterForm(request.GET or None, company=request.company)
    devices = selectors.search_devices(company=request.company, **filters.criteria())
    return exports.response(
        fmt,
        name=f"devices-{_stamp(request)}",
        title="Devices",
        columns=tables.device_columns(request.company.time_zone),
        rows=tables.device_rows(devices),
    )


@company_required
def purchase_order_export(request, fmt):
    fmt = _export_format(fmt)
    filters = PurchaseOrderFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else None
    purchase_orders = (
        selectors.purchase_orders_for(company=request.company, status=status or None)
        .annotate(total_cost=MoneySum("lines__unit_cost"))  # exact on every database
        .order_by("-date", "-id")
    )
    return exports.response(
        fmt,
        name=f"purchase-orders-{_stamp(request)}",
        title="Purchase orders",
        columns=tables.purchase_order_columns(),
        rows=tables.purchase_order_rows(purchase_orders),
    )


@company_required
def invoice_export(request, fmt):
    fmt = _export_format(fmt)
    today = company_today(request.company)
    filters = InvoiceFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else None
    invoices = selectors.invoices_for(
        company=request.company, status=status or None, today=today
    ).order_by("-date", "-id")
    return exports.response(
        fmt,
        name=f"invoices-{today.isoformat()}",
        title="Invoices",
        columns=tables.invoice_columns(today),
        rows=tables.invoice_rows(invoices),
    )


@company_required
def partner_export(request, fmt):
    fmt = _export_format(fmt)
    filters = PartnerFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    partners = selectors.search_partners(
        company=request.company, q=criteria.get("q") or "", role=criteria.get("role") or ""
    )
    return exports.response(
        fmt,
        name=f"partners-{_stamp(request)}",
        title="Partners",
        columns=tables.partner_columns(),
        rows=tables.partner_rows(partners),
    )


# ---- the price sheet ---------------------------------------------------------------------------


def _price_sheet_rows(request):
    filters = PriceSheetFilterForm(
        request.GET or None, company=request.company, sorts=selectors.PRICE_SHEET_SORTS
    )
    today = company_today(request.company)
    rows = selectors.price_sheet(
        company=request.company,
        today=today,
        time_zone=request.company.time_zone,
        **filters.criteria(),
    )
    return filters, rows, today


@company_required
def price_sheet(request):
    filters, rows, today = _price_sheet_rows(request)
    totals = {
        "devices": sum(row.count for row in rows),
        "cost": sum((row.total_cost for row in rows), figures.ZERO),
        "priced": sum(1 for row in rows if row.asking_price is not None),
    }
    return render(
        request,
        "inventory/price_sheet.html",
        {
            "filters": filters,
            "rows": rows,
            "totals": totals,
            "query": request.GET.urlencode(),
            "return_to": request.get_full_path(),
        },
    )


@company_required
def price_sheet_export(request, fmt):
    fmt = _export_format(fmt)
    _, rows, today = _price_sheet_rows(request)
    return exports.response(
        fmt,
        name=f"price-sheet-{today.isoformat()}",
        title="Price sheet",
        columns=tables.price_sheet_columns(),
        rows=rows,
    )


@company_required
def price_sheet_pdf(request):
    _, rows, today = _price_sheet_rows(request)
    return _pdf_response(
        request,
        pdf.price_sheet_pdf(request.company, rows, today=today),
        pdf.filename("price-sheet", today.isoformat()),
    )


@company_required
@require_POST
def price_sheet_set_price(request):
    form = AskingPriceForm(request.POST, company=request.company)
    back = request.POST.get("next") or reverse("price_sheet")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("price_sheet")
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors)))
        return redirect(back)
    data = form.cleaned_data
    try:
        asking = services.set_asking_price(
            company=request.company,
            product=data["product"],
            condition=data["condition"],
            price=data["price"],
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        what = f"{data['product'].display_name}, grade {data['condition'].code}"
        if asking is None:
            messages.success(request, f"Asking price of {what} removed.")
        else:
            shown = format_money(asking.price, request.company.currency)
            messages.success(request, f"Asking price of {what} set to {shown}.")
    return redirect(back)


# ---- margins -----------------------------------------------------------------------------------


def _margin_criteria(request):
    today = company_today(request.company)
    filters = MarginFilterForm(
        request.GET or None, company=request.company, groupings=selectors.MARGIN_GROUPINGS
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    default_start = (figures.month_start(today) - datetime.timedelta(days=335)).replace(day=1)
    start = data.get("start") or default_start
    end = data.get("end") or today
    if end < start or (end - start).days > MAX_REPORT_DAYS:  # only the other date was given
        start, end = default_start, today
    return filters, {
        "start": start,
        "end": end,
        "by": data.get("by") or "month",
        "customer_id": data["customer"].pk if data.get("customer") else None,
    }


@company_required
def margin_report(request):
    filters, criteria = _margin_criteria(request)
    rows, total = selectors.margin_rows(company=request.company, **criteria)
    chart = ""
    if criteria["by"] == "month":
        chart = charts.margin_chart(
            [(row.label, row.figures.margin, row.figures.units) for row in rows],
            currency=request.company.currency,
        )
    else:
        months, _ = selectors.margin_rows(company=request.company, **{**criteria, "by": "month"})
        chart = charts.margin_chart(
            [(row.label, row.figures.margin, row.figures.units) for row in months],
            currency=request.company.currency,
        )
    return render(
        request,
        "inventory/margin_report.html",
        {
            "filters": filters,
            "criteria": criteria,
            "page_obj": paginate(request, rows),
            "total": total,
            "chart": chart,
            "query": request.GET.urlencode(),
            "grouping": selectors.MARGIN_GROUPINGS[criteria["by"]],
        },
    )


@company_required
def margin_export(request, fmt):
    fmt = _export_format(fmt)
    _, criteria = _margin_criteria(request)
    rows, _ = selectors.margin_rows(company=request.company, **criteria)
    return exports.response(
        fmt,
        name=f"margins-by-{criteria['by']}-{criteria['start']}-to-{criteria['end']}",
        title=f"Margins by {criteria['by']}",
        columns=tables.margin_columns(criteria["by"]),
        rows=rows,
    )


# ---- receivables -------------------------------------------------------------------------------


@company_required
def receivables(request):
    today = company_today(request.company)
    rows, total = selectors.receivables(company=request.company, today=today)
    return render(
        request,
        "inventory/receivables.html",
        {"rows": rows, "total": total, "buckets": figures.BUCKET_LABELS, "as_of": today},
    )


@company_required
def receivables_export(request, fmt):
    fmt = _export_format(fmt)
    today = company_today(request.company)
    rows, _ = selectors.receivables(company=request.company, today=today)
    return exports.response(
        fmt,
        name=f"receivables-{today.isoformat()}",
        title="Receivables",
        columns=tables.receivable_columns(),
        rows=rows,
    )


@company_required
def partner_statement_pdf(request, pk):
    customer = Partner.objects.get_for_company_or_404(request.company, pk=pk, is_customer=True)
    today = company_today(request.company)
    rows, _ = selectors.receivables(company=request.company, today=today, customer_id=customer.pk)
    return _pdf_response(
        request,
        pdf.statement_pdf(request.company, customer, rows[0] if rows else None, today=today),
        pdf.filename("statement", customer.name, today.isoformat()),
    )
