"""A team on one install: first-run setup, more companies, the company's settings and logo,
invitations (signed, expiring, single use), roles and members, password reset."""

import html
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cellbooks.accounts import services
from cellbooks.accounts.models import AuditEntry, Company, Invitation, Membership
from cellbooks.accounts.services import add_member
from cellbooks.core.permissions import Role
from cellbooks.inventory.models import NumberSequence

PASSWORD = "correct horse battery staple"
User = get_user_model()


def text(response) -> str:
    """The page as a person reads it (HTML entities such as &#x27; turned back into text)."""
    return html.unescape(response.content.decode())


# ---- first run ---------------------------------------------------------------------------------
SETUP = {
    "first_name": "Dana",
    "last_name": "Owner",
    "email": "Dana@Example.com",
    "password": "a long enough secret",
    "password_again": "a long enough secret",
    "name": "Dana's Phones",
    "address": "1 Main St\nSpringfield",
    "currency": "eur",
    "time_zone": "Europe/Berlin",
    "purchase_order_prefix": "P-",
    "invoice_prefix": "S-",
}


def test_on_an_empty_install_slash_leads_to_the_setup_page(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("setup")
    assert "Welcome to Cellbooks" in response.content.decode()


def test_the_setup_creates_the_owner_and_the_company_and_logs_in(client, db):
    response = client.post(reverse("setup"), SETUP, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    company = Company.objects.get()
    assert (company.name, company.currency, company.time_zone) == (
        "Dana's Phones",
        "EUR",
        "Europe/Berlin",
    )
    assert company.address == "1 Main St\nSpringfield"
    user = User.objects.get()
    assert (user.username, user.email, user.first_name) == (
        "dana@example.com",
        "dana@example.com",
        "Dana",
    )
    assert user.check_password("a long enough secret")
    assert Membership.objects.get(user=user, company=company).role == Role.OWNER
    prefixes = dict(NumberSequence.objects.filter(company=company).values_list("kind", "prefix"))
    assert (prefixes["po"], prefixes["invoice"]) == ("P-", "S-")
    assert response.context["request"].company == company
    assert AuditEntry.objects.get(company=company).action == "company.created"


def test_the_setup_is_gone_once_someone_has_an_account(client, user):
    assert client.get(reverse("setup"))["Location"] == reverse("login")
    client.post(reverse("setup"), {**SETUP, "email": "intruder@example.com"})
    assert not User.objects.filter(username="intruder@example.com").exists()
    with pytest.raises(Exception, match="already set up"):
        services.first_run_setup(email="x@example.com", password="a long enough secret", name="X")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password_again", "something else", "The two passwords differ."),
        ("password", "short", "This password is too short."),
        ("currency", "EURO", "at most 3 characters"),
        ("currency", "12", "The currency is a three-letter code"),
        ("purchase_order_prefix", "P O", "A prefix has 1 to 10 letters"),
        ("time_zone", "Mars/Olympus", "Select a valid choice"),
    ],
)
def test_the_setup_names_the_field_and_the_problem_and_creates_nothing(
    client, db, field, value, message
):
    data = {**SETUP, field: value}
    if field == "password":
        data["password_again"] = value
    response = client.post(reverse("setup"), data)
    assert response.status_code == 200
    assert message in text(response)
    assert not User.objects.exists() and not Company.objects.exists()


def test_a_member_creates_another_company_and_switches_between_them(client_logged_in, company):
    response = client_logged_in.post(
        reverse("company_create"),
        {
            "name": "Second Shop",
            "currency": "GBP",
            "time_zone": "Europe/London",
            "purchase_order_prefix": "B-",
            "invoice_prefix": "I-",
        },
        follow=True,
    )
    second = Company.objects.get(name="Second Shop")
    assert response.context["request"].company == second
    assert "Second Shop is created" in response.content.decode()
    assert Membership.objects.get(company=second).role == Role.OWNER
    page = response.content.decode()
    assert 'name="company_id"' in page and "Northwind Devices" in page

    client_logged_in.post(reverse("switch_company"), {"company_id": company.pk})
    assert client_logged_in.get(reverse("dashboard")).context["request"].company == company


# ---- the company's settings and logo ------------------------------------------------------------
def image_file(fmt: str = "PNG", size=(120, 40), name: str = "logo.png") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(buffer, fmt)
    buffer.seek(0)
    buffer.name = name
    return buffer


PROFILE = {
    "name": "Northwind Devices Ltd",
    "address": "5 Dock Road\nLondon",
    "email": "office@northwind.test",
    "phone": "+44 20 5555 0100",
    "currency": "GBP",
    "time_zone": "Europe/London",
}


