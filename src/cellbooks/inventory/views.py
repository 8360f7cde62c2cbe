"""The inventory pages. Views parse input, call a service or a selector, and render.

Every record is fetched with ``get_for_company_or_404(request.company, ...)`` (lines and payments
through their company-scoped parent), so another company's id answers 404. Every state change is
a POST that calls a service and redirects; a service's ValidationError is shown on the form.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cellbooks.accounts import selectors as accounts_selectors
from cellbooks.core.dates import company_today
from cellbooks.core.integrations import registry as integrations
from cellbooks.core.money import format_money
from cellbooks.core.permissions import DOCUMENTS, PAYMENTS, can
from cellbooks.core.views import add_service_errors, company_required, error_text, paginate
from cellbooks.inventory import csv_import, selectors, services
from cellbooks.inventory.csv_import import COLUMN_LABELS as CSV_COLUMN_LABELS
from cellbooks.inventory.csv_import import CsvImportError
from cellbooks.inventory.forms import (
    CsvImportForm,
    DeviceCreateForm,
    DeviceEditForm,
    DeviceFilterForm,
    InvoiceDevicesForm,
    InvoiceFilterForm,
    InvoiceForm,
    InvoiceLinePriceForm,
    PartnerFilterForm,
    PartnerForm,
    PaymentForm,
    PurchaseOrderDeviceForm,
    PurchaseOrderFilterForm,
    PurchaseOrderForm,
)
from cellbooks.inventory.models import (
    Device,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Partner,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
)

RECENT_COUNT = 5
HISTORY_SHOWN = 50
PARTNER_DOCUMENTS_SHOWN = 50


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _next_number(company, kind) -> str:
    """The number the sequence would give the next document, shown pre-filled and editable."""
    sequence = NumberSequence.objects.for_company(company).filter(kind=kind).first()
    return f"{sequence.prefix}{sequence.next_value}" if sequence else ""


# Dashboard -----------------------------------------------------------------------------------


@company_required
def dashboard(request):
    summary = selectors.dashboard_summary(
        company=request.company, today=company_today(request.company), recent=RECENT_COUNT
    )
    return render(request, "inventory/dashboard.html", {"summary": summary})


# Devices -------------------------------------------------------------------------------------


@company_required
def device_list(request):
    filters = DeviceFilterForm(request.GET or None, company=request.company)
    devices = selectors.search_devices(company=request.company, **filters.criteria())
    return render(
        request,
        "inventory/device_list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, devices),
            "export_query": request.GET.urlencode(),
        },
    )


@company_required
def device_detail(request, pk):
    device = get_object_or_404(
        Device.objects.for_company(request.company).select_related(
            "product", "condition", "purchase_line__purchase_order__vendor"
        ),
        pk=pk,
    )
    pages = {
        "purchase_order": "purchase_order_detail",
        "invoice": "invoice_detail",
        "customer_return": "return_detail",
        "vendor_return": "vendor_return_detail",
    }
    timeline = [
        (event, reverse(pages[event.kind], args=[event.document.pk]))
        for event in selectors.device_timeline(
            company=request.company, identifier=device.identifier
        )
    ]
    return render(request, "inventory/device_detail.html", {"device": device, "timeline": timeline})


@company_required
def device_create(request):
    form = DeviceCreateForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.get_or_create_product(
                company=request.company, **form.product_attributes()
            )
            device = services.create_device(
                company=request.company,
                identifier=data["identifier"],
                product=product,
                condition=data["condition"],
                cost=data["cost"],
                price=data["price"],
                location=data["location"],
                notes=data["notes"],
                **form.details(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Device {device.identifier} added.")
            return redirect("device_detail", pk=device.pk)
    return render(request, "inventory/device_form.html", {"form": form})


@company_required
def device_edit(request, pk):
    device = Device.objects.get_for_company_or_404(request.company, pk=pk)
    initial = {
        "identifier": device.identifier,
        "product": device.product_id,
        "condition": device.condition_id,
        "cost": device.cost,
        "price": device.price,
        "location": device.location,
        "notes": device.notes,
        **{name: getattr(device, name) for name in DeviceEditForm.DETAIL_FIELDS},
    }
    form = DeviceEditForm(request.POST or None, initial=initial, company=request.company)
    if not can(request, DOCUMENTS):
        # Warehouse work: grade, location, notes. Costs and prices stay as they are (a disabled
        # field ignores what is posted and keeps its initial value).
        for name in ("cost", "price"):
            form.fields[name].disabled = True
            form.fields[name].help_text = "Only an owner or a bookkeeper can change it."
    if request.method == "POST" and form.is_valid():
        try:
            services.update_device(device=device, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Device {device.identifier} saved.")
            return redirect("device_detail", pk=device.pk)
    return render(request, "inventory/device_form.html", {"form": form, "device": device})


# Partners ------------------------------------------------------------------------------------


@company_required
def partner_list(request):
    filters = PartnerFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    partners = selectors.search_partners(
        company=request.company, q=criteria.get("q") or "", role=criteria.get("role") or ""
    )
    return render(
        request,
        "inventory/partner_list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, partners),
            "query": request.GET.urlencode(),
        },
    )


@company_required
def partner_detail(request, pk):
    partner = Partner.objects.get_for_company_or_404(request.company, pk=pk)
    purchase_orders = selectors.purchase_order_list(company=request.company).filter(vendor=partner)
    invoices = selectors.invoice_list(company=request.company).filter(customer=partner)
    context = {
        "partner": partner,
        # Counts and exact totals for the POs shown only (one grouped query).
        "purchase_orders": selectors.with_line_figures(purchase_orders[:PARTNER_DOCUMENTS_SHOWN]),
        "invoices": invoices[:PARTNER_DOCUMENTS_SHOWN],
    }
    return render(request, "inventory/partner_detail.html", context)


@company_required
def partner_create(request):
    form = PartnerForm(request.POST or None, initial=_partner_role_from(request))
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.create_partner(company=request.company, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{partner.name} added.")
            return redirect("partner_detail", pk=partner.pk)
    return render(request, "inventory/partner_form.html", {"form": form})


def _partner_role_from(request) -> dict:
    """``?role=vendor`` or ``?role=customer`` pre-ticks the role (links from the PO/invoice forms)."""
    role = request.GET.get("role")
    return {"is_vendor": role == "vendor", "is_customer": role == "customer"}


@company_required
def partner_edit(request, pk):
    partner = Partner.objects.get_for_company_or_404(request.company, pk=pk)
    initial = {name: getattr(partner, name) for name in PartnerForm.base_fields}
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_partner(partner=partner, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{partner.name} saved.")
            return redirect("partner_detail", pk=partner.pk)
    return render(request, "inventory/partner_form.html", {"form": form, "partner": partner})


# Purchase orders -----------------------------------------------------------------------------


@company_required
def purchase_order_list(request):
    filters = PurchaseOrderFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else None
    purchase_orders = selectors.purchase_order_list(company=request.company, status=status or None)
    page = paginate(request, purchase_orders)
    # Counts and exact totals (MoneySum) for this page's POs only, in one grouped query.
    page.object_list = selectors.with_line_figures(page.object_list)
    return render(
        request,
        "inventory/purchase_order_list.html",
        {"filters": filters, "page_obj": page, "query": request.GET.urlencode()},
    )


@company_required
def purchase_order_create(request):
    company = request.company
    suggested_number = _next_number(company, NumberSequence.Kind.PURCHASE_ORDER)
    initial = {
        "number": suggested_number,
        "date": timezone.localdate(),
        "vendor": request.GET.get("vendor"),
    }
    form = PurchaseOrderForm(request.POST or None, initial=initial, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            purchase_order = services.create_purchase_order(
                company=company,
                vendor=data["vendor"],
                # The untouched suggestion is left to the sequence, which also advances it.
                number=None if data["number"] == suggested_number else data["number"],
                date=data["date"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Purchase order {purchase_order.number} created. Now add its devices."
            )
            return redirect("purchase_order_detail", pk=purchase_order.pk)
    return render(request, "inventory/purchase_order_form.html", {"form": form})


@company_required
def purchase_order_edit(request, pk):
    purchase_order = PurchaseOrder.objects.get_for_company_or_404(request.company, pk=pk)
    initial = {
        "vendor": purchase_order.vendor_id,
        "number": purchase_order.number,
        "date": purchase_order.date,
        "notes": purchase_order.notes,
    }
    form = PurchaseOrderForm(request.POST or None, initial=initial, company=request.company)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_purchase_order(purchase_order=purchase_order, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Purchase order {purchase_order.number} saved.")
            return redirect("purchase_order_detail", pk=purchase_order.pk)
    return render(
        request,
        "inventory/purchase_order_form.html",
        {"form": form, "purchase_order": purchase_order},
    )


# Above this many devices a document page shows its groups only: rendering tens of thousands of
# rows helps nobody (a device is found by its IMEI on the Devices page).
LARGE_DOCUMENT = 500


@dataclass(frozen=True)
class ImportProblem:
    """One bad CSV row as the page shows it: the column named the way the user's file names it."""

    row: int
    identifier: str
    field: str
    field_label: str
    message: str

    @classmethod
    def from_row_error(cls, row_error):
        field = row_error.field or ""
        label = CSV_COLUMN_LABELS.get(field, field.replace("_", " "))
        return cls(row_error.row, row_error.identifier, field, label, row_error.message)


