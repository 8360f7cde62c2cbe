"""Signing in and out, and choosing which company to work in."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .models import Membership


class EmailAuthenticationForm(AuthenticationForm):
    """Users sign in with their e-mail address, which is also their username."""

    username = forms.CharField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), then back to the login page."""


@login_required
@require_POST
def switch_company(request):
    company_id = request.POST.get("company_id", "")
    membership = (
        Membership.objects.select_related("company")
        .filter(user=request.user, company_id=int(company_id))
        .first()
        if company_id.isdigit()
        else None
    )
    if membership is None:
        raise Http404("You are not a member of that company.")
    request.session["company_id"] = membership.company_id
    messages.success(request, f"You are now working in {membership.company.name}.")
    return redirect("dashboard")