def test_the_owner_saves_the_profile_and_a_logo_that_only_members_see(
    client_logged_in, company, other_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = client_logged_in.post(
        reverse("company_settings"), {**PROFILE, "logo": image_file()}, follow=True
    )
    assert "The company's settings are saved." in text(response)
    company.refresh_from_db()
    assert company.name == "Northwind Devices Ltd" and company.currency == "GBP"
    assert company.logo.name == f"logos/company-{company.pk}.png"
    assert (tmp_path / company.logo.name).exists()

    served = client_logged_in.get(reverse("company_logo"))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (120, 40)

    entry = AuditEntry.objects.get(company=company, action="company.settings_saved")
    assert set(entry.details["changed"]) >= {"name", "currency", "logo"}

    # Not a public file: no media URL, and another company's member gets their own (none).
    assert client_logged_in.get(f"/media/{company.logo.name}").status_code == 404
    client_logged_in.force_login(other_user)
    assert client_logged_in.get(reverse("company_logo")).status_code == 404
    client_logged_in.logout()
    assert client_logged_in.get(reverse("company_logo")).status_code == 302


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: io.BytesIO(b"<svg onload=alert(1)></svg>"), "Upload a valid image"),
        (lambda: image_file("BMP", name="logo.bmp"), "must be a PNG, JPEG, GIF or WebP"),
        (lambda: image_file(size=(4100, 10)), "at most 4000 on each side"),
    ],
)
def test_a_bad_logo_is_refused_and_nothing_changes(
    client_logged_in, company, settings, tmp_path, upload, message
):
    settings.MEDIA_ROOT = tmp_path
    file = upload()
    if not getattr(file, "name", None):
        file.name = "logo.svg"
    response = client_logged_in.post(reverse("company_settings"), {**PROFILE, "logo": file})
    assert response.status_code == 200
    assert message in response.content.decode()
    company.refresh_from_db()
    assert company.name == "Northwind Devices" and not company.logo
    assert not list(tmp_path.rglob("*.*"))