def _render_purchase_order(
    request,
    purchase_order,
    *,
    device_form=None,
    import_form=None,
    import_errors=None,
    import_error_count=0,
    import_row_count=0,
):
    line_count = purchase_order.lines.count()
    if line_count > LARGE_DOCUMENT:
        groups = selectors.line_group_summaries(purchase_order.lines.all(), "unit_cost")
    else:
        groups = selectors.line_groups(purchase_order.lines.all(), "unit_cost")
    context = {
        "purchase_order": purchase_order,
        "groups": groups,
        "summarised": line_count > LARGE_DOCUMENT,
        "line_count": line_count,
        "total": selectors.purchase_order_total(purchase_order=purchase_order),
        "device_form": device_form or PurchaseOrderDeviceForm(company=request.company),
        "import_form": import_form or CsvImportForm(),
        "import_errors": import_errors,
        "editable": purchase_order.is_editable and can(request, DOCUMENTS),
        "history": _history(request, "purchase_order", purchase_order),
        "import_error_count": import_error_count,
        "import_row_count": import_row_count,
        "import_errors_hidden": max(import_error_count - len(import_errors or []), 0),
    }
    return render(request, "inventory/purchase_order_detail.html", context)


def _history(request, kind, document):
    """What the activity log recorded about this document, newest first."""
    return accounts_selectors.history(company=request.company, kind=kind, target_id=document.pk)[
        :HISTORY_SHOWN
    ]


