"""Forms of the accounts pages: they parse what people type; the services decide."""

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from cellbooks.core.permissions import ROLE_DESCRIPTIONS, Role

# The time zones people pick from: the IANA names (Europe/London), not the legacy aliases.
TIME_ZONES = sorted(
    tz for tz in available_timezones() if "/" in tz and not tz.startswith(("Etc/", "SystemV/"))
) + ["UTC"]
COMMON_CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "CNY", "HKD", "SGD",
                     "INR", "AED", "MXN", "BRL", "ZAR", "SEK", "NOK", "DKK", "PLN"]  # fmt: skip
LOGO_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
LOGO_MAX_PIXELS = 4000


class EmailAuthenticationForm(AuthenticationForm):
    """Users sign in with their e-mail address, which is also their username."""

    username = forms.CharField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


def role_choices(*, with_descriptions: bool = False):
    if with_descriptions:
        return [(role.value, f"{role.label} — {ROLE_DESCRIPTIONS[role]}") for role in Role]
    return Role.choices


class CompanyFields(forms.Form):
    """What a new company needs: its name, money, clock and document numbers."""

    name = forms.CharField(label="Company name", max_length=200)
    address = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="As printed on your documents.",
    )
    currency = forms.CharField(
        max_length=3,
        initial="USD",
        help_text="The three-letter code of the money you count in, e.g. USD.",
        widget=forms.TextInput(attrs={"list": "currencies", "size": 4}),
    )
    time_zone = forms.ChoiceField(choices=[(tz, tz) for tz in TIME_ZONES], initial="UTC")
    purchase_order_prefix = forms.CharField(
        label="Purchase order numbers start with",
        max_length=10,
        initial="PO-",
        help_text="e.g. PO- gives PO-1001, PO-1002…",
    )
    invoice_prefix = forms.CharField(
        label="Invoice numbers start with",
        max_length=10,
        initial="INV-",
        help_text="e.g. INV- gives INV-1001, INV-1002…",
    )

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()


class SetupForm(CompanyFields):
    """First run: the owner's account and their company."""

    first_name = forms.CharField(max_length=150, required=False, label="Your first name")
    last_name = forms.CharField(max_length=150, required=False, label="Your last name")
    email = forms.EmailField(
        label="Your email", help_text="You log in with it.", widget=forms.EmailInput()
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password.",
    )
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    field_order = ["first_name", "last_name", "email", "password", "password_again", "name"]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class CompanySettingsForm(forms.Form):
    name = forms.CharField(label="Company name", max_length=200)
    address = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="As printed on your documents, one line each.",
    )
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    currency = forms.CharField(
        max_length=3, widget=forms.TextInput(attrs={"list": "currencies", "size": 4})
    )
    time_zone = forms.ChoiceField(choices=[(tz, tz) for tz in TIME_ZONES])
    logo = forms.ImageField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP, at most 2 MB; shown on your documents.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo:
            return None
        limit = settings.CELLBOOKS_LOGO_MAX_BYTES
        if logo.size > limit:
            raise forms.ValidationError(
                f"The logo is {logo.size / 1024 / 1024:.1f} MB; at most {limit / 1024 / 1024:.0f} MB, please."
            )
        image = getattr(logo, "image", None)  # set by ImageField once Pillow has read the file
        kind = (image.format or "").upper() if image else ""
        if kind not in LOGO_FORMATS:
            raise forms.ValidationError("The logo must be a PNG, JPEG, GIF or WebP image.")
        width, height = image.size
        if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
            raise forms.ValidationError(
                f"The logo is {width} × {height} pixels; at most {LOGO_MAX_PIXELS} on each side."
            )
        extension = {"JPEG": "jpg"}.get(kind, kind.lower())
        logo.name = f"logo.{extension}"
        return logo

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()


class InviteForm(forms.Form):
    email = forms.EmailField(help_text="They get a link to join; it works once.")
    role = forms.ChoiceField(choices=role_choices(), initial=Role.WAREHOUSE)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=role_choices())


class AcceptInvitationForm(forms.Form):
    """A new account for the invited address."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text="At least 8 characters, not a common password.",
    )
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the key is for, e.g. 'warehouse scanner'."
    )
    role = forms.ChoiceField(
        choices=role_choices(),
        initial=Role.VIEWER,
        help_text="The key can do what a member with this role can.",
    )


class ActivityFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    who = forms.CharField(
        required=False, label="Who", widget=forms.TextInput(attrs={"type": "search"})
    )
    document = forms.CharField(
        required=False, label="About", widget=forms.TextInput(attrs={"type": "search"})
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Everything"), *actions]
