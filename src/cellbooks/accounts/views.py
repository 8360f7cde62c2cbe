"""Signing in and out, first-run setup, companies and their settings, the team, invitations,
API keys and the activity log.

Who may open each page is decided by ``PermissionMiddleware`` from ``cellbooks.core.permissions``
(by URL name); views parse input, call a service or a selector, and render.
"""

import csv
import mimetypes

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cellbooks.core.views import add_service_errors, error_text, paginate

from . import audit, selectors, services, throttling
from .forms import (
    COMMON_CURRENCIES,
    AcceptInvitationForm,
    ActivityFilterForm,
    ApiKeyForm,
    CompanyFields,
    CompanySettingsForm,
    EmailAuthenticationForm,
    InviteForm,
    RoleForm,
    SetupForm,
)
from .models import ApiKey, Invitation, Membership

BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated and services.setup_is_needed():
            return redirect("setup")
        return super().dispatch(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), then back to the login page."""


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password chosen from the emailed link also lifts a lock on the account (whoever
    reads that mailbox could reset the password anyway)."""

    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        throttling.unlock_account(form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


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


# ---- first run and new companies ----------------------------------------------------------------
def _company_fields(data) -> dict:
    return {name: data[name] for name in CompanyFields.base_fields if name in data}


@never_cache
def setup(request):
    """First run: the person who installs Cellbooks makes their account and their company."""
    if not services.setup_is_needed():
        return redirect("login")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, company = services.first_run_setup(
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                **_company_fields(data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend=BACKEND)
            request.session["company_id"] = company.pk
            messages.success(
                request,
                f"Welcome to Cellbooks. {company.name} is ready: invite your team from "
                "Settings → Team.",
            )
            return redirect("dashboard")
    return render(request, "accounts/setup.html", {"form": form, "currencies": COMMON_CURRENCIES})


def company_create(request):
    form = CompanyFields(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.create_company_for(
                user=request.user, **_company_fields(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session["company_id"] = company.pk
            messages.success(request, f"{company.name} is created. You are its owner.")
            return redirect("dashboard")
    return render(
        request, "accounts/company_form.html", {"form": form, "currencies": COMMON_CURRENCIES}
    )


# ---- the company's settings ---------------------------------------------------------------------
def company_settings(request):
    company = request.company
    initial = {name: getattr(company, name) for name in services.PROFILE_FIELDS}
    form = CompanySettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_company(
                company=company,
                logo=data["logo"],
                remove_logo=data["remove_logo"],
                **{name: data[name] for name in services.PROFILE_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The company's settings are saved.")
            return redirect("company_settings")
    return render(
        request,
        "accounts/company_settings.html",
        {"form": form, "currencies": COMMON_CURRENCIES},
    )


def company_logo(request):
    """The current company's logo, to its members only (never a public media URL)."""
    logo = request.company.logo
    if not logo or not logo.storage.exists(logo.name):
        raise Http404("This company has no logo.")
    content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
    response = FileResponse(logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


# ---- the team -----------------------------------------------------------------------------------
def _team_page(request, *, invite_form=None, status=200):
    company = request.company
    members = list(selectors.members(company=company))
    return render(
        request,
        "accounts/team.html",
        {
            "members": [
                (m, RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")) for m in members
            ],
            "invitations": [
                (invitation, _accept_url(request, services.invitation_token(invitation)))
                for invitation in selectors.pending_invitations(company=company)
            ],
            "invite_form": invite_form or InviteForm(),
            "owners": sum(1 for m in members if m.role == Membership.Role.OWNER),
        },
        status=status,
    )


def _accept_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("invitation_accept", args=[token]))


def team(request):
    return _team_page(request)


@require_POST
def team_invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite(
                company=request.company,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            link = _accept_url(request, services.invitation_token(invitation))
            role = invitation.get_role_display().lower()
            if services.send_invitation(invitation=invitation, link=link):
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email} as {role}. The link is also below, "
                    "to send it another way.",
                )
            else:
                messages.warning(
                    request,
                    f"The invitation of {invitation.email} as {role} is ready, but the email "
                    "could not be sent: copy its link below and send it yourself.",
                )
            return redirect("team")
    return _team_page(request, invite_form=form, status=400)


@require_POST
def team_invitation_revoke(request, pk):
    invitation = get_object_or_404(Invitation, company=request.company, pk=pk)
    try:
        services.revoke_invitation(invitation=invitation)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return redirect("team")


@require_POST
def team_member_role(request, pk):
    membership = get_object_or_404(Membership, company=request.company, pk=pk)
    form = RoleForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, "Choose one of the roles in the list.")
        return redirect("team")
    try:
        membership = services.change_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            f"{membership.user.email} is now {membership.get_role_display().lower()}.",
        )
    return redirect("team")


@require_POST
def team_member_remove(request, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("user"), company=request.company, pk=pk
    )
    try:
        services.remove_member(membership=membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("team")
    messages.success(request, f"{membership.user.email} is no longer a member.")
    if membership.user_id == request.user.pk:
        request.session.pop("company_id", None)
        return redirect("dashboard")
    return redirect("team")


# ---- invitations --------------------------------------------------------------------------------
@never_cache
def invitation_accept(request, token):
    """The invitation link: join with a new account, or with the signed-in one it names."""
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as error:
        return render(
            request, "accounts/invitation_invalid.html", {"reason": error_text(error)}, status=410
        )
    signed_in = request.user.is_authenticated
    email_has_account = services.account_exists(email=invitation.email)
    needs_account = not signed_in and not email_has_account
    form = AcceptInvitationForm(request.POST or None) if needs_account else None
    if request.method == "POST":
        try:
            if signed_in:
                membership = services.accept_invitation(token=token, user=request.user)
            elif form is not None and form.is_valid():
                membership = services.accept_invitation(
                    token=token,
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
                login(request, membership.user, backend=BACKEND)
            else:
                membership = None
        except ValidationError as error:
            if form is not None:
                add_service_errors(form, error)
            else:
                messages.error(request, error_text(error))
            membership = None
        if membership is not None:
            request.session["company_id"] = membership.company_id
            messages.success(
                request,
                f"Welcome to {membership.company.name}. You joined as "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("dashboard")
    wrong_account = signed_in and (request.user.email or request.user.username) != invitation.email
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "email_has_account": email_has_account,
            "wrong_account": wrong_account,
            "login_url": f"{reverse('login')}?next={request.path}",
        },
    )


# ---- API keys -----------------------------------------------------------------------------------
NEW_KEY_SESSION = "api_key_shown_once"


def api_keys(request):
    """The company's API keys. A new key's secret is shown once: the creation redirects here
    (a reload cannot create a second key) and the secret, parked in the session for that one
    redirect, is taken out as it is shown."""
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = services.create_api_key(
                company=request.company,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                created_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[NEW_KEY_SESSION] = {"id": key.pk, "raw": raw}
            return redirect("api_keys")
    shown = request.session.pop(NEW_KEY_SESSION, None)
    keys = selectors.api_keys(company=request.company)
    new_key = keys.filter(pk=shown["id"]).first() if shown else None
    response = render(
        request,
        "accounts/api_keys.html",
        {
            "form": form,
            "keys": keys,
            "new_key": new_key,
            "raw_key": shown["raw"] if new_key else None,
            "api_base": request.build_absolute_uri("/api/v1/"),
        },
    )
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
def api_key_revoke(request, pk):
    key = get_object_or_404(ApiKey, company=request.company, pk=pk)
    try:
        services.revoke_api_key(key=key)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"API key “{key.name}” is revoked: it no longer works.")
    return redirect("api_keys")


# ---- the activity log ---------------------------------------------------------------------------
def _activity_filters(request):
    actions = sorted(
        (
            (action, audit.action_label(action))
            for action in selectors.actions_used(company=request.company)
        ),
        key=lambda pair: pair[1],
    )
    form = ActivityFilterForm(request.GET or None, actions=actions)
    criteria = form.cleaned_data if form.is_valid() else {}
    entries = selectors.activity(
        company=request.company,
        action=criteria.get("action") or "",
        who=criteria.get("who") or "",
        about=criteria.get("document") or "",
        since=criteria.get("since"),
        until=criteria.get("until"),
    )
    return form, entries


def activity(request):
    form, entries = _activity_filters(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/activity.html",
        {
            "filters": form,
            "page_obj": paginate(request, entries),
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value) -> str:
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ is quoted)."""
    text = str(value if value is not None else "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def activity_export(request):
    """The filtered activity as CSV, streamed (any size), times in the company's time zone."""
    _, entries = _activity_filters(request)
    zone = selectors.company_zone(request.company)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["when", "who", "what", "about", "details", "action"])
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _csv_cell(
                        timezone.localtime(entry.created_at, zone).isoformat(timespec="seconds")
                    ),
                    _csv_cell(entry.actor_label),
                    _csv_cell(audit.action_label(entry.action)),
                    _csv_cell(entry.target_label),
                    _csv_cell(entry.summary),
                    _csv_cell(entry.action),
                ]
            )

    stamp = timezone.localtime(timezone.now(), zone).strftime("%Y-%m-%d")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="activity-{request.company.slug}-{stamp}.csv"'
    )
    return response