def _get_purchase_order(request, pk):
    return get_object_or_404(
        PurchaseOrder.objects.for_company(request.company).select_related("vendor"), pk=pk
    )


@company_required
def purchase_order_detail(request, pk):
    return _render_purchase_order(request, _get_purchase_order(request, pk))


@company_required
@require_POST
def purchase_order_add_device(request, pk):
    purchase_order = _get_purchase_order(request, pk)
    form = PurchaseOrderDeviceForm(request.POST, company=request.company)
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = services.add_device_to_purchase_order(
                purchase_order=purchase_order,
                identifier=data["identifier"],
                **form.product_attributes(),
                condition=data["condition"].code,
                cost=data["cost"],
                price=data["price"],
                location=data["location"],
                **form.details(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            identifier = getattr(getattr(line, "device", None), "identifier", data["identifier"])
            messages.success(request, f"Added {identifier}.")
            return redirect("purchase_order_detail", pk=purchase_order.pk)
    return _render_purchase_order(request, purchase_order, device_form=form)


@company_required
@require_POST
def purchase_order_import(request, pk):
    """Devices from pasted or uploaded CSV, all or nothing. On failure every bad row is listed and
    the CSV stays in the textarea (an uploaded file's text too) so it can be fixed in place."""
    purchase_order = _get_purchase_order(request, pk)
    form = CsvImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_purchase_order(request, purchase_order, import_form=form)
    csv_text = form.cleaned_data["csv_text"]
    try:
        result = csv_import.import_purchase_order_csv(purchase_order=purchase_order, text=csv_text)
    except CsvImportError as error:
        return _render_purchase_order(
            request,
            purchase_order,
            import_form=CsvImportForm(initial={"text": csv_text}),
            import_errors=[
                ImportProblem.from_row_error(row_error)
                for row_error in error.errors[:PROBLEMS_SHOWN]
            ],
            import_error_count=len(error.errors),
            import_row_count=len({row_error.row for row_error in error.errors}),
        )
    except ValidationError as error:  # the PO as a whole refuses (e.g. it is received already)
        messages.error(request, error_text(error))
        return redirect("purchase_order_detail", pk=purchase_order.pk)
    messages.success(
        request,
        f"Added {_plural(result.created, 'device')} ({_plural(result.products_created, 'new product')}).",
    )
    return redirect("purchase_order_detail", pk=purchase_order.pk)


@company_required
@require_POST
def purchase_order_remove_line(request, pk, line_pk):
    purchase_order = _get_purchase_order(request, pk)
    line = get_object_or_404(
        PurchaseOrderLine.objects.select_related("device"),
        purchase_order=purchase_order,
        pk=line_pk,
    )
    identifier = line.device.identifier
    try:
        services.remove_purchase_order_line(line=line)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Removed {identifier}.")
    return redirect("purchase_order_detail", pk=purchase_order.pk)


def _purchase_order_transition(request, pk, service, done_message):
    purchase_order = _get_purchase_order(request, pk)
    try:
        service(purchase_order=purchase_order)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done_message.format(number=purchase_order.number))
    return redirect("purchase_order_detail", pk=purchase_order.pk)


@company_required
@require_POST
def purchase_order_receive(request, pk):
    return _purchase_order_transition(
        request,
        pk,
        services.receive_purchase_order,
        "Purchase order {number} received: its devices are in stock.",
    )


@company_required
@require_POST
def purchase_order_close(request, pk):
    return _purchase_order_transition(
        request, pk, services.close_purchase_order, "Purchase order {number} closed."
    )


@company_required
@require_POST
def purchase_order_delete(request, pk):
    purchase_order = _get_purchase_order(request, pk)
    try:
        services.delete_draft_purchase_order(purchase_order=purchase_order)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("purchase_order_detail", pk=purchase_order.pk)
    messages.success(request, f"Draft purchase order {purchase_order.number} deleted.")
    return redirect("purchase_order_list")


@company_required
def purchase_order_void(request, pk):
    """GET asks for confirmation; POST voids."""
    purchase_order = _get_purchase_order(request, pk)
    if request.method == "POST":
        try:
            services.void_purchase_order(purchase_order=purchase_order)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"Purchase order {purchase_order.number} voided.")
        return redirect("purchase_order_detail", pk=purchase_order.pk)
    return render(
        request,
        "inventory/confirm_void.html",
        {
            "document": purchase_order,
            "kind": "purchase_order",
            "document_label": f"purchase order {purchase_order.number}",
            "consequence": "Its devices that are still in stock are returned to the vendor and leave your stock.",
            "back_url": reverse("purchase_order_detail", args=[purchase_order.pk]),
        },
    )


