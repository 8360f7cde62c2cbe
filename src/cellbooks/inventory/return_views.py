"""The return pages: customer returns (RMA) from an invoice, and vendor returns (RTV).

Same shape as views.py: every record fetched for the request's company (404 otherwise), every
change a POST that calls ``returns.py`` and redirects, a refusal shown where it happened.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cellbooks.accounts import selectors as accounts_selectors
from cellbooks.core.views import add_service_errors, company_required, error_text, paginate

from . import returns
from .models import CustomerReturn, Invoice, Partner, ReturnLine, VendorReturn, VendorReturnLine
from .return_forms import (
    CustomerReturnForm,
    ReturnDevicesForm,
    ReturnLineForm,
    VendorChoiceForm,
    VendorReturnDevicesForm,
    VendorReturnForm,
    VendorReturnLineForm,
)
from .views import HISTORY_SHOWN, _plural

# ---- customer returns -----------------------------------------------------------------------


def _get_return(request, pk) -> CustomerReturn:
    return get_object_or_404(
        CustomerReturn.objects.for_company(request.company).select_related("invoice", "customer"),
        pk=pk,
    )


@company_required
def return_list(request):
    rows = CustomerReturn.objects.for_company(request.company).select_related("invoice", "customer")
    status = request.GET.get("status")
    if status in CustomerReturn.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "inventory/return_list.html",
        {
            "page_obj": paginate(request, rows),
            "statuses": CustomerReturn.Status.choices,
            "status": status,
        },
    )


@company_required
def return_create(request):
    """Start a return from a sold invoice (``?invoice=<id>``)."""
    invoice = get_object_or_404(
        Invoice.objects.for_company(request.company).select_related("customer"),
        pk=request.GET.get("invoice") or request.POST.get("invoice") or 0,
    )
    form = CustomerReturnForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rma = returns.create_customer_return(
                company=request.company, invoice=invoice, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Return {rma.number} started. Now scan the devices that came back."
            )
            return redirect("return_detail", pk=rma.pk)
    return render(request, "inventory/return_form.html", {"form": form, "invoice": invoice})


@company_required
def return_edit(request, pk):
    rma = _get_return(request, pk)
    initial = {
        field: getattr(rma, field)
        for field in ("reason", "date", "credit", "refund_method", "refund_reference", "notes")
    }
    form = CustomerReturnForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            returns.update_customer_return(customer_return=rma, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Return {rma.number} saved.")
            return redirect("return_detail", pk=rma.pk)
    return render(
        request, "inventory/return_form.html", {"form": form, "invoice": rma.invoice, "rma": rma}
    )


def _render_return(request, rma, *, devices_form=None):
    lines = list(rma.lines.select_related("device__product", "device__condition", "new_condition"))
    invoice = rma.invoice
    context = {
        "rma": rma,
        "lines": [
            (
                line,
                ReturnLineForm(
                    company=request.company,
                    initial={
                        "disposition": line.disposition,
                        "new_condition": line.new_condition_id,
                        "new_location": line.new_location,
                    },
                    prefix=f"line{line.pk}",
                ),
            )
            for line in lines
        ],
        "devices_form": devices_form or ReturnDevicesForm(company=request.company),
        "invoice": invoice,
        "refundable": returns.refundable(invoice),
        "history": accounts_selectors.history(
            company=request.company, kind="customer_return", target_id=rma.pk
        )[:HISTORY_SHOWN],
    }
    return render(request, "inventory/return_detail.html", context)


@company_required
def return_detail(request, pk):
    return _render_return(request, _get_return(request, pk))


@company_required
@require_POST
def return_add_devices(request, pk):
    rma = _get_return(request, pk)
    form = ReturnDevicesForm(request.POST, company=request.company)
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = returns.add_devices_to_return(
                customer_return=rma,
                identifiers=data["identifiers"],
                disposition=data["disposition"],
                new_condition=data["new_condition"],
                new_location=data["new_location"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added {_plural(len(added), 'device')} to the return.")
            return redirect("return_detail", pk=rma.pk)
    return _render_return(request, rma, devices_form=form)


def _get_return_line(request, pk, line_pk) -> ReturnLine:
    return get_object_or_404(
        ReturnLine.objects.select_related("device", "customer_return"),
        customer_return=_get_return(request, pk),
        pk=line_pk,
    )


@company_required
@require_POST
def return_line_update(request, pk, line_pk):
    line = _get_return_line(request, pk, line_pk)
    form = ReturnLineForm(request.POST, company=request.company, prefix=f"line{line.pk}")
    if not form.is_valid():
        messages.error(
            request, f"{line.device.identifier}: {error_text(ValidationError(form.errors))}"
        )
    else:
        try:
            returns.set_return_line(line=line, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, f"{line.device.identifier}: {error_text(error)}")
        else:
            messages.success(request, f"{line.device.identifier}: saved.")
    return redirect("return_detail", pk=line.customer_return_id)


@company_required
@require_POST
def return_line_remove(request, pk, line_pk):
    line = _get_return_line(request, pk, line_pk)
    try:
        returns.remove_return_line(line=line)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Took {line.device.identifier} off the return.")
    return redirect("return_detail", pk=pk)


def _transition(request, document, service, done, *, detail):
    try:
        service(document)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    return redirect(detail, pk=document.pk)


@company_required
@require_POST
def return_complete(request, pk):
    rma = _get_return(request, pk)
    done = {
        CustomerReturn.Credit.APPLY: "its credit is applied to the invoice",
        CustomerReturn.Credit.KEEP: "its credit is kept for the customer",
        CustomerReturn.Credit.REFUND: "record the refund where you paid it",
    }[rma.credit]
    return _transition(
        request,
        rma,
        lambda r: returns.complete_customer_return(customer_return=r),
        f"Return {rma.number} completed: the devices are back, and {done}.",
        detail="return_detail",
    )


@company_required
def return_void(request, pk):
    rma = _get_return(request, pk)
    if request.method == "POST":
        return _transition(
            request,
            rma,
            lambda r: returns.void_customer_return(customer_return=r),
            f"Return {rma.number} voided.",
            detail="return_detail",
        )
    consequence = (
        "Its devices go back to being sold on the invoice, and its credit is taken back."
        if rma.status == CustomerReturn.Status.COMPLETED
        else "The draft is kept for the record, voided."
    )
    return render(
        request,
        "inventory/confirm_void.html",
        {
            "document": rma,
            "kind": "customer_return",
            "document_label": f"return {rma.number}",
            "consequence": consequence,
            "back_url": reverse("return_detail", args=[rma.pk]),
        },
    )


@company_required
@require_POST
def return_delete(request, pk):
    rma = _get_return(request, pk)
    try:
        returns.delete_draft_return(customer_return=rma)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("return_detail", pk=rma.pk)
    messages.success(request, f"Draft return {rma.number} deleted.")
    return redirect("invoice_detail", pk=rma.invoice_id)


@company_required
def return_print(request, pk):
    rma = _get_return(request, pk)
    return render(
        request,
        "inventory/return_print.html",
        {
            "rma": rma,
            "lines": rma.lines.select_related(
                "device__product", "device__condition", "new_condition"
            ),
        },
    )


# ---- vendor returns -------------------------------------------------------------------------


def _get_vendor_return(request, pk) -> VendorReturn:
    return get_object_or_404(
        VendorReturn.objects.for_company(request.company).select_related(
            "vendor", "purchase_order"
        ),
        pk=pk,
    )


@company_required
def vendor_return_list(request):
    rows = VendorReturn.objects.for_company(request.company).select_related("vendor")
    status = request.GET.get("status")
    if status in VendorReturn.Status.values:
        rows = rows.filter(status=status)
    return render(
        request,
        "inventory/vendor_return_list.html",
        {
            "page_obj": paginate(request, rows),
            "statuses": VendorReturn.Status.choices,
            "status": status,
        },
    )


@company_required
def vendor_return_create(request):
    """Pick the vendor (``?vendor=<id>``), then the reason and the bill to credit."""
    vendor_id = request.GET.get("vendor") or request.POST.get("vendor")
    vendor = (
        Partner.objects.for_company(request.company).filter(pk=vendor_id, is_vendor=True).first()
        if str(vendor_id or "").isdigit()
        else None
    )
    if vendor is None:
        chooser = VendorChoiceForm(request.GET or None, company=request.company)
        return render(request, "inventory/vendor_return_form.html", {"chooser": chooser})
    form = VendorReturnForm(
        request.POST or None,
        company=request.company,
        vendor=vendor,
        initial={"date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            rtv = returns.create_vendor_return(
                company=request.company, vendor=vendor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Vendor return {rtv.number} started. Now scan its devices.")
            return redirect("vendor_return_detail", pk=rtv.pk)
    return render(request, "inventory/vendor_return_form.html", {"form": form, "vendor": vendor})


@company_required
def vendor_return_edit(request, pk):
    rtv = _get_vendor_return(request, pk)
    initial = {
        "reason": rtv.reason,
        "date": rtv.date,
        "purchase_order": rtv.purchase_order_id,
        "notes": rtv.notes,
    }
    form = VendorReturnForm(
        request.POST or None, company=request.company, vendor=rtv.vendor, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            returns.update_vendor_return(vendor_return=rtv, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Vendor return {rtv.number} saved.")
            return redirect("vendor_return_detail", pk=rtv.pk)
    return render(
        request,
        "inventory/vendor_return_form.html",
        {"form": form, "vendor": rtv.vendor, "rtv": rtv},
    )


def _render_vendor_return(request, rtv, *, devices_form=None):
    lines = rtv.lines.select_related("device__product", "device__condition")
    return render(
        request,
        "inventory/vendor_return_detail.html",
        {
            "rtv": rtv,
            "lines": lines,
            "devices_form": devices_form or VendorReturnDevicesForm(),
            "history": accounts_selectors.history(
                company=request.company, kind="vendor_return", target_id=rtv.pk
            )[:HISTORY_SHOWN],
        },
    )


@company_required
def vendor_return_detail(request, pk):
    return _render_vendor_return(request, _get_vendor_return(request, pk))


@company_required
@require_POST
def vendor_return_add_devices(request, pk):
    rtv = _get_vendor_return(request, pk)
    form = VendorReturnDevicesForm(request.POST)
    if form.is_valid():
        try:
            added = returns.add_devices_to_vendor_return(vendor_return=rtv, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Added {_plural(len(added), 'device')} to the vendor return."
            )
            return redirect("vendor_return_detail", pk=rtv.pk)
    return _render_vendor_return(request, rtv, devices_form=form)


def _get_vendor_return_line(request, pk, line_pk) -> VendorReturnLine:
    return get_object_or_404(
        VendorReturnLine.objects.select_related("device", "vendor_return"),
        vendor_return=_get_vendor_return(request, pk),
        pk=line_pk,
    )


@company_required
@require_POST
def vendor_return_line_credit(request, pk, line_pk):
    line = _get_vendor_return_line(request, pk, line_pk)
    form = VendorReturnLineForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        returns.set_vendor_return_line_credit(line=line, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, f"{line.device.identifier}: {error_text(error)}")
    else:
        messages.success(request, f"Credit for {line.device.identifier} set.")
    return redirect("vendor_return_detail", pk=pk)


@company_required
@require_POST
def vendor_return_line_remove(request, pk, line_pk):
    line = _get_vendor_return_line(request, pk, line_pk)
    try:
        returns.remove_vendor_return_line(line=line)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Took {line.device.identifier} off the vendor return.")
    return redirect("vendor_return_detail", pk=pk)


@company_required
@require_POST
def vendor_return_complete(request, pk):
    rtv = _get_vendor_return(request, pk)
    return _transition(
        request,
        rtv,
        lambda r: returns.complete_vendor_return(vendor_return=r),
        f"Vendor return {rtv.number} completed: its devices left stock.",
        detail="vendor_return_detail",
    )


@company_required
def vendor_return_void(request, pk):
    rtv = _get_vendor_return(request, pk)
    if request.method == "POST":
        return _transition(
            request,
            rtv,
            lambda r: returns.void_vendor_return(vendor_return=r),
            f"Vendor return {rtv.number} voided.",
            detail="vendor_return_detail",
        )
    consequence = (
        "Its devices come back into stock (the vendor did not take them)."
        if rtv.status == VendorReturn.Status.COMPLETED
        else "The draft is kept for the record, voided."
    )
    return render(
        request,
        "inventory/confirm_void.html",
        {
            "document": rtv,
            "kind": "vendor_return",
            "document_label": f"vendor return {rtv.number}",
            "consequence": consequence,
            "back_url": reverse("vendor_return_detail", args=[rtv.pk]),
        },
    )


@company_required
@require_POST
def vendor_return_delete(request, pk):
    rtv = _get_vendor_return(request, pk)
    try:
        returns.delete_draft_vendor_return(vendor_return=rtv)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("vendor_return_detail", pk=rtv.pk)
    messages.success(request, f"Draft vendor return {rtv.number} deleted.")
    return redirect("vendor_return_list")


@company_required
def vendor_return_print(request, pk):
    rtv = _get_vendor_return(request, pk)
    return render(
        request,
        "inventory/vendor_return_print.html",
        {"rtv": rtv, "lines": rtv.lines.select_related("device__product", "device__condition")},
    )
