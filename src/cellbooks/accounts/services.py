"""Companies and the people in them: first-run setup, new companies, the company's settings,
invitations, roles, removing members, API keys.

Every function is keyword-only and one transaction; a refusal is a
``ValidationError({field: [sentence]})``. What happened is announced with the signals of
``signals.py`` inside the transaction (the activity log listens to them).
"""

import logging
import re
import secrets
import smtplib
from datetime import timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import audit
from .models import ApiKey, Company, Invitation, Membership
from .signals import (
    api_key_created,
    api_key_revoked,
    company_created,
    company_settings_saved,
    invitation_accepted,
    invitation_revoked,
    invitation_sent,
    member_removed,
    member_role_changed,
)

log = logging.getLogger(__name__)
Role = Membership.Role
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,9}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
INVITATION_SALT = "cellbooks.accounts.invitation"


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "company"
    slug, n = base, 2
    while Company.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# ---- companies -----------------------------------------------------------------------------------
def _check_profile(*, name: str, currency: str, time_zone: str) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = ["Give the company a name."]
    elif len(name.strip()) > 200:
        errors["name"] = ["A company name has at most 200 characters."]
    if not CURRENCY_PATTERN.match(currency or ""):
        errors["currency"] = ["The currency is a three-letter code such as USD, EUR or GBP."]
    if time_zone not in available_timezones():
        errors["time_zone"] = [f"'{time_zone}' is not a time zone; choose one from the list."]
    if errors:
        raise ValidationError(errors)


def _check_prefixes(prefixes: dict[str, str]) -> None:
    errors = {}
    for field, prefix in prefixes.items():
        if prefix and not PREFIX_PATTERN.match(prefix):
            errors[f"{field}_prefix"] = [
                "A prefix has 1 to 10 letters, digits or - / _ . and starts with a letter or "
                "a digit, e.g. PO- or INV-."
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_company(
    *,
    name: str,
    slug: str | None = None,
    address: str = "",
    email: str = "",
    phone: str = "",
    currency: str = "USD",
    time_zone: str = "UTC",
    purchase_order_prefix: str = "",
    invoice_prefix: str = "",
) -> Company:
    """Create a tenant; the other apps give it their defaults on ``company_created`` (the
    inventory: conditions A–D and document number sequences with these prefixes), in this
    transaction."""
    currency = (currency or "").strip().upper()
    _check_profile(name=name, currency=currency, time_zone=time_zone)
    prefixes = {"purchase_order": purchase_order_prefix.strip(), "invoice": invoice_prefix.strip()}
    _check_prefixes(prefixes)
    company = Company.objects.create(
        name=name.strip(),
        slug=slug or _unique_slug(name),
        address=address.strip(),
        email=_normalise_email(email),
        phone=phone.strip(),
        currency=currency,
        time_zone=time_zone,
    )
    company_created.send(sender=Company, company=company, document_prefixes=prefixes)
    return company


@transaction.atomic
def create_company_for(*, user, **company_fields) -> Company:
    """A signed-in person creates another company and becomes its owner."""
    company = create_company(**company_fields)
    Membership.objects.create(user=user, company=company, role=Role.OWNER)
    audit.record(
        company=company,
        action="company.created",
        target_kind="company",
        target_id=company.pk,
        target_label=company.name,
        summary=f"Created {company.name}",
        actor=audit.Actor.for_user(user),
    )
    return company


def setup_is_needed() -> bool:
    """First run: nobody has an account yet."""
    return not get_user_model().objects.exists()


@transaction.atomic
def first_run_setup(
    *, email: str, password: str, first_name: str = "", last_name: str = "", **company_fields
):
    """Create the first person (the owner) and their company; refused once anyone has an account.

    Returns ``(user, company)``.
    """
    if not setup_is_needed():
        raise ValidationError("Cellbooks is already set up: log in instead.")
    user = _new_user(email=email, password=password, first_name=first_name, last_name=last_name)
    company = create_company_for(user=user, **company_fields)
    return user, company


def account_exists(*, email: str) -> bool:
    return get_user_model().objects.filter(username=_normalise_email(email)).exists()


def _new_user(*, email: str, password: str, first_name: str = "", last_name: str = ""):
    User = get_user_model()
    email = _normalise_email(email)
    if not email:
        raise ValidationError({"email": ["Give your email address: it is how you log in."]})
    if User.objects.filter(username=email).exists():
        raise ValidationError({"email": ["There is already an account with this email address."]})
    user = User(username=email, email=email, first_name=first_name.strip()[:150])
    user.last_name = last_name.strip()[:150]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    return user


PROFILE_FIELDS = ("name", "address", "email", "phone", "currency", "time_zone")


@transaction.atomic
def update_company(*, company: Company, logo=None, remove_logo: bool = False, **fields) -> Company:
    """Save the company's profile (and its logo: a new file replaces the old one)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    company = Company.objects.select_for_update().get(pk=company.pk)
    values = {field: getattr(company, field) for field in PROFILE_FIELDS}
    values.update({k: (v or "").strip() for k, v in fields.items()})
    values["currency"] = values["currency"].upper()
    values["email"] = _normalise_email(values["email"])
    _check_profile(name=values["name"], currency=values["currency"], time_zone=values["time_zone"])
    changed = [field for field in PROFILE_FIELDS if getattr(company, field) != values[field]]
    for field, value in values.items():
        setattr(company, field, value)
    old_logo = company.logo.name if company.logo else ""
    if logo is not None:
        if old_logo:
            company.logo.storage.delete(old_logo)
        company.logo.save(logo.name, logo, save=False)
        changed.append("logo")
    elif remove_logo and old_logo:
        company.logo.storage.delete(old_logo)
        company.logo = ""
        changed.append("logo")
    company.save()
    company_settings_saved.send(sender=Company, company=company, changed=changed)
    return company


# ---- members ------------------------------------------------------------------------------------
@transaction.atomic
def add_member(
    *,
    company: Company,
    email: str,
    password: str | None,
    role: str = Role.VIEWER,
    first_name: str = "",
    last_name: str = "",
):
    """Create (or reuse) the user with this e-mail as username and give them a role in company
    (for the demo, tests and scripts; people join through invitations)."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=_normalise_email(email),
        defaults={
            "email": _normalise_email(email),
            "first_name": first_name,
            "last_name": last_name,
        },
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, company=company, defaults={"role": role})
    return user