# Invoices ------------------------------------------------------------------------------------


@company_required
def invoice_list(request):
    filters = InvoiceFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else None
    invoices = selectors.invoice_list(
        company=request.company, status=status or None, today=company_today(request.company)
    )
    return render(
        request,
        "inventory/invoice_list.html",
        {
            "filters": filters,
            "page_obj": paginate(request, invoices),
            "query": request.GET.urlencode(),
        },
    )


@company_required
def invoice_create(request):
    company = request.company
    suggested_number = _next_number(company, NumberSequence.Kind.INVOICE)
    initial = {
        "number": suggested_number,
        "date": timezone.localdate(),
        "customer": request.GET.get("customer"),
    }
    form = InvoiceForm(request.POST or None, initial=initial, company=company)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invoice = services.create_invoice(
                company=company,
                customer=data["customer"],
                number=None if data["number"] == suggested_number else data["number"],
                date=data["date"],
                due_date=data["due_date"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invoice {invoice.number} created. Now scan its devices.")
            return redirect("invoice_detail", pk=invoice.pk)
    return render(request, "inventory/invoice_form.html", {"form": form})


@company_required
def invoice_edit(request, pk):
    invoice = Invoice.objects.get_for_company_or_404(request.company, pk=pk)
    initial = {
        "customer": invoice.customer_id,
        "number": invoice.number,
        "date": invoice.date,
        "due_date": invoice.due_date,
        "notes": invoice.notes,
    }
    form = InvoiceForm(request.POST or None, initial=initial, company=request.company)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_invoice(invoice=invoice, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Invoice {invoice.number} saved.")
            return redirect("invoice_detail", pk=invoice.pk)
    return render(request, "inventory/invoice_form.html", {"form": form, "invoice": invoice})


def _get_invoice(request, pk):
    return get_object_or_404(
        Invoice.objects.for_company(request.company).select_related("customer"), pk=pk
    )


def _render_invoice(request, invoice, *, devices_form=None, payment_form=None):
    groups = selectors.line_groups(invoice.lines.all(), "unit_price")
    can_pay = invoice.status in (Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID) and can(
        request, PAYMENTS
    )
    context = {
        "invoice": invoice,
        "groups": groups,
        "line_count": sum(group.count for group in groups),
        "payments": selectors.invoice_payments(invoice=invoice),
        "margin": selectors.invoice_margin(invoice=invoice),
        "devices_form": devices_form or InvoiceDevicesForm(),
        "can_pay": can_pay,
        "returns": list(invoice.returns.order_by("-date", "-id")),
        "payment_policies": [
            (integration.key, policy)
            for integration, policy in integrations.payment_policies(request, invoice=invoice)
        ],
        "payment_form": payment_form
        or PaymentForm(initial={"amount": invoice.balance_due, "date": timezone.localdate()}),
        "lines_editable": invoice.lines_editable and can(request, DOCUMENTS),
        "history": _history(request, "invoice", invoice),
    }
    return render(request, "inventory/invoice_detail.html", context)


@company_required
def invoice_detail(request, pk):
    return _render_invoice(request, _get_invoice(request, pk))


@company_required
@require_POST
def invoice_add_devices(request, pk):
    invoice = _get_invoice(request, pk)
    form = InvoiceDevicesForm(request.POST)
    if form.is_valid():
        identifiers = form.cleaned_data["identifiers"]
        try:
            services.add_devices_to_invoice(
                invoice=invoice, identifiers=identifiers, unit_price=form.cleaned_data["unit_price"]
            )
        except ValidationError as error:
            add_service_errors(form, _first_problems(error, "identifiers"))
        else:
            done = f"Added {_plural(len(identifiers), 'device')}."
            if form.repeated:
                twice = ", ".join(form.repeated[:PROBLEMS_SHOWN])
                more = len(form.repeated) - PROBLEMS_SHOWN
                done += (
                    f" Scanned more than once, added once: {twice}"
                    + (f" and {more} more" if more > 0 else "")
                    + "."
                )
            messages.success(request, done)
            return redirect("invoice_detail", pk=invoice.pk)
    return _render_invoice(request, invoice, devices_form=form)


# A paste of 20,000 bad lines is not fixed by reading 20,000 messages: the first ones show the
# kind of problem, and a count says how many more there are.
PROBLEMS_SHOWN = 50


def _first_problems(error: ValidationError, field: str) -> ValidationError:
    """``error`` with at most PROBLEMS_SHOWN messages for ``field``, then one that counts the rest."""
    if not hasattr(error, "error_dict") or field not in error.message_dict:
        return error
    problems = error.message_dict[field]
    if len(problems) <= PROBLEMS_SHOWN:
        return error
    rest = len(problems) - PROBLEMS_SHOWN
    kept = {**error.message_dict}
    kept[field] = [
        *problems[:PROBLEMS_SHOWN],
        f"… and {rest:,} more like these ({len(problems):,} in all): nothing was added. "
        "Fix the list and add it again.",
    ]
    return ValidationError(kept)


def _get_invoice_line(request, pk, line_pk):
    invoice = _get_invoice(request, pk)
    return get_object_or_404(
        InvoiceLine.objects.select_related("device", "invoice"), invoice=invoice, pk=line_pk
    )


@company_required
@require_POST
def invoice_line_price(request, pk, line_pk):
    line = _get_invoice_line(request, pk, line_pk)
    form = InvoiceLinePriceForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"{line.device.identifier}: {error_text(ValidationError(form.errors))}"
        )
        return redirect("invoice_detail", pk=line.invoice_id)
    try:
        services.set_invoice_line_price(line=line, unit_price=form.cleaned_data["unit_price"])
    except ValidationError as error:
        messages.error(request, f"{line.device.identifier}: {error_text(error)}")
    else:
        messages.success(request, f"Price of {line.device.identifier} set.")
    return redirect("invoice_detail", pk=line.invoice_id)


@company_required
def invoice_remove_line(request, pk, line_pk):
    """Take a device off an invoice. Once the invoice was sent, GET asks first: taking a device off
    changes what the customer was billed (and what an accounting system holds) — a device that
    came back is a return instead."""
    line = _get_invoice_line(request, pk, line_pk)
    invoice_id, identifier = line.invoice_id, line.device.identifier
    if request.method != "POST":
        if line.invoice.status == Invoice.Status.DRAFT:
            return redirect("invoice_detail", pk=invoice_id)
        return render(
            request,
            "inventory/confirm_remove_line.html",
            {
                "line": line,
                "invoice": line.invoice,
                "new_total": line.invoice.total - line.unit_price,
                "notices": integrations.change_notices(
                    request,
                    kind="invoice",
                    document=line.invoice,
                    change=f"{identifier} taken off, total "
                    f"{line.invoice.total:,.2f} → {line.invoice.total - line.unit_price:,.2f}",
                ),
            },
        )
    try:
        services.remove_invoice_line(line=line)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Removed {identifier}.")
    return redirect("invoice_detail", pk=invoice_id)


@company_required
@require_POST
def invoice_open(request, pk):
    invoice = _get_invoice(request, pk)
    try:
        services.open_invoice(invoice=invoice)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Invoice {invoice.number} is open: its devices are marked sold.")
    return redirect("invoice_detail", pk=invoice.pk)


@company_required
@require_POST
def invoice_delete(request, pk):
    invoice = _get_invoice(request, pk)
    try:
        services.delete_draft_invoice(invoice=invoice)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("invoice_detail", pk=invoice.pk)
    messages.success(request, f"Draft invoice {invoice.number} deleted; its devices are in stock.")
    return redirect("invoice_list")


@company_required
def invoice_void(request, pk):
    """GET asks for confirmation; POST voids."""
    invoice = _get_invoice(request, pk)
    if request.method == "POST":
        try:
            services.void_invoice(invoice=invoice)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, f"Invoice {invoice.number} voided: its devices are back in stock."
            )
        return redirect("invoice_detail", pk=invoice.pk)
    payments = list(selectors.invoice_payments(invoice=invoice))
    return render(
        request,
        "inventory/confirm_void.html",
        {
            "document": invoice,
            "kind": "invoice",
            "document_label": f"invoice {invoice.number}",
            "consequence": "Its devices go back in stock. A voided invoice cannot be reopened.",
            "back_url": reverse("invoice_detail", args=[invoice.pk]),
            # An invoice with payments or returns is not voided: the page says what to do instead.
            "blocking_payments": payments,
            "blocking_returns": list(invoice.returns.filter(status="completed")),
        },
    )


@company_required
@require_POST
def invoice_record_payment(request, pk):
    """Record a payment typed by hand. An integration may ask for a confirmation first (e.g. the
    system that keeps this invoice's payments); ``confirm_<key>`` carries the person's answer."""
    invoice = _get_invoice(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        for integration, policy in integrations.payment_policies(request, invoice=invoice):
            if policy.needs_confirmation and request.POST.get(f"confirm_{integration.key}") != "1":
                form.add_error(None, policy.refusal)
    if form.is_valid():
        try:
            payment = services.record_payment(invoice=invoice, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            invoice.refresh_from_db()
            messages.success(
                request,
                f"Payment of {format_money(payment.amount, request.company.currency)} recorded. "
                f"Invoice {invoice.number} is "
                f"{invoice.get_status_display().lower()}.",
            )
            return redirect("invoice_detail", pk=invoice.pk)
    return _render_invoice(request, invoice, payment_form=form)


@company_required
@require_POST
def invoice_delete_payment(request, pk, payment_pk):
    invoice = _get_invoice(request, pk)
    payment = Payment.objects.get_for_company_or_404(
        request.company, pk=payment_pk, invoice=invoice
    )
    try:
        services.delete_payment(payment=payment)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, f"Payment of {format_money(payment.amount, request.company.currency)} deleted."
        )
    return redirect("invoice_detail", pk=invoice.pk)
