"""Forms for the inventory pages. They parse and check input; the services decide and write.

Every choice of a related record (vendor, customer, condition, product) is limited to the
current company, so a form can never point at another company's data.
"""

import re
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
    """An amount as people type it: "1,234.50" and "$12" are accepted; at most two decimals."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, min_value=Decimal("0"), **kwargs):
        super().__init__(max_digits=14, decimal_places=2, min_value=min_value, **kwargs)

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
        initial=30,
        help_text="Net days; 0 means due on receipt.",
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


class DeviceCreateForm(ConditionChoiceMixin, ProductFieldsMixin):
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
        "notes",
    ]


class DeviceEditForm(ConditionChoiceMixin):
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

    field_order = ["identifier", "product", "condition", "cost", "price", "location", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_company(self.company)


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_company(self.company)
        self.fields["condition"].queryset = Condition.objects.for_company(self.company)


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


class PurchaseOrderDeviceForm(ConditionChoiceMixin, ProductFieldsMixin):
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
        choices=[("", "All statuses"), *Invoice.Status.choices], required=False
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
        return list(dict.fromkeys(identifiers))  # a double scan adds the device once


class InvoiceLinePriceForm(forms.Form):
    unit_price = MoneyField(label="Unit price")


class PaymentForm(forms.Form):
    amount = MoneyField(min_value=Decimal("0.01"))
    date = forms.DateField(widget=_date_input())
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.WIRE)
    reference = forms.CharField(
        max_length=100, required=False, help_text="Cheque number, wire reference…"
    )