def _check_role(role: str, field: str = "role") -> None:
    if role not in Role.values:
        raise ValidationError({field: [f"'{role}' is not a role; choose one from the list."]})


def _other_owners(membership: Membership) -> int:
    """Owners of the company besides this member, counted under a lock so that two owners
    demoting each other at once cannot leave the company without one."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(company_id=membership.company_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    return len([pk for pk in owners if pk != membership.pk])


@transaction.atomic
def change_role(*, membership: Membership, role: str) -> Membership:
    _check_role(role)
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "company")
        .get(pk=membership.pk)
    )
    old_role = membership.role
    if old_role == role:
        return membership
    if old_role == Role.OWNER and not _other_owners(membership):
        raise ValidationError(
            {"role": ["The company needs an owner: make someone else an owner first."]}
        )
    membership.role = role
    membership.save(update_fields=["role"])
    member_role_changed.send(sender=Membership, membership=membership, old_role=old_role)
    return membership


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "company")
        .get(pk=membership.pk)
    )
    if membership.role == Role.OWNER and not _other_owners(membership):
        raise ValidationError(
            {
                "member": [
                    "The company's last owner cannot be removed: make someone else an owner first."
                ]
            }
        )
    pk = membership.pk
    membership.delete()
    membership.pk = pk  # the receivers name it
    member_removed.send(sender=Membership, membership=membership)


# ---- invitations --------------------------------------------------------------------------------
def invitation_max_age() -> timedelta:
    return timedelta(days=settings.CELLBOOKS_INVITATION_DAYS)


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation link (it names the row and its random nonce). No
    timestamp in it: the invitation's ``expires_at`` says how long it lasts, and the same
    invitation always has the same link (the email's and the team page's are one)."""
    return signing.Signer(salt=INVITATION_SALT).sign_object(
        {"i": invitation.pk, "n": invitation.nonce}
    )


