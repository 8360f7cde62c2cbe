"""The catalogue: products (what a device is) and conditions (the company's grades)."""

from django.db.models import Q
from ninja import Query, Router
from ninja.pagination import paginate

from cellbooks.api.auth import company_of
from cellbooks.api.schemas import (
    ConditionCreate,
    ConditionOut,
    ConditionUpdate,
    ProductCreate,
    ProductDetailOut,
    ProductFilters,
    ProductUpdate,
    created,
    listed,
    ok,
)
from cellbooks.inventory import selectors, services
from cellbooks.inventory.models import Condition

from . import IdPath, Page, Status

router = Router()
ProductId = IdPath("product")
ConditionId = IdPath("condition")


def _products(request):
    return selectors.products_for(company=company_of(request))


def _product(request, product_id: int):
    return _products(request).get_for_company_or_404(company_of(request), pk=product_id)


@router.get("/products", response=listed(list[ProductDetailOut]), tags=["products"])
@paginate(Page)
def list_products(request, filters: Query[ProductFilters]):
    """In name order, each with how many of its devices are in stock."""
    products = _products(request)
    for word in filters.q.split():
        products = products.filter(
            Q(manufacturer__icontains=word)
            | Q(model__icontains=word)
            | Q(capacity__icontains=word)
            | Q(colour__icontains=word)
            | Q(network__icontains=word)
        )
    return products


@router.get("/products/{product_id}", response=ok(ProductDetailOut), tags=["products"])
def get_product(request, product_id: ProductId):
    return _product(request, product_id)


@router.post("/products", response=created(ProductDetailOut, not_found=False), tags=["products"])
def create_product(request, payload: ProductCreate):
    """The same attributes as an existing product (ignoring case) are refused, naming it."""
    product = services.create_product(company=company_of(request), **payload.dict())
    return Status(201, _product(request, product.pk))


@router.patch("/products/{product_id}", response=ok(ProductDetailOut), tags=["products"])
def update_product(request, product_id: ProductId, payload: ProductUpdate):
    """Change only the fields sent. Synced documents with its devices show as changed until they
    are synced again."""
    services.update_product(
        product=_product(request, product_id), **payload.dict(exclude_unset=True)
    )
    return _product(request, product_id)


@router.get("/conditions", response=listed(list[ConditionOut]), tags=["conditions"])
@paginate(Page)
def list_conditions(request):
    """The company's grades, best first (A, B, C, D unless changed)."""
    return selectors.conditions_for(company=company_of(request))


@router.get("/conditions/{condition_id}", response=ok(ConditionOut), tags=["conditions"])
def get_condition(request, condition_id: ConditionId):
    return Condition.objects.get_for_company_or_404(company_of(request), pk=condition_id)


@router.post("/conditions", response=created(ConditionOut, not_found=False), tags=["conditions"])
def create_condition(request, payload: ConditionCreate):
    """A new grade goes after the existing ones."""
    return Status(201, services.create_condition(company=company_of(request), **payload.dict()))


@router.patch("/conditions/{condition_id}", response=ok(ConditionOut), tags=["conditions"])
def update_condition(request, condition_id: ConditionId, payload: ConditionUpdate):
    """Change only the fields sent: the code, its description, its position in the scale."""
    condition = Condition.objects.get_for_company_or_404(company_of(request), pk=condition_id)
    return services.update_condition(condition=condition, **payload.dict(exclude_unset=True))