def test_a_logo_over_the_size_limit_is_refused(client_logged_in, company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CELLBOOKS_LOGO_MAX_BYTES = 100
    response = client_logged_in.post(
        reverse("company_settings"), {**PROFILE, "logo": image_file(size=(400, 400))}
    )
    assert "at most 0 MB" in response.content.decode() or "MB; at most" in response.content.decode()
    company.refresh_from_db()
    assert not company.logo


def test_company_settings_are_for_owners_only(client, company):
    bookkeeper = add_member(
        company=company, email="bea@northwind.test", password=PASSWORD, role=Role.BOOKKEEPER
    )
    client.force_login(bookkeeper)
    response = client.post(reverse("company_settings"), PROFILE)
    assert response.status_code == 403
    company.refresh_from_db()
    assert company.name == "Northwind Devices"


# ---- invitations -------------------------------------------------------------------------------
def invite(client, email="wes@example.com", role=Role.WAREHOUSE) -> str:
    """Invite through the team page; returns the link from the email."""
    mail.outbox.clear()
    response = client.post(reverse("team_invite"), {"email": email, "role": role}, follow=True)
    assert f"Invitation sent to {email}" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [email]
    return re.search(r"http://testserver(/invitations/\S+/)", message.body).group(1)


def test_an_invited_person_signs_up_with_the_link_once(client_logged_in, company, client):
    link = invite(client_logged_in)
    team = client_logged_in.get(reverse("team")).content.decode()
    assert "wes@example.com" in team and link in team  # pending, with its link to copy

    newcomer = client.__class__()
    page = newcomer.get(link).content.decode()
    assert "invites" in page and "warehouse" in page and "Northwind Devices" in page
    response = newcomer.post(
        link,
        {
            "first_name": "Wes",
            "password": "shelves and boxes",
            "password_again": "shelves and boxes",
        },
        follow=True,
    )
    assert "Welcome to Northwind Devices. You joined as warehouse." in response.content.decode()
    user = User.objects.get(username="wes@example.com")
    assert Membership.objects.get(user=user, company=company).role == Role.WAREHOUSE
    assert response.context["request"].user == user
    invitation = Invitation.objects.get(email="wes@example.com")
    assert invitation.accepted_by == user and invitation.state == "accepted"

    # Single use: the same link again (signed out, or by anyone) is refused.
    again = client.__class__().get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert (
        client.__class__()
        .post(link, {"password": "x" * 12, "password_again": "x" * 12})
        .status_code
        == 410
    )
    assert User.objects.filter(username="wes@example.com").count() == 1
    actions = list(AuditEntry.objects.filter(company=company).values_list("action", flat=True))
    assert {"member.invited", "member.joined"} <= set(actions)


def test_an_invitation_expires(client_logged_in, settings):
    settings.CELLBOOKS_INVITATION_DAYS = 7
    link = invite(client_logged_in)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client_logged_in.__class__().get(link)
        assert response.status_code == 410
        assert "This invitation has expired. Ask for a new one." in response.content.decode()
        response = client_logged_in.__class__().post(
            link, {"password": "shelves and boxes", "password_again": "shelves and boxes"}
        )
        assert response.status_code == 410
    assert not User.objects.filter(username="wes@example.com").exists()
    # A day before, it worked.
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert client_logged_in.__class__().get(link).status_code == 200


def test_a_revoked_or_tampered_invitation_is_refused(client_logged_in):
    link = invite(client_logged_in)
    invitation = Invitation.objects.get()
    tampered = link.replace(link.rsplit(":", 1)[-1], "forged/")
    assert client_logged_in.__class__().get(tampered).status_code == 410
    response = client_logged_in.post(
        reverse("team_invitation_revoke", args=[invitation.pk]), follow=True
    )
    assert "The invitation of wes@example.com is revoked." in response.content.decode()
    refused = client_logged_in.__class__().get(link)
    assert refused.status_code == 410
    assert "This invitation was withdrawn" in refused.content.decode()


def test_inviting_again_replaces_the_pending_invitation(client_logged_in):
    first = invite(client_logged_in)
    second = invite(client_logged_in, role=Role.BOOKKEEPER)
    assert first != second
    assert client_logged_in.__class__().get(first).status_code == 410
    assert "bookkeeper" in client_logged_in.__class__().get(second).content.decode()


def test_an_existing_account_accepts_by_logging_in(client_logged_in, company, other_user):
    link = invite(client_logged_in, email=other_user.email, role=Role.VIEWER)
    visitor = client_logged_in.__class__()
    assert "Log in to accept" in visitor.get(link).content.decode()
    visitor.force_login(other_user)
    response = visitor.post(link, follow=True)
    assert "You joined as viewer" in response.content.decode()
    assert Membership.objects.get(user=other_user, company=company).role == Role.VIEWER


def test_an_invitation_for_someone_else_is_refused_to_a_signed_in_person(
    client_logged_in, other_user
):
    link = invite(client_logged_in, email="someone@example.com")
    visitor = client_logged_in.__class__()
    visitor.force_login(other_user)
    page = visitor.get(link).content.decode()
    assert "This invitation is for someone@example.com" in page
    visitor.post(link)
    assert not Membership.objects.filter(
        user=other_user, company__name="Northwind Devices"
    ).exists()


def test_inviting_a_member_or_a_bad_address_names_the_problem(client_logged_in, user):
    response = client_logged_in.post(
        reverse("team_invite"), {"email": user.email, "role": Role.VIEWER}
    )
    assert response.status_code == 400
    assert "is already a member of Northwind Devices" in response.content.decode()
    response = client_logged_in.post(reverse("team_invite"), {"email": "nope", "role": "boss"})
    page = response.content.decode()
    assert "Enter a valid email address." in page and "Select a valid choice" in page
    assert not Invitation.objects.exists() and not mail.outbox


# ---- roles and members -------------------------------------------------------------------------
def test_the_owner_changes_a_role_and_removes_a_member(client_logged_in, company):
    wes = add_member(
        company=company, email="wes@northwind.test", password=PASSWORD, role=Role.WAREHOUSE
    )
    membership = Membership.objects.get(user=wes)
    response = client_logged_in.post(
        reverse("team_member_role", args=[membership.pk]),
        {f"m{membership.pk}-role": Role.BOOKKEEPER},
        follow=True,
    )
    assert "wes@northwind.test is now bookkeeper." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.BOOKKEEPER
    entry = AuditEntry.objects.get(action="member.role_changed")
    assert entry.summary == "wes@northwind.test: Warehouse → Bookkeeper"
    assert entry.actor_label == "owner@northwind.test"

    client_logged_in.post(reverse("team_member_remove", args=[membership.pk]))
    assert not Membership.objects.filter(user=wes, company=company).exists()
    assert AuditEntry.objects.filter(action="member.removed", target_id=membership.pk).exists()
    # The removed person sees nothing of the company any more.
    client_logged_in.force_login(wes)
    assert client_logged_in.get(reverse("dashboard")).status_code == 403


def test_the_last_owner_can_be_neither_demoted_nor_removed(client_logged_in, company, user):
    membership = Membership.objects.get(user=user, company=company)
    response = client_logged_in.post(
        reverse("team_member_role", args=[membership.pk]),
        {f"m{membership.pk}-role": Role.VIEWER},
        follow=True,
    )
    assert (
        "The company needs an owner: make someone else an owner first." in response.content.decode()
    )
    response = client_logged_in.post(
        reverse("team_member_remove", args=[membership.pk]), follow=True
    )
    assert "last owner cannot be removed" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER

    # With a second owner, the first may step down.
    second = add_member(company=company, email="co@northwind.test", password=None, role=Role.OWNER)
    services.change_role(membership=membership, role=Role.VIEWER)
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    with pytest.raises(Exception, match="needs an owner"):
        services.change_role(membership=Membership.objects.get(user=second), role=Role.VIEWER)


def test_another_companys_member_cannot_be_touched(client_logged_in, other_user, other_company):
    theirs = Membership.objects.get(user=other_user, company=other_company)
    assert (
        client_logged_in.post(
            reverse("team_member_role", args=[theirs.pk]), {f"m{theirs.pk}-role": Role.VIEWER}
        ).status_code
        == 404
    )
    assert client_logged_in.post(reverse("team_member_remove", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.OWNER


# ---- passwords ---------------------------------------------------------------------------------
def test_a_forgotten_password_is_reset_by_email(client, user):
    response = client.post(
        reverse("password_reset"), {"email": "owner@northwind.test"}, follow=True
    )
    assert "Check your email" in response.content.decode()
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new secret", "new_password2": "a brand new secret"},
        follow=True,
    )
    assert "Your new password is saved" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("a brand new secret")
