from django import forms

from .models import IntegrationSettings


class SettingsForm(forms.Form):
    item_name = forms.CharField(
        label="Inventory item name",
        max_length=100,
        help_text="The one QuickBooks product/service used on every line. Cellbooks never creates an item per device or model.",
    )
    income_account_id = forms.ChoiceField(
        label="Income account", help_text="Where invoice lines are coded."
    )
    expense_account_id = forms.ChoiceField(
        label="Expense account", help_text="Where the item's purchases post."
    )
    sync_pos_to = forms.ChoiceField(
        label="Sync POs to", choices=IntegrationSettings.SyncPOsTo.choices, widget=forms.RadioSelect
    )
    auto_sync = forms.BooleanField(
        label="Sync automatically when a PO is received or an invoice is opened", required=False
    )
    include_identifiers_in_description = forms.BooleanField(
        label="List the IMEIs / serials in each line's description", required=False
    )

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["income_account_id"].choices = [
                (a["id"], a["name"]) for a in choices.income_accounts
            ]
            self.fields["expense_account_id"].choices = [
                (a["id"], f"{a['name']} ({a['type']})") for a in choices.expense_accounts
            ]
            self.purchase_orders_reason = choices.purchase_orders_reason
            if not choices.purchase_orders_allowed:
                self.fields[
                    "sync_pos_to"
                ].help_text = f"Purchase Orders are unavailable: {choices.purchase_orders_reason}"

    def clean_sync_pos_to(self):
        value = self.cleaned_data["sync_pos_to"]
        if value == IntegrationSettings.SyncPOsTo.PURCHASE_ORDER and getattr(
            self, "purchase_orders_reason", ""
        ):
            raise forms.ValidationError(self.purchase_orders_reason)
        return value
