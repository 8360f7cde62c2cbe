"""Helpers every page shares: the company guard, pagination, and service errors shown on forms.

The integrations index lives here too: it belongs to no inventory area; each integration brings its
own card template and pages (QuickBooks: ``cellbooks.quickbooks``).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render

PAGE_SIZE = 50


def company_required(view):
    """Anonymous users go to the login page; a user with no company membership gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "company", None) is None:
            raise PermissionDenied("Your account does not belong to any company.")
        return view(request, *args, **kwargs)

    return wrapper


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page of ``queryset``; a bad or out-of-range page number gives the nearest."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on ``form``: each message on its field when the form has
    that field, otherwise at the top of the form prefixed with the field's name."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        if field in form.fields:
            form.add_error(field, messages)
        elif field in (NON_FIELD_ERRORS, "__all__", None, ""):
            form.add_error(None, messages)
        else:
            label = field.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {message}" for message in messages])


def error_text(error: ValidationError) -> str:
    """A service's ValidationError as one readable sentence, for a flash message."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field, messages in error.message_dict.items():
        text = " ".join(messages)
        if field in (NON_FIELD_ERRORS, "__all__", None, ""):
            parts.append(text)
        else:
            parts.append(f"{field.replace('_', ' ').capitalize()}: {text}")
    return " ".join(parts)


@company_required
def integrations(request):
    return render(request, "integrations/index.html")
