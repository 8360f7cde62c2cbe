"""Forms of the return pages (customer returns and vendor returns). They parse and check input;
``returns.py`` decides and writes."""

from django import forms

from .forms import IDENTIFIER_SEPARATORS, CompanyForm, MoneyField, _date_input
from .models import Condition, CustomerReturn, Partner, Payment, PurchaseOrder, ReturnLine


class ScannedIdentifiersField(forms.CharField):
    """IMEIs or serials scanned or pasted, one per line (a double scan counts once)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Scan or paste IMEIs / serials")
        kwargs.setdefault(
            "widget",
            forms.Textarea(
                attrs={"rows": 5, "class": "mono", "spellcheck": "false", "autofocus": True}
            ),
        )
        kwargs.setdefault("help_text", "One per line.")
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        identifiers = [p.strip() for p in IDENTIFIER_SEPARATORS.split(value or "") if p.strip()]
        if not identifiers:
            raise forms.ValidationError("Scan or paste at least one IMEI or serial.")
        return list(dict.fromkeys(identifiers))


class CustomerReturnForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="What the customer says is wrong")
    date = forms.DateField(widget=_date_input())
    credit = forms.ChoiceField(
        label="The credit",
        choices=CustomerReturn.Credit.choices,
        widget=forms.RadioSelect,
        initial=CustomerReturn.Credit.APPLY,
    )
    refund_method = forms.ChoiceField(
        label="Refunded by", choices=[("", "—")] + list(Payment.Method.choices), required=False
    )
    refund_reference = forms.CharField(
        label="Refund reference", max_length=100, required=False, help_text="Wire or cheque number…"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ConditionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"Grade {obj.code}"


class ReturnDevicesForm(CompanyForm):
    identifiers = ScannedIdentifiersField()
    disposition = forms.ChoiceField(
        label="What happens to them", choices=ReturnLine.Disposition.choices, initial="restock"
    )
    new_condition = ConditionChoice(
        label="Regrade as",
        queryset=Condition.objects.none(),
        required=False,
        empty_label="Keep their grade",
    )
    new_location = forms.CharField(label="Put them at", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_condition"].queryset = Condition.objects.for_company(self.company)


class ReturnLineForm(CompanyForm):
    disposition = forms.ChoiceField(choices=ReturnLine.Disposition.choices)
    new_condition = ConditionChoice(
        queryset=Condition.objects.none(), required=False, empty_label="Same grade"
    )
    new_location = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_condition"].queryset = Condition.objects.for_company(self.company)


class VendorReturnForm(CompanyForm):
    reason = forms.CharField(max_length=500, help_text="Why they go back")
    date = forms.DateField(widget=_date_input())
    purchase_order = forms.ModelChoiceField(
        label="Apply the credit to the bill of",
        queryset=PurchaseOrder.objects.none(),
        required=False,
        empty_label="No purchase order (an open credit with the vendor)",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchase_order"].queryset = PurchaseOrder.objects.for_company(
            self.company
        ).filter(
            vendor=vendor, status__in=[PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CLOSED]
        )


class VendorChoiceForm(CompanyForm):
    vendor = forms.ModelChoiceField(queryset=Partner.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Partner.objects.for_company(self.company).filter(
            is_vendor=True
        )


class VendorReturnDevicesForm(forms.Form):
    identifiers = ScannedIdentifiersField()
    credit_amount = MoneyField(
        label="Credit per device",
        required=False,
        help_text="Leave empty to credit each device's cost.",
    )


class VendorReturnLineForm(forms.Form):
    credit_amount = MoneyField(label="Credit")
