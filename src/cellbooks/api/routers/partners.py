"""Vendors and customers: two views of one Partner model.

A partner who is both appears under /vendors and /customers with the same id; ``is_vendor`` and
``is_customer`` say which roles it has, and an update may add the other role.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from ninja import Query, Router
from ninja.pagination import paginate

from cellbooks.api.auth import company_of
from cellbooks.api.schemas import (
    PartnerCreate,
    PartnerFilters,
    PartnerOut,
    PartnerUpdate,
    created,
    listed,
    ok,
)
from cellbooks.inventory import selectors, services

from . import IdPath, Page, Status

router = Router()


@dataclass(frozen=True)
class Role:
    path: str  # "vendors"
    noun: str  # "vendor"
    flag: str  # the Partner field that gives the role: "is_vendor"
    select: Callable[..., QuerySet]  # the selector listing the company's partners in this role


VENDORS = Role("vendors", "vendor", "is_vendor", selectors.vendors_for)
CUSTOMERS = Role("customers", "customer", "is_customer", selectors.customers_for)


def _register(role: Role) -> None:
    """Add list / get / create / update under ``/<role.path>``."""
    meta = {"tags": [role.path]}
    PartnerId = IdPath(role.noun)  # noqa: N806 - a type

    @router.get(
        f"/{role.path}",
        response=listed(list[PartnerOut]),
        operation_id=f"list_{role.path}",
        summary=f"List {role.path}",
        **meta,
    )
    @paginate(Page)
    def list_partners(request, filters: Query[PartnerFilters]):
        partners = role.select(company=company_of(request))
        if filters.q.strip():
            partners = partners.filter(name__icontains=filters.q.strip())
        return partners

    @router.get(
        f"/{role.path}/{{partner_id}}",
        response=ok(PartnerOut),
        operation_id=f"get_{role.noun}",
        summary=f"Get a {role.noun}",
        **meta,
    )
    def get_partner(request, partner_id: PartnerId):
        company = company_of(request)
        return role.select(company=company).get_for_company_or_404(company, pk=partner_id)

    @router.post(
        f"/{role.path}",
        response=created(PartnerOut, not_found=False),
        operation_id=f"create_{role.noun}",
        summary=f"Create a {role.noun}",
        **meta,
    )
    def create_partner(request, payload: PartnerCreate):
        fields = {**payload.dict(), role.flag: True}
        return Status(201, services.create_partner(company=company_of(request), **fields))

    @router.patch(
        f"/{role.path}/{{partner_id}}",
        response=ok(PartnerOut),
        operation_id=f"update_{role.noun}",
        summary=f"Update a {role.noun}",
        **meta,
    )
    def update_partner(request, partner_id: PartnerId, payload: PartnerUpdate):
        """Change only the fields sent. A role in use (POs, invoices) cannot be removed."""
        company = company_of(request)
        partner = role.select(company=company).get_for_company_or_404(company, pk=partner_id)
        changes = payload.dict(exclude_unset=True, exclude_none=True)
        return services.update_partner(partner=partner, **changes)


_register(VENDORS)
_register(CUSTOMERS)
