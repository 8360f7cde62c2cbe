"""Creating companies and the people in them."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from .models import Company, Membership
from .signals import company_created


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "company"
    slug, n = base, 2
    while Company.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_company(*, name: str, slug: str | None = None) -> Company:
    """Create a tenant; the other apps give it their defaults on ``company_created`` (the
    inventory: conditions A–D and document number sequences), in this transaction."""
    company = Company.objects.create(name=name.strip(), slug=slug or _unique_slug(name))
    company_created.send(sender=Company, company=company)
    return company


@transaction.atomic
def add_member(
    *,
    company: Company,
    email: str,
    password: str | None,
    role: str = Membership.Role.STAFF,
    first_name: str = "",
    last_name: str = "",
):
    """Create (or reuse) the user with this e-mail as username and give them a role in company."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email.lower(),
        defaults={"email": email.lower(), "first_name": first_name, "last_name": last_name},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(user=user, company=company, defaults={"role": role})
    return user
