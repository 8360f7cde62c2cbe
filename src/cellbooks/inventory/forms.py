"""Forms for the inventory pages. They parse and check input; the services decide and write.

Every choice of a related record (vendor, customer, condition, product) is limited to the
current company, so a form can never point at another company's data.
"""

import re
from collections import Counter
from decimal import Decimal

from django import forms

from cellbooks.inventory.models import (
    DOC_NUMBER_MAX,
    Condition,
    Device,
    Invoice,
    Partner,
    Payment,
    Product,
    PurchaseOrder,
)

MAX_CSV_BYTES = 5 * 1024 * 1024


class MoneyField(forms.DecimalField):
    """An amount as people type it: "1,234.50" and "$12" are accepted; at most two decimals.
    Its refusals are sentences that say what to type instead."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, min_value=Decimal("0"), **kwargs):
        lowest = "0" if min_value == 0 else f"{min_value}"
        messages = {
            "required": "Give an amount, like 120.50.",
            "invalid": "Write an amount with digits, like 120.50.",
            "min_value": (
                "An amount cannot be negative: give 0 or more."
                if min_value == 0
                else f"Give an amount of at least {lowest}."
            ),
            "max_digits": "That amount is too large: at most 12 digits before the point.",
            "max_whole_digits": "That amount is too large: at most 12 digits before the point.",
            "max_decimal_places": "Give at most two decimals (cents), like 120.50.",
            **kwargs.pop("error_messages", {}),
        }
        super().__init__(
            max_digits=14, decimal_places=2, min_value=min_value, error_messages=messages, **kwargs
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").removeprefix("$").strip()
        return super().to_python(value)

    def widget_attrs(self, widget):
        # DecimalField would add step/min for a number input; a text input takes neither.
        return {
            key: value
            for key, value in super().widget_attrs(widget).items()
            if key not in ("step", "min")
        }


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CompanyForm(forms.Form):
    """A form that knows the company it is filled in for."""

    def __init__(self, *args, company, **kwargs):
        self.company = company
        super().__init__(*args, **kwargs)


# Partners ------------------------------------------------------------------------------------


class PartnerForm(forms.Form):
    name = forms.CharField(max_length=200)
    is_vendor = forms.BooleanField(label="Vendor (we buy from them)", required=False)
    is_customer = forms.BooleanField(label="Customer (we sell to them)", required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days)",
        min_value=0,
        max_value=3650,
        initial=30,
        help_text="Net days; 0 means due on receipt.",
        error_messages={
            "required": "Give the payment terms in days: 0 means due on receipt.",
            "invalid": "Give the payment terms as a whole number of days, like 30.",
            "min_value": "Payment terms cannot be negative: give 0 (due on receipt) or more days.",
            "max_value": "Payment terms are at most 3650 days (ten years).",
        },
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_vendor") and not cleaned.get("is_customer"):
            raise forms.ValidationError("A partner must be a vendor, a customer, or both.")
        return cleaned


class PartnerFilterForm(forms.Form):
    ROLE_CHOICES = [("", "Vendors and customers"), ("vendor", "Vendors"), ("customer", "Customers")]

    q = forms.CharField(label="Search", required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES, required=False)


# Devices -------------------------------------------------------------------------------------


class ProductFieldsMixin(forms.Form):
    """The product attributes, matched to an existing product or creating one."""

    manufacturer = forms.CharField(max_length=100)
    model = forms.CharField(max_length=100)
    capacity = forms.CharField(max_length=30, required=False, help_text="e.g. 128GB")
    colour = forms.CharField(max_length=50, required=False)
    network = forms.CharField(max_length=50, required=False, help_text="Carrier or Unlocked")

    PRODUCT_FIELDS = ("manufacturer", "model", "capacity", "colour", "network")

    def product_attributes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PRODUCT_FIELDS}


class ConditionChoiceMixin(CompanyForm):
    condition = forms.ModelChoiceField(queryset=Condition.objects.none(), empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].queryset = Condition.objects.for_company(self.company)


class DeviceDetailsMixin(forms.Form):
    """What buyers dispute a sale on: checked when the device is tested."""

    battery_health = forms.IntegerField(
        label="Battery health (%)",
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": "Battery health is a whole percentage, like 87.",
            "min_value": "Battery health is a percentage from 0 to 100.",
            "max_value": "Battery health is a percentage from 0 to 100.",
        },
    )
    fmi_lock = forms.ChoiceField(
        label="iCloud / Find My lock", choices=Device.LockStatus.choices, required=False
    )
    carrier_lock = forms.ChoiceField(
        label="Carrier lock", choices=Device.CarrierLock.choices, required=False
    )
    cosmetic_notes = forms.CharField(
        label="Cosmetic notes",
        max_length=500,
        required=False,
        help_text="What a buyer sees: scratches, dents, screen marks…",
    )
    tested_by = forms.CharField(max_length=100, required=False)
    tested_on = forms.DateField(
        required=False,
        widget=_date_input(),
        error_messages={"invalid": "Give the test date as a date, like 2025-05-01."},
    )

    DETAIL_FIELDS = (
        "battery_health",
        "fmi_lock",
        "carrier_lock",
        "cosmetic_notes",
        "tested_by",
        "tested_on",
    )

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.DETAIL_FIELDS}


class DeviceCreateForm(ConditionChoiceMixin, ProductFieldsMixin, DeviceDetailsMixin):
    identifier = forms.CharField(label="IMEI or serial", max_length=64)
    cost = MoneyField()
    price = MoneyField(label="Sale price", required=False)
    location = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    field_order = [
        "identifier",
        *ProductFieldsMixin.PRODUCT_FIELDS,
        "condition",
        "cost",
        "price",
        "location",
        *DeviceDetailsMixin.DETAIL_FIELDS,
        "notes",
    ]


class DeviceEditForm(ConditionChoiceMixin, DeviceDetailsMixin):
    identifier = forms.CharField(
        label="IMEI or serial",
        max_length=64,
        help_text="Can be corrected while the device is in stock.",
    )
    product = forms.ModelChoiceField(queryset=Product.objects.none(), empty_label=None)
    cost = MoneyField()
    price = MoneyField(label="Sale price", required=False)
    location = forms.CharField(max_length=100, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    field_order = [
        "identifier",
        "product",
        "condition",
        "cost",
        "price",
        "location",
        *DeviceDetailsMixin.DETAIL_FIELDS,
        "notes",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_company(self.company)


UNCHECKED = "unchecked"


def _checked_choices(choices) -> list[tuple[str, str]]:
    return [(value or UNCHECKED, label) for value, label in choices.choices]


def _checked_value(value: str | None) -> str | None:
    """A filter's choice as the device field holds it; None for any."""
    if not value:
        return None
    return "" if value == UNCHECKED else value


