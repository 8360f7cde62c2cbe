from django import forms

from cellbooks.core.events import catalogue

from .models import Subscription


def event_choices() -> list[tuple[str, str]]:
    return [(Subscription.ALL, "Everything, including kinds of events added later")] + [
        (event_type.name, event_type.description) for event_type in catalogue.all()
    ]


class SubscriptionForm(forms.Form):
    url = forms.URLField(
        label="Address",
        max_length=2000,
        assume_scheme="https",
        help_text="Where Cellbooks sends each event, e.g. https://shop.example.com/hooks/cellbooks.",
    )
    description = forms.CharField(
        label="What it is", max_length=200, required=False, help_text="e.g. Our web shop."
    )
    event_types = forms.MultipleChoiceField(
        label="Send", widget=forms.CheckboxSelectMultiple, choices=event_choices
    )