@transaction.atomic
def invite(*, company: Company, email: str, role: str, invited_by) -> Invitation:
    """Invite ``email`` to join ``company`` with ``role`` (``send_invitation`` emails the link).

    A pending invitation to the same address is replaced (the old link stops working). Someone
    already in the company is refused.
    """
    email = _normalise_email(email)
    errors = {}
    if not email:
        errors["email"] = ["Give the email address of the person to invite."]
    elif Membership.objects.filter(company=company, user__username=email).exists():
        errors["email"] = [f"{email} is already a member of {company.name}."]
    if role not in Role.values:
        errors["role"] = [f"'{role}' is not a role; choose one from the list."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for previous in Invitation.objects.pending().filter(company=company, email=email):
        previous.revoked_at = now
        previous.save(update_fields=["revoked_at"])
    invitation = Invitation.objects.create(
        company=company,
        email=email,
        role=role,
        nonce=secrets.token_hex(16),
        invited_by=invited_by,
        expires_at=now + invitation_max_age(),
    )
    invitation_sent.send(sender=Invitation, invitation=invitation)
    return invitation


def send_invitation(*, invitation: Invitation, link: str) -> bool:
    """Email the invitation link; False (and the link stays on the team page to copy) when the
    mail server cannot be reached. Called after the invitation is committed."""
    inviter = invitation.invited_by
    name = (inviter.get_full_name() or inviter.email) if inviter else "Someone"
    company = invitation.company
    days = settings.CELLBOOKS_INVITATION_DAYS
    try:
        send_mail(
            subject=f"You are invited to {company.name} on Cellbooks",
            message=(
                f"{name} invites you to join {company.name} on Cellbooks as "
                f"{invitation.get_role_display().lower()}.\n\n"
                f"Accept the invitation here (the link works once, for {days} days):\n{link}\n\n"
                "If you did not expect this, you can ignore this email.\n"
            ),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("The invitation to %s could not be emailed: %s", invitation.email, exc)
        return False
    return True


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names; a ``ValidationError`` saying why it cannot be used."""
    try:
        data = signing.Signer(salt=INVITATION_SALT).unsign_object(token)
    except signing.BadSignature:
        raise ValidationError(
            {"token": ["This invitation link is not valid. Check that it was copied whole."]}
        ) from None
    invitation = (
        Invitation.objects.select_related("company", "invited_by")
        .filter(pk=data.get("i"), nonce=data.get("n"))
        .first()
    )
    if invitation is None:
        raise ValidationError({"token": ["This invitation link is not valid."]})
    state = invitation.state
    if state == "accepted":
        raise ValidationError({"token": ["This invitation has already been used."]})
    if state == "revoked":
        raise ValidationError({"token": ["This invitation was withdrawn. Ask for a new one."]})
    if state == "expired":
        raise ValidationError({"token": ["This invitation has expired. Ask for a new one."]})
    return invitation


@transaction.atomic
def accept_invitation(
    *,
    token: str,
    user=None,
    password: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Join the company. ``user``: the signed-in person whose email the invitation names;
    otherwise a new account is made with ``password``. The link then stops working."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:  # another tab was quicker
        raise ValidationError({"token": ["This invitation has already been used."]})
    if user is None:
        user = _new_user(
            email=invitation.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
    elif _normalise_email(user.email or user.username) != invitation.email:
        raise ValidationError(
            {"token": [f"This invitation is for {invitation.email}: log out and open it again."]}
        )
    membership, created = Membership.objects.get_or_create(
        user=user, company=invitation.company, defaults={"role": invitation.role}
    )
    if not created:
        raise ValidationError(
            {"token": [f"You are already a member of {invitation.company.name}."]}
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    invitation_accepted.send(sender=Invitation, invitation=invitation, membership=membership)
    return membership


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "pending":
        raise ValidationError(
            {"invitation": [f"This invitation is {invitation.state}: there is nothing to revoke."]}
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    invitation_revoked.send(sender=Invitation, invitation=invitation)
    return invitation


# ---- API keys -----------------------------------------------------------------------------------
@transaction.atomic
def create_api_key(*, company: Company, name: str, role: str, created_by=None):
    """Issue a key; returns ``(key, raw)`` — the raw key is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the key a name, e.g. 'warehouse scanner'."]})
    if len(name) > 100:
        raise ValidationError({"name": ["A key's name has at most 100 characters."]})
    _check_role(role)
    key, raw = ApiKey.issue(company=company, name=name, role=role, created_by=created_by)
    api_key_created.send(sender=ApiKey, key=key)
    return key, raw


@transaction.atomic
def revoke_api_key(*, key: ApiKey) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise ValidationError({"key": ["This key is already revoked."]})
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    api_key_revoked.send(sender=ApiKey, key=key)
    return key