class DeviceFilterForm(CompanyForm):
    q = forms.CharField(
        label="IMEI, serial or product",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), required=False, empty_label="All products"
    )
    condition = forms.ModelChoiceField(
        queryset=Condition.objects.none(), required=False, empty_label="All conditions"
    )
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *Device.Status.choices], required=False
    )
    battery_min = forms.IntegerField(
        label="Battery at least (%)",
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}),
        error_messages={
            "invalid": "Battery health is a whole percentage, like 85.",
            "min_value": "Battery health is a percentage from 0 to 100.",
            "max_value": "Battery health is a percentage from 0 to 100.",
        },
    )
    # "" is "any" here, so a device not checked is asked for as "unchecked".
    fmi_lock = forms.ChoiceField(
        label="iCloud / Find My",
        choices=[("", "Any"), *_checked_choices(Device.LockStatus)],
        required=False,
    )
    carrier_lock = forms.ChoiceField(
        label="Carrier lock",
        choices=[("", "Any"), *_checked_choices(Device.CarrierLock)],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_company(self.company)
        self.fields["condition"].queryset = Condition.objects.for_company(self.company)

    def criteria(self) -> dict:
        """The filters as the device selectors take them (a bad filter is ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": (data.get("q") or "").strip(),
            "product_id": data["product"].pk if data.get("product") else None,
            "condition_id": data["condition"].pk if data.get("condition") else None,
            "status": data.get("status") or None,
            "battery_min": data.get("battery_min"),
            "fmi_lock": _checked_value(data.get("fmi_lock")),
            "carrier_lock": _checked_value(data.get("carrier_lock")),
        }


# Purchase orders -----------------------------------------------------------------------------


class PurchaseOrderForm(CompanyForm):
    vendor = forms.ModelChoiceField(queryset=Partner.objects.none())
    number = forms.CharField(
        max_length=DOC_NUMBER_MAX,
        help_text=f"The next number in the sequence; at most {DOC_NUMBER_MAX} characters.",
    )
    date = forms.DateField(widget=_date_input())
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Partner.objects.for_company(self.company).filter(
            is_vendor=True
        )


class PurchaseOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *PurchaseOrder.Status.choices], required=False
    )


class PurchaseOrderDeviceForm(ConditionChoiceMixin, ProductFieldsMixin, DeviceDetailsMixin):
    """One device added to a draft purchase order."""

    identifier = forms.CharField(label="IMEI or serial", max_length=64)
    cost = MoneyField(label="Unit cost")
    price = MoneyField(label="Sale price", required=False)
    location = forms.CharField(max_length=100, required=False)

    field_order = [
        "identifier",
        *ProductFieldsMixin.PRODUCT_FIELDS,
        "condition",
        "cost",
        "price",
        "location",
        *DeviceDetailsMixin.DETAIL_FIELDS,
    ]


class CsvImportForm(forms.Form):
    """Devices in bulk: pasted CSV text or an uploaded .csv file (the file wins when both are given)."""

    text = forms.CharField(
        label="Paste CSV",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
        help_text="Columns: imei (or serial), manufacturer, model, capacity, colour, network, condition, cost.",
    )
    file = forms.FileField(label="or upload a .csv file", required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                "The file is larger than 5 MB; split it into smaller files."
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text; save it as CSV (UTF-8) and try again."
            ) from None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        csv_text = cleaned.get("file") or cleaned.get("text") or ""
        if not csv_text.strip():
            raise forms.ValidationError("Paste CSV rows or choose a .csv file.")
        cleaned["csv_text"] = csv_text
        return cleaned


# Invoices ------------------------------------------------------------------------------------


class InvoiceForm(CompanyForm):
    customer = forms.ModelChoiceField(queryset=Partner.objects.none())
    number = forms.CharField(
        max_length=DOC_NUMBER_MAX,
        help_text=f"The next number in the sequence; at most {DOC_NUMBER_MAX} characters.",
    )
    date = forms.DateField(widget=_date_input())
    due_date = forms.DateField(
        required=False,
        widget=_date_input(),
        help_text="Leave empty to use the customer's payment terms.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Partner.objects.for_company(self.company).filter(
            is_customer=True
        )

    def clean(self):
        cleaned = super().clean()
        date, due_date = cleaned.get("date"), cleaned.get("due_date")
        if date and due_date and due_date < date:
            self.add_error("due_date", "The due date cannot be before the invoice date.")
        return cleaned


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *Invoice.Status.choices, ("overdue", "Overdue")],
        required=False,
    )


# One identifier per line (or comma/semicolon/tab separated); spaces inside one are kept for the
# service, which accepts "35 209900 176148 1".
IDENTIFIER_SEPARATORS = re.compile(r"[\r\n,;\t]+")


class InvoiceDevicesForm(forms.Form):
    """IMEIs or serials scanned or pasted, one per line, with an optional price for all of them."""

    identifiers = forms.CharField(
        label="Scan or paste IMEIs / serials",
        widget=forms.Textarea(
            attrs={"rows": 6, "class": "mono", "spellcheck": "false", "autofocus": True}
        ),
        help_text="One per line.",
    )
    unit_price = MoneyField(
        label="Unit price", required=False, help_text="Leave empty to use each device's sale price."
    )

    def clean_identifiers(self):
        pieces = IDENTIFIER_SEPARATORS.split(self.cleaned_data["identifiers"])
        identifiers = [piece.strip() for piece in pieces if piece.strip()]
        if not identifiers:
            raise forms.ValidationError("Scan or paste at least one IMEI or serial.")
        # A double scan adds the device once, and the page says so (``repeated``).
        counts = Counter(identifiers)
        self.repeated = [identifier for identifier, count in counts.items() if count > 1]
        return list(counts)


class InvoiceLinePriceForm(forms.Form):
    unit_price = MoneyField(label="Unit price")


class PaymentForm(forms.Form):
    amount = MoneyField(
        min_value=Decimal("0.01"),
        error_messages={"min_value": "A payment must be more than zero."},
    )
    date = forms.DateField(widget=_date_input())
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.WIRE)
    reference = forms.CharField(
        max_length=100, required=False, help_text="Cheque number, wire reference…"
    )


# Reports -------------------------------------------------------------------------------------


class PriceSheetFilterForm(CompanyForm):
    q = forms.CharField(
        label="Product",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. iphone 13"}),
    )
    condition = forms.ModelChoiceField(
        queryset=Condition.objects.none(), required=False, empty_label="All grades", label="Grade"
    )
    sort = forms.ChoiceField(label="Sort by", choices=[], required=False)

    def __init__(self, *args, sorts: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].queryset = Condition.objects.for_company(self.company)
        self.fields["sort"].choices = list(sorts.items())

    def criteria(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": (data.get("q") or "").strip(),
            "condition_id": data["condition"].pk if data.get("condition") else None,
            "sort": data.get("sort") or "product",
        }


class AskingPriceForm(CompanyForm):
    product = forms.ModelChoiceField(queryset=Product.objects.none())
    condition = forms.ModelChoiceField(queryset=Condition.objects.none())
    price = MoneyField(label="Asking price", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_company(self.company)
        self.fields["condition"].queryset = Condition.objects.for_company(self.company)


MAX_REPORT_DAYS = 3660  # ten years of months is a readable chart


class MarginFilterForm(CompanyForm):
    start = forms.DateField(
        label="From",
        required=False,
        widget=_date_input(),
        error_messages={"invalid": "Give the first day as a date, like 2025-01-01."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=_date_input(),
        error_messages={"invalid": "Give the last day as a date, like 2025-12-31."},
    )
    by = forms.ChoiceField(label="Group by", choices=[], required=False)
    customer = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, empty_label="All customers"
    )

    def __init__(self, *args, groupings: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["by"].choices = list(groupings.items())
        self.fields["customer"].queryset = Partner.objects.for_company(self.company).filter(
            is_customer=True
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day cannot be before the first day.")
        elif start and end and (end - start).days > MAX_REPORT_DAYS:
            self.add_error("start", "Choose a period of at most ten years.")
        return cleaned
