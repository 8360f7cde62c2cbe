"""Every change to inventory data goes through these functions.

Conventions shared by all of them:

- Keyword-only arguments; each call is one transaction (all or nothing).
- A refusal raises ``django.core.exceptions.ValidationError`` with a dict
  ``{field_name: [message, ...]}``. Messages are plain sentences a person can act on. A refusal
  about the document as a whole (its status, a missing line) uses Django's non-field key
  ``"__all__"`` (``NON_FIELD_ERRORS``) so ``form.add_error(None, error)`` shows it.
- Money is parsed with :func:`cellbooks.core.money.to_money`: ``Decimal`` with two places,
  never float.
- Invoice ``total`` and ``amount_paid`` are denormalised: every service that touches lines or
  payments ends by calling :func:`recalculate_invoice`.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from cellbooks.core.identifiers import parse_identifier
from cellbooks.core.integrations import registry as integrations
from cellbooks.core.money import MoneyError, money_sum, to_money
from cellbooks.core.money import format_money as core_format_money

from . import signals
from .models import (
    DOC_NUMBER_MAX,
    AskingPrice,
    Condition,
    CustomerReturn,
    Device,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Partner,
    Payment,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    VendorReturn,
)

DEFAULT_CONDITIONS = [
    ("A", "Like new: no visible wear"),
    ("B", "Good: light scratches"),
    ("C", "Fair: visible wear, fully working"),
    ("D", "Poor: heavy wear or a cosmetic defect"),
]
DEFAULT_SEQUENCES = [
    (NumberSequence.Kind.PURCHASE_ORDER, "PO-", 1001),
    (NumberSequence.Kind.INVOICE, "INV-", 1001),
    (NumberSequence.Kind.CUSTOMER_RETURN, "RMA-", 1001),
    (NumberSequence.Kind.VENDOR_RETURN, "RTV-", 1001),
]


# --------------------------------------------------------------------------------------------
# Small shared helpers
# --------------------------------------------------------------------------------------------


def _refuse(field: str, message: str):
    raise ValidationError({field: [message]})


def format_money(amount: Decimal, currency: str | None = None) -> str:
    """How amounts appear in messages: "$1,234.50", "-$5.00" (the company's currency when given)."""
    return core_format_money(amount, currency)


def parse_money(value, *, field: str, label: str, required: bool = True) -> Decimal | None:
    """Parse a user-supplied amount (≥ 0) or raise ``ValidationError({field: ...})``.

    ``label`` names the amount in the message ("Cost", "Unit price").
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _refuse(field, f"{label} is required.")
        return None
    if isinstance(value, float):  # a programming error, but say it in words too
        _refuse(field, f"{label} must be text or a Decimal, not a float ({value!r}).")
    try:
        amount = to_money(value)
    except MoneyError as exc:
        _refuse(field, f"{label} {exc}: give an amount like 120.50.")
    if amount < 0:
        _refuse(field, f"{label} cannot be negative ({format_money(amount)}).")
    if amount >= Decimal("1e12"):
        _refuse(field, f"{label} {format_money(amount)} is too large.")
    return amount


def _clean_text(value, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        _refuse(field, f"{label} is required.")
    if len(text) > max_length:
        _refuse(field, f"{label} has at most {max_length} characters; this one has {len(text)}.")
    return text


def _collect(errors: dict, func, *args, **kwargs):
    """Run a validator, merge its ValidationError into ``errors`` and return its result."""
    try:
        return func(*args, **kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None


def _check_fields(fields: dict, allowed: set[str], what: str):
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{what} cannot change {', '.join(sorted(unknown))}")


def _ensure_same_company(obj, company, *, field: str, label: str):
    if obj is None or obj.company_id != company.id:
        _refuse(field, f"Choose a {label} of this company.")


# --------------------------------------------------------------------------------------------
# Company defaults and document numbers
# --------------------------------------------------------------------------------------------


@transaction.atomic
def seed_company_defaults(*, company, prefixes: dict[str, str] | None = None):
    """Give a new company conditions A–D and PO/invoice number sequences. Safe to run again.

    ``prefixes`` may choose the sequences' prefixes, by kind (``{"po": "P-", "invoice": "S-"}``).
    """
    prefixes = prefixes or {}
    for order, (code, description) in enumerate(DEFAULT_CONDITIONS):
        if not Condition.objects.filter(company=company, code__iexact=code).exists():
            Condition.objects.create(
                company=company, code=code, description=description, sort_order=order
            )
    for kind, prefix, start in DEFAULT_SEQUENCES:
        NumberSequence.objects.get_or_create(
            company=company,
            kind=kind,
            defaults={"prefix": prefixes.get(kind) or prefix, "next_value": start},
        )


def _numbered_model(kind: str):
    return {
        NumberSequence.Kind.PURCHASE_ORDER: PurchaseOrder,
        NumberSequence.Kind.INVOICE: Invoice,
        NumberSequence.Kind.CUSTOMER_RETURN: CustomerReturn,
        NumberSequence.Kind.VENDOR_RETURN: VendorReturn,
    }[kind]


def _number_taken(company, kind: str, number: str) -> bool:
    return _numbered_model(kind).objects.filter(company=company, number__iexact=number).exists()


@transaction.atomic
def next_document_number(*, company, kind) -> str:
    """Take the next free number ("PO-1001") from the company's sequence for ``kind``.

    The row is locked for the transaction, so two people creating documents at once get two
    numbers. Numbers a user already typed by hand are skipped rather than collide.
    """
    if kind not in NumberSequence.Kind.values:
        raise ValueError(f"unknown sequence kind {kind!r}")
    sequence = NumberSequence.objects.select_for_update().filter(company=company, kind=kind).first()
    if sequence is None:
        seed_company_defaults(company=company)
        sequence = NumberSequence.objects.select_for_update().get(company=company, kind=kind)
    value = sequence.next_value
    while _number_taken(company, kind, f"{sequence.prefix}{value}"):
        value += 1
    number = f"{sequence.prefix}{value}"
    if len(number) > DOC_NUMBER_MAX:
        raise ValidationError(
            {"number": [f"The next number {number} is longer than {DOC_NUMBER_MAX} characters."]}
        )
    NumberSequence.objects.filter(pk=sequence.pk).update(next_value=value + 1)
    return number


def _typed_number(*, company, kind, number, exclude_pk=None) -> str:
    """Check a number the user typed: at most 21 characters, not used by another document.

    Returns "" when nothing was typed (the caller then takes the next from the sequence).
    """
    if number is None or not str(number).strip():
        return ""
    number = _clean_text(str(number), field="number", label="The number", max_length=DOC_NUMBER_MAX)
    model = _numbered_model(kind)
    clash = model.objects.filter(company=company, number__iexact=number).exclude(pk=exclude_pk)
    if clash.exists():
        what = NumberSequence.Kind(kind).label.lower()
        _refuse("number", f"Another {what} already has the number {number}.")
    return number


# Documents are dated within these (a due date is computed by adding days, which must not leave
# the calendar Python and the database know).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)


def _parse_date(value, *, field: str, label: str, default=None, bounded=True) -> datetime.date:
    if value is None or value == "":
        return default
    if isinstance(value, datetime.datetime):
        date = value.date()
    elif isinstance(value, datetime.date):
        date = value
    else:
        try:
            date = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            _refuse(field, f"{label} '{value}' is not a date: use YYYY-MM-DD.")
    if bounded and not EARLIEST_DATE <= date <= LATEST_DATE:
        _refuse(
            field,
            f"{label} {date.isoformat()} is out of range: use a date between "
            f"{EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
        )
    return date


# --------------------------------------------------------------------------------------------
# Partners
# --------------------------------------------------------------------------------------------

PARTNER_FIELDS = {
    "name",
    "email",
    "phone",
    "address",
    "payment_terms_days",
    "is_vendor",
    "is_customer",
    "notes",
}


def _validate_partner(partner: Partner) -> None:
    """Check and normalise a partner in place, collecting every problem in one error."""
    errors: dict[str, list[str]] = {}
    partner.name = (
        _collect(
            errors,
            _clean_text,
            partner.name,
            field="name",
            label="The name",
            max_length=200,
            required=True,
        )
        or ""
    )
    partner.email = (partner.email or "").strip()
    if partner.email:
        try:
            validate_email(partner.email)
        except ValidationError:
            errors.setdefault("email", []).append(f"'{partner.email}' is not an e-mail address.")
    partner.phone = (
        _collect(
            errors, _clean_text, partner.phone, field="phone", label="The phone", max_length=40
        )
        or ""
    )
    partner.address = (partner.address or "").strip()
    partner.notes = (partner.notes or "").strip()
    try:
        terms = int(partner.payment_terms_days)
        if terms < 0 or terms > 3650:
            raise ValueError
        partner.payment_terms_days = terms
    except (TypeError, ValueError):
        errors.setdefault("payment_terms_days", []).append(
            "Payment terms are a whole number of days, 0 (due on receipt) or more."
        )
    if not partner.is_vendor and not partner.is_customer:
        errors.setdefault("is_vendor", []).append(
            "A partner must be a vendor, a customer, or both."
        )
    if partner.name:
        clash = Partner.objects.filter(
            company_id=partner.company_id, name__iexact=partner.name
        ).exclude(pk=partner.pk)
        if clash.exists():
            errors.setdefault("name", []).append(
                f"There is already a partner called {clash.first().name}."
            )
    if partner.pk:
        _check_roles_still_in_use(partner, errors)
    if errors:
        raise ValidationError(errors)


def _save_partner(partner: Partner) -> None:
    """Validate and save; a name taken by someone else between the check and the write is
    refused like any taken name, not as a database error."""
    _validate_partner(partner)
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        _validate_partner(partner)
        raise


def _check_roles_still_in_use(partner: Partner, errors: dict) -> None:
    if not partner.is_vendor and PurchaseOrder.objects.filter(vendor=partner).exists():
        errors.setdefault("is_vendor", []).append(
            f"{partner.name} has purchase orders, so it must stay a vendor."
        )
    if not partner.is_customer and Invoice.objects.filter(customer=partner).exists():
        errors.setdefault("is_customer", []).append(
            f"{partner.name} has invoices, so it must stay a customer."
        )


@transaction.atomic
def create_partner(
    *,
    company,
    name,
    email="",
    phone="",
    address="",
    payment_terms_days=30,
    is_vendor=False,
    is_customer=False,
    notes="",
) -> Partner:
    """Create a vendor, a customer, or a partner who is both."""
    partner = Partner(
        company=company,
        name=name,
        email=email,
        phone=phone,
        address=address,
        payment_terms_days=payment_terms_days,
        is_vendor=bool(is_vendor),
        is_customer=bool(is_customer),
        notes=notes,
    )
    _save_partner(partner)
    return partner


@transaction.atomic
def update_partner(*, partner, **fields) -> Partner:
    """Change a partner's details. A role in use (it has POs or invoices) cannot be removed."""
    _check_fields(fields, PARTNER_FIELDS, "update_partner")
    for field, value in fields.items():
        setattr(partner, field, bool(value) if field in ("is_vendor", "is_customer") else value)
    _save_partner(partner)
    return partner


# --------------------------------------------------------------------------------------------
# Catalogue: products and conditions
# --------------------------------------------------------------------------------------------

PRODUCT_LIMITS = {"manufacturer": 100, "model": 100, "capacity": 30, "colour": 50, "network": 50}
_TABLET_WORD = re.compile(r"\b(ipad\w*|tab|tablet|surface|kindle|matepad|mediapad)\b", re.I)


def guess_product_kind(manufacturer: str, model: str) -> str:
    """Phone unless the model name says tablet ("iPad Air", "Galaxy Tab S8"): CSVs carry no kind."""
    is_tablet = _TABLET_WORD.search(f"{manufacturer} {model}")
    return Product.Kind.TABLET if is_tablet else Product.Kind.PHONE


def clean_product_attributes(
    *, manufacturer, model, capacity="", colour="", network=""
) -> dict[str, str]:
    """Trimmed product attributes, or a ValidationError naming every bad one."""
    values = {
        "manufacturer": manufacturer,
        "model": model,
        "capacity": capacity,
        "colour": colour,
        "network": network,
    }
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for field, value in values.items():
        cleaned[field] = _collect(
            errors,
            _clean_text,
            value,
            field=field,
            label=f"The {field}",
            max_length=PRODUCT_LIMITS[field],
            required=field in ("manufacturer", "model"),
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def product_key(attributes: dict[str, str]) -> tuple[str, ...]:
    """The case-insensitive identity of a product, as the database constraint sees it."""
    return tuple(
        attributes[f].lower() for f in ("manufacturer", "model", "capacity", "colour", "network")
    )


def _find_product(company, attrs: dict[str, str]) -> Product | None:
    return Product.objects.filter(
        company=company, **{f"{f}__iexact": v for f, v in attrs.items()}
    ).first()


@transaction.atomic
def get_or_create_product(
    *, company, manufacturer, model, capacity="", colour="", network="", kind="phone"
) -> Product:
    """The product with these attributes (ignoring case and surrounding spaces), created if new."""
    attrs = clean_product_attributes(
        manufacturer=manufacturer, model=model, capacity=capacity, colour=colour, network=network
    )
    if kind not in Product.Kind.values:
        _refuse("kind", f"Kind must be one of {', '.join(Product.Kind.values)}.")
    product = _find_product(company, attrs)
    if product is not None:
        return product
    try:
        with transaction.atomic():
            return Product.objects.create(company=company, kind=kind, **attrs)
    except IntegrityError:  # created by someone else a moment ago
        return _find_product(company, attrs)


@transaction.atomic
def create_condition(*, company, code, description="") -> Condition:
    """Add a grade to the company's scale, after the existing ones."""
    code = _clean_text(code, field="code", label="The code", max_length=20, required=True)
    description = _clean_text(
        description, field="description", label="The description", max_length=200
    )
    _check_condition_free(company, code)
    last = Condition.objects.filter(company=company).order_by("-sort_order").first()
    try:
        with transaction.atomic():
            return Condition.objects.create(
                company=company,
                code=code,
                description=description,
                sort_order=(last.sort_order + 1) if last else 0,
            )
    except IntegrityError:  # added by someone else a moment ago
        _check_condition_free(company, code)
        raise


def _check_condition_free(company, code: str) -> None:
    if Condition.objects.filter(company=company, code__iexact=code).exists():
        _refuse("code", f"There is already a condition {code}.")


PRODUCT_FIELDS = {"manufacturer", "model", "capacity", "colour", "network", "kind"}


def _check_kind(kind) -> None:
    if kind not in Product.Kind.values:
        _refuse("kind", f"Kind must be one of {', '.join(Product.Kind.values)}.")


def _check_product_free(company, attrs: dict[str, str], *, exclude_pk=None) -> None:
    clash = (
        Product.objects.filter(company=company, **{f"{f}__iexact": v for f, v in attrs.items()})
        .exclude(pk=exclude_pk)
        .first()
    )
    if clash is not None:
        _refuse("model", f"There is already a product {clash.display_name} (id {clash.pk}).")


@transaction.atomic
def create_product(
    *, company, manufacturer, model, capacity="", colour="", network="", kind=None
) -> Product:
    """Add a product to the catalogue; the same attributes twice (ignoring case) are refused.
    Without a kind, a tablet when the model name says so, else a phone."""
    attrs = clean_product_attributes(
        manufacturer=manufacturer, model=model, capacity=capacity, colour=colour, network=network
    )
    kind = kind or guess_product_kind(attrs["manufacturer"], attrs["model"])
    _check_kind(kind)
    _check_product_free(company, attrs)
    try:
        with transaction.atomic():
            return Product.objects.create(company=company, kind=kind, **attrs)
    except IntegrityError:  # created by someone else a moment ago
        _check_product_free(company, attrs)
        raise


@transaction.atomic
def update_product(*, product, **fields) -> Product:
    """Correct a product's attributes or kind; its devices follow (documents already sent to an
    accounting system show as changed until they are synced again)."""
    _check_fields(fields, PRODUCT_FIELDS, "update_product")
    current = {f: getattr(product, f) for f in PRODUCT_LIMITS}
    wanted = {**current, **{f: v for f, v in fields.items() if f in PRODUCT_LIMITS}}
    attrs = clean_product_attributes(**wanted)
    if "kind" in fields:
        _check_kind(fields["kind"])
        product.kind = fields["kind"]
    _check_product_free(product.company, attrs, exclude_pk=product.pk)
    for field, value in attrs.items():
        setattr(product, field, value)
    product.save()
    return product


CONDITION_FIELDS = {"code", "description", "sort_order"}
MAX_SORT_ORDER = 2_147_483_647  # what a PositiveIntegerField holds everywhere


@transaction.atomic
def update_condition(*, condition, **fields) -> Condition:
    """Rename a grade, describe it, or move it in the company's scale."""
    _check_fields(fields, CONDITION_FIELDS, "update_condition")
    errors: dict[str, list[str]] = {}
    if "code" in fields:
        code = _collect(
            errors,
            _clean_text,
            fields["code"],
            field="code",
            label="The code",
            max_length=20,
            required=True,
        )
        if code:
            clash = Condition.objects.filter(
                company_id=condition.company_id, code__iexact=code
            ).exclude(pk=condition.pk)
            if clash.exists():
                errors.setdefault("code", []).append(f"There is already a condition {code}.")
            else:
                condition.code = code
    if "description" in fields:
        description = _collect(
            errors,
            _clean_text,
            fields["description"],
            field="description",
            label="The description",
            max_length=200,
        )
        if description is not None:
            condition.description = description
    if "sort_order" in fields:
        order = fields["sort_order"]
        if (
            isinstance(order, bool)
            or not isinstance(order, int)
            or not 0 <= order <= MAX_SORT_ORDER
        ):
            errors.setdefault("sort_order", []).append(
                f"The position is a whole number from 0 to {MAX_SORT_ORDER:,}."
            )
        else:
            condition.sort_order = order
    if errors:
        raise ValidationError(errors)
    condition.save()
    return condition


def condition_lookup(company) -> dict[str, Condition]:
    """The company's conditions by lower-case code, for matching what users type."""
    return {c.code.lower(): c for c in Condition.objects.filter(company=company)}


def unknown_condition_message(code: str, conditions: dict[str, Condition]) -> str:
    known = ", ".join(sorted(c.code for c in conditions.values())) or "none yet"
    return f"There is no condition '{code}': use one of {known}."


def _resolve_condition(company, condition, *, field="condition") -> Condition:
    """Accept a Condition of this company or its code (any case)."""
    if isinstance(condition, Condition):
        _ensure_same_company(condition, company, field=field, label="condition")
        return condition
    code = (condition or "").strip() if isinstance(condition, str) else ""
    if not code:
        _refuse(field, "The condition is required.")
    conditions = condition_lookup(company)
    found = conditions.get(code.lower())
    if found is None:
        _refuse(field, unknown_condition_message(code, conditions))
    return found


# --------------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------------


# What buyers dispute a sale on. People (and spreadsheets) write these many ways.
DETAIL_FIELDS = (
    "battery_health",
    "fmi_lock",
    "carrier_lock",
    "cosmetic_notes",
    "tested_by",
    "tested_on",
)
_FMI_WORDS = {
    Device.LockStatus.OFF: {"off", "no", "n", "false", "0", "clean", "unlocked", "clear", "fmi off", "icloud off"},
    Device.LockStatus.ON: {"on", "yes", "y", "true", "1", "locked", "lock", "fmi on", "icloud on", "icloud locked"},
    Device.LockStatus.UNKNOWN: {"", "unknown", "not checked", "n/a", "na", "-", "?"},
}  # fmt: skip
_CARRIER_WORDS = {
    Device.CarrierLock.UNLOCKED: {"unlocked", "factory unlocked", "open", "no", "n", "false", "0", "sim free", "sim-free"},
    Device.CarrierLock.LOCKED: {"locked", "carrier locked", "sim locked", "yes", "y", "true", "1"},
    Device.CarrierLock.UNKNOWN: {"", "unknown", "not checked", "n/a", "na", "-", "?"},
}  # fmt: skip


def _choice_from_words(value, words: dict, *, field: str, label: str, examples: str) -> str:
    text = " ".join(str(value or "").lower().replace("_", " ").split())
    for choice, spellings in words.items():
        if text == choice or text in spellings:
            return str(choice)
    if field == "carrier_lock" and text.startswith("locked"):  # "Locked (AT&T)", "locked to EE"
        return str(Device.CarrierLock.LOCKED)
    _refuse(field, f"{label} '{value}' is not understood: write {examples}, or leave it empty.")


def parse_battery_health(value) -> int | None:
    """ "87", "87%", 87 → 87; "" → None; anything else is refused with the reason."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().rstrip("%").strip()
    if not text.isdigit() or int(text) > 100:
        _refuse(
            "battery_health",
            f"Battery health is a percentage from 0 to 100, like 87; '{value}' is not.",
        )
    return int(text)


def parse_device_details(values: dict, *, today=None) -> dict:
    """Check the details buyers dispute on (only the keys given); every problem at once."""
    errors: dict[str, list[str]] = {}
    cleaned = {}
    if "battery_health" in values:
        cleaned["battery_health"] = _collect(errors, parse_battery_health, values["battery_health"])
    if "fmi_lock" in values:
        cleaned["fmi_lock"] = _collect(
            errors, _choice_from_words, values["fmi_lock"], _FMI_WORDS, field="fmi_lock",
            label="iCloud / Find My lock", examples="Off or On",
        )  # fmt: skip
    if "carrier_lock" in values:
        cleaned["carrier_lock"] = _collect(
            errors, _choice_from_words, values["carrier_lock"], _CARRIER_WORDS,
            field="carrier_lock", label="Carrier lock", examples="Unlocked or Locked",
        )  # fmt: skip
    if "cosmetic_notes" in values:
        cleaned["cosmetic_notes"] = _collect(
            errors, _clean_text, values["cosmetic_notes"], field="cosmetic_notes",
            label="The cosmetic notes", max_length=500,
        )  # fmt: skip
    if "tested_by" in values:
        cleaned["tested_by"] = _collect(
            errors, _clean_text, values["tested_by"], field="tested_by",
            label="Tested by", max_length=100,
        )  # fmt: skip
    if "tested_on" in values:
        tested_on = _collect(
            errors,
            _parse_date,
            values["tested_on"],
            field="tested_on",
            label="The test date",
            bounded=False,  # a day in the past, checked below; no arithmetic on it
        )
        if tested_on and tested_on > (today or timezone.localdate()):
            errors.setdefault("tested_on", []).append(
                f"The test date {tested_on:%Y-%m-%d} is in the future: give the day it was tested."
            )
        cleaned["tested_on"] = tested_on
    if errors:
        raise ValidationError(errors)
    return cleaned


def describe_existing_device(device_identifier: str, status: str) -> str:
    """Why an identifier cannot be added again: the company holds that device already."""
    if status == Device.Status.IN_STOCK:
        return f"{device_identifier} is already in stock."
    if status == Device.Status.INCOMING:
        return f"{device_identifier} is already on its way, on a purchase order not received yet."
    return f"{device_identifier} already exists in this company ({Device.Status(status).label.lower()})."


def current_devices(company):
    """Devices the company holds or is about to hold (an identifier is unique among these; a unit
    sold or returned to its vendor can be bought again as a new device)."""
    return Device.objects.filter(company=company, status__in=Device.CURRENT_STATUSES)


def _check_identifier_free(company, identifier: str, *, exclude_pk=None) -> None:
    existing = current_devices(company).filter(identifier=identifier).exclude(pk=exclude_pk).first()
    if existing is not None:
        _refuse("identifier", describe_existing_device(identifier, existing.status))


def _device_values(
    company, *, identifier, product, condition, cost, price, location, notes, details=None
) -> dict:
    """Validate everything about a new device at once; return model field values."""
    errors: dict[str, list[str]] = {}
    parsed = _collect(errors, parse_identifier, identifier)
    if parsed:
        _collect(errors, _check_identifier_free, company, parsed[0])
    if not isinstance(product, Product) or product.company_id != company.id:
        errors.setdefault("product", []).append("Choose a product of this company.")
    condition = _collect(errors, _resolve_condition, company, condition)
    cost = _collect(errors, parse_money, cost, field="cost", label="Cost")
    price = _collect(errors, parse_money, price, field="price", label="Price", required=False)
    location = _collect(
        errors, _clean_text, location, field="location", label="The location", max_length=100
    )
    details = _collect(errors, parse_device_details, details or {})
    if errors:
        raise ValidationError(errors)
    return {
        **details,
        "identifier": parsed[0],
        "identifier_kind": parsed[1],
        "product": product,
        "condition": condition,
        "cost": cost,
        "price": price,
        "location": location or "",
        "notes": (notes or "").strip(),
    }


@transaction.atomic
def create_device(
    *,
    company,
    identifier,
    product,
    condition,
    cost,
    price=None,
    location="",
    notes="",
    **details,
) -> Device:
    """Add one device to stock outside a purchase order (a stock adjustment). ``details``: any
    of DETAIL_FIELDS (battery health, iCloud/Find My lock, carrier lock, cosmetic notes, tested
    by/on)."""
    _check_fields(details, set(DETAIL_FIELDS), "create_device")
    values = _device_values(
        company,
        identifier=identifier,
        product=product,
        condition=condition,
        cost=cost,
        price=price,
        location=location,
        notes=notes,
        details=details,
    )
    return Device.objects.create(company=company, status=Device.Status.IN_STOCK, **values)


DEVICE_FIELDS = {
    "identifier",
    "product",
    "condition",
    "cost",
    "price",
    "location",
    "notes",
    *DETAIL_FIELDS,
}


@transaction.atomic
def update_device(*, device, **fields) -> Device:
    """Correct a device's details. Its status only changes through POs and invoices.

    The identifier can be corrected only while the device is in stock, and the cost only while
    its purchase order (if any) is a draft: afterwards the cost is what the books say it was.
    """
    _check_fields(fields, DEVICE_FIELDS, "update_device")
    company = device.company
    errors: dict[str, list[str]] = {}
    if "identifier" in fields:
        parsed = _collect(errors, parse_identifier, fields["identifier"])
        if parsed and parsed[0] != device.identifier:
            if device.status not in (Device.Status.IN_STOCK, Device.Status.INCOMING):
                errors.setdefault("identifier", []).append(
                    f"{device.identifier} is {device.get_status_display().lower()}: "
                    "only a device in stock or on its way can change its IMEI or serial."
                )
            else:
                _collect(errors, _check_identifier_free, company, parsed[0], exclude_pk=device.pk)
                device.identifier, device.identifier_kind = parsed
    if "product" in fields:
        product = fields["product"]
        if not isinstance(product, Product) or product.company_id != company.id:
            errors.setdefault("product", []).append("Choose a product of this company.")
        else:
            device.product = product
    if "condition" in fields:
        condition = _collect(errors, _resolve_condition, company, fields["condition"])
        if condition:
            device.condition = condition
    if "cost" in fields:
        _update_device_cost(device, fields["cost"], errors)
    if "price" in fields:
        price = _collect(
            errors, parse_money, fields["price"], field="price", label="Price", required=False
        )
        if "price" not in errors:
            device.price = price
    if "location" in fields:
        location = _collect(
            errors,
            _clean_text,
            fields["location"],
            field="location",
            label="The location",
            max_length=100,
        )
        if location is not None:
            device.location = location
    if "notes" in fields:
        device.notes = (fields["notes"] or "").strip()
    details = _collect(
        errors, parse_device_details, {k: v for k, v in fields.items() if k in DETAIL_FIELDS}
    )
    for field, value in (details or {}).items():
        setattr(device, field, value)
    if errors:
        raise ValidationError(errors)
    device.save()
    return device


def _update_device_cost(device: Device, value, errors: dict) -> None:
    cost = _collect(errors, parse_money, value, field="cost", label="Cost")
    if cost is None or cost == device.cost:
        return
    line = PurchaseOrderLine.objects.filter(device=device).select_related("purchase_order").first()
    if line is None:
        device.cost = cost
    elif line.purchase_order.is_editable:
        device.cost = line.unit_cost = cost
        line.save(update_fields=["unit_cost"])
    else:
        errors.setdefault("cost", []).append(
            f"The cost comes from {document_label(line.purchase_order, capital=False)}, which is {line.purchase_order.get_status_display().lower()}."
        )


# --------------------------------------------------------------------------------------------
# Purchase orders
# --------------------------------------------------------------------------------------------


DOCUMENT_KINDS = {
    PurchaseOrder: "Purchase order",
    Invoice: "Invoice",
    CustomerReturn: "Return",
    VendorReturn: "Vendor return",
}


def document_label(document, *, capital: bool = True) -> str:
    """How messages name a document: "Purchase order PO-1001", or "invoice INV-1001" mid-sentence."""
    kind = DOCUMENT_KINDS[type(document)]
    return f"{kind if capital else kind.lower()} {document.number}"


def _require_status(document, *statuses, action: str) -> None:
    if document.status not in statuses:
        labels = [str(document.Status(s).label).lower() for s in statuses]
        allowed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
        _refuse(
            NON_FIELD_ERRORS,
            f"{document_label(document)} is {document.get_status_display().lower()}: "
            f"only {'an' if allowed[0] in 'aeiou' else 'a'} {allowed} one can {action}.",
        )


def _require_vendor(company, vendor) -> Partner:
    if not isinstance(vendor, Partner) or vendor.company_id != company.id:
        _refuse("vendor", "Choose a vendor of this company.")
    if not vendor.is_vendor:
        _refuse("vendor", f"{vendor.name} is not a vendor: mark it as a vendor first.")
    return vendor


def _lock(document):
    """Re-read a PO or invoice with a row lock, so two requests cannot both change its state."""
    return type(document).objects.select_for_update().get(pk=document.pk)


@transaction.atomic
def create_purchase_order(*, company, vendor, number=None, date=None, notes="") -> PurchaseOrder:
    """Start a draft purchase order; its number comes from the sequence unless one is given."""
    errors: dict[str, list[str]] = {}
    _collect(errors, _require_vendor, company, vendor)
    date = _collect(
        errors, _parse_date, date, field="date", label="The date", default=timezone.localdate()
    )
    number = _collect(
        errors,
        _typed_number,
        company=company,
        kind=NumberSequence.Kind.PURCHASE_ORDER,
        number=number,
    )
    if errors:
        raise ValidationError(errors)
    number = number or next_document_number(
        company=company, kind=NumberSequence.Kind.PURCHASE_ORDER
    )
    return PurchaseOrder.objects.create(
        company=company, vendor=vendor, number=number, date=date, notes=(notes or "").strip()
    )


@transaction.atomic
def update_purchase_order(*, purchase_order, **fields) -> PurchaseOrder:
    """Edit a PO's vendor (draft only), number, date or notes (any status but void)."""
    _check_fields(fields, {"vendor", "number", "date", "notes"}, "update_purchase_order")
    po = _lock(purchase_order)
    _require_status(
        po,
        PurchaseOrder.Status.DRAFT,
        PurchaseOrder.Status.RECEIVED,
        PurchaseOrder.Status.CLOSED,
        action="be edited",
    )
    errors: dict[str, list[str]] = {}
    if "vendor" in fields and fields["vendor"] != po.vendor:
        if not po.is_editable:
            errors.setdefault("vendor", []).append(
                f"{document_label(po)} is {po.get_status_display().lower()}: its vendor is fixed."
            )
        elif _collect(errors, _require_vendor, po.company, fields["vendor"]):
            po.vendor = fields["vendor"]
    if "number" in fields:
        number = _collect(
            errors,
            _typed_number,
            company=po.company,
            kind=NumberSequence.Kind.PURCHASE_ORDER,
            number=fields["number"],
            exclude_pk=po.pk,
        )
        if number:
            po.number = number
    if "date" in fields:
        po.date = (
            _collect(
                errors, _parse_date, fields["date"], field="date", label="The date", default=po.date
            )
            or po.date
        )
    if "notes" in fields:
        po.notes = (fields["notes"] or "").strip()
    if errors:
        raise ValidationError(errors)
    po.save()
    _copy_onto(purchase_order, po)
    return po


def _copy_onto(stale, fresh) -> None:
    """Keep the caller's instance current after we worked on a locked copy."""
    stale.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})


@transaction.atomic
def add_device_to_purchase_order(
    *,
    purchase_order,
    identifier,
    manufacturer,
    model,
    capacity="",
    colour="",
    network="",
    condition,
    cost,
    price=None,
    location="",
    **details,
) -> PurchaseOrderLine:
    """Put one device on a draft PO at the line's cost: it is incoming (not in stock, not for
    sale) until the PO is received. ``details``: any of DETAIL_FIELDS."""
    _check_fields(details, set(DETAIL_FIELDS), "add_device_to_purchase_order")
    po = _lock(purchase_order)
    _require_status(po, PurchaseOrder.Status.DRAFT, action="take new devices")
    company = po.company
    errors: dict[str, list[str]] = {}
    attrs = _collect(
        errors,
        clean_product_attributes,
        manufacturer=manufacturer,
        model=model,
        capacity=capacity,
        colour=colour,
        network=network,
    )
    parsed = _collect(errors, parse_identifier, identifier)
    if parsed:
        _collect(errors, _check_identifier_free, company, parsed[0])
    condition = _collect(errors, _resolve_condition, company, condition)
    cost = _collect(errors, parse_money, cost, field="cost", label="Cost")
    price = _collect(errors, parse_money, price, field="price", label="Price", required=False)
    location = _collect(
        errors, _clean_text, location, field="location", label="The location", max_length=100
    )
    details = _collect(errors, parse_device_details, details)
    if errors:
        raise ValidationError(errors)
    product = get_or_create_product(
        company=company, kind=guess_product_kind(attrs["manufacturer"], attrs["model"]), **attrs
    )
    device = Device.objects.create(
        company=company,
        identifier=parsed[0],
        identifier_kind=parsed[1],
        product=product,
        condition=condition,
        cost=cost,
        price=price,
        location=location or "",
        status=Device.Status.INCOMING,
        **details,
    )
    return PurchaseOrderLine.objects.create(purchase_order=po, device=device, unit_cost=cost)


@transaction.atomic
def remove_purchase_order_line(*, line) -> None:
    """Take a device off a draft PO; the device never arrived, so it is deleted."""
    po = _lock(line.purchase_order)
    _require_status(po, PurchaseOrder.Status.DRAFT, action="lose devices")
    device = line.device
    invoice_line = InvoiceLine.objects.filter(device=device).select_related("invoice").first()
    if invoice_line is not None:
        _refuse(
            NON_FIELD_ERRORS,
            f"{device.identifier} is on {document_label(invoice_line.invoice, capital=False)}: take it off the invoice first.",
        )
    line.delete()
    device.delete()


@transaction.atomic
def receive_purchase_order(*, purchase_order) -> PurchaseOrder:
    """Mark a draft PO received: its devices arrive in stock and can be sold."""
    po = _lock(purchase_order)
    _require_status(po, PurchaseOrder.Status.DRAFT, action="be received")
    if not po.lines.exists():
        _refuse(
            NON_FIELD_ERRORS,
            f"{document_label(po)} has no devices: add at least one before receiving it.",
        )
    # Devices by the ids of the PO's lines, not through a join back onto the table being updated:
    # PostgreSQL may plan that self-join as a nested loop that takes minutes for thousands.
    Device.objects.filter(
        pk__in=po.lines.values("device_id"), status=Device.Status.INCOMING
    ).update(status=Device.Status.IN_STOCK, updated_at=timezone.now())
    po.status = PurchaseOrder.Status.RECEIVED
    po.received_at = timezone.now()
    po.save(update_fields=["status", "received_at", "updated_at"])
    _copy_onto(purchase_order, po)
    signals.document_event.send(
        sender=PurchaseOrder,
        company=po.company,
        kind="purchase_order",
        document=po,
        event="received",
    )
    return po


@transaction.atomic
def delete_draft_purchase_order(*, purchase_order) -> None:
    """A purchase order that never left draft can go, with its devices (none of them arrived)."""
    po = _lock(purchase_order)
    _require_status(po, PurchaseOrder.Status.DRAFT, action="be deleted")
    device_ids = list(po.lines.values_list("device_id", flat=True))
    if InvoiceLine.objects.filter(device_id__in=device_ids).exists():
        _refuse(
            NON_FIELD_ERRORS,
            f"Some devices of {document_label(po, capital=False)} are on invoices.",
        )
    po.lines.all().delete()
    Device.objects.filter(pk__in=device_ids).delete()
    po.delete()


@transaction.atomic
def close_purchase_order(*, purchase_order) -> PurchaseOrder:
    """Close a received PO: nothing more is expected from the vendor on it."""
    po = _lock(purchase_order)
    _require_status(po, PurchaseOrder.Status.RECEIVED, action="be closed")
    po.status = PurchaseOrder.Status.CLOSED
    po.save(update_fields=["status", "updated_at"])
    _copy_onto(purchase_order, po)
    return po


@transaction.atomic
def void_purchase_order(*, purchase_order) -> PurchaseOrder:
    """Void a draft or received PO; its devices go back to the vendor (status returned).

    Refused while any of its devices is on an invoice that is not void: those were sold.
    """
    po = _lock(purchase_order)
    _require_status(
        po, PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.RECEIVED, action="be voided"
    )
    device_ids = list(po.lines.values_list("device_id", flat=True))
    busy = (
        Device.objects.filter(pk__in=device_ids)
        .filter(status__in=[Device.Status.COMMITTED, Device.Status.SOLD])
        .order_by("identifier")
    )
    if busy.exists():
        names = ", ".join(d.identifier for d in busy[:5]) + (
            " and more" if busy.count() > 5 else ""
        )
        _refuse(
            NON_FIELD_ERRORS,
            f"{document_label(po)} cannot be voided: some of its devices are on invoices ({names}).",
        )
    Device.objects.filter(pk__in=device_ids).update(
        status=Device.Status.RETURNED, updated_at=timezone.now()
    )
    po.status = PurchaseOrder.Status.VOID
    po.save(update_fields=["status", "updated_at"])
    _copy_onto(purchase_order, po)
    signals.document_event.send(
        sender=PurchaseOrder, company=po.company, kind="purchase_order", document=po, event="voided"
    )
    return po


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------


def _require_customer(company, customer) -> Partner:
    if not isinstance(customer, Partner) or customer.company_id != company.id:
        _refuse("customer", "Choose a customer of this company.")
    if not customer.is_customer:
        _refuse("customer", f"{customer.name} is not a customer: mark it as a customer first.")
    return customer


def _check_due_date(date, due_date) -> None:
    if due_date is not None and date is not None and due_date < date:
        _refuse(
            "due_date",
            f"The due date {due_date:%Y-%m-%d} is before the invoice date {date:%Y-%m-%d}.",
        )


@transaction.atomic
def create_invoice(
    *, company, customer, number=None, date=None, due_date=None, notes=""
) -> Invoice:
    """Start a draft invoice; the due date follows the customer's payment terms unless given."""
    errors: dict[str, list[str]] = {}
    _collect(errors, _require_customer, company, customer)
    date = _collect(
        errors, _parse_date, date, field="date", label="The date", default=timezone.localdate()
    )
    due_date = _collect(errors, _parse_date, due_date, field="due_date", label="The due date")
    number = _collect(
        errors, _typed_number, company=company, kind=NumberSequence.Kind.INVOICE, number=number
    )
    if errors:
        raise ValidationError(errors)
    if due_date is None:
        due_date = date + datetime.timedelta(days=customer.payment_terms_days)
    _check_due_date(date, due_date)
    number = number or next_document_number(company=company, kind=NumberSequence.Kind.INVOICE)
    return Invoice.objects.create(
        company=company,
        customer=customer,
        number=number,
        date=date,
        due_date=due_date,
        notes=(notes or "").strip(),
    )


@transaction.atomic
def update_invoice(*, invoice, **fields) -> Invoice:
    """Edit a draft invoice's customer, number, date, due date or notes.

    When the date or customer changes and no due date is given, a due date that followed the
    old terms is moved to follow the new ones.
    """
    _check_fields(fields, {"customer", "number", "date", "due_date", "notes"}, "update_invoice")
    inv = _lock(invoice)
    _require_status(inv, Invoice.Status.DRAFT, action="be edited")
    followed_terms = inv.due_date == inv.date + datetime.timedelta(
        days=inv.customer.payment_terms_days
    )
    errors: dict[str, list[str]] = {}
    if "customer" in fields and _collect(
        errors, _require_customer, inv.company, fields["customer"]
    ):
        inv.customer = fields["customer"]
    if "number" in fields:
        number = _collect(
            errors,
            _typed_number,
            company=inv.company,
            kind=NumberSequence.Kind.INVOICE,
            number=fields["number"],
            exclude_pk=inv.pk,
        )
        if number:
            inv.number = number
    if "date" in fields:
        inv.date = (
            _collect(
                errors,
                _parse_date,
                fields["date"],
                field="date",
                label="The date",
                default=inv.date,
            )
            or inv.date
        )
    if "due_date" in fields and fields["due_date"] not in (None, ""):
        inv.due_date = (
            _collect(
                errors, _parse_date, fields["due_date"], field="due_date", label="The due date"
            )
            or inv.due_date
        )
    elif followed_terms or inv.due_date is None:
        inv.due_date = inv.date + datetime.timedelta(days=inv.customer.payment_terms_days)
    if "notes" in fields:
        inv.notes = (fields["notes"] or "").strip()
    if not errors:
        _collect(errors, _check_due_date, inv.date, inv.due_date)
    if errors:
        raise ValidationError(errors)
    inv.save()
    _copy_onto(invoice, inv)
    return inv


def _not_held(company, raw: str, identifier: str) -> str:
    """Why no device can be sold under this identifier: unknown, or no longer held."""
    last = Device.objects.filter(company=company, identifier=identifier).order_by("-pk").first()
    if last is None:
        return f"{raw}: no device with this IMEI or serial in this company."
    return f"{identifier} is not in stock: it is {_holder_description(last)}."


def _holder_description(device: Device) -> str:
    """Where a device is now: "reserved on draft invoice INV-1002", "sold on …", "incoming on …"."""
    status = device.get_status_display().lower()
    if device.status == Device.Status.INCOMING:
        line = PurchaseOrderLine.objects.filter(device=device).select_related("purchase_order")
        po = line.first().purchase_order if line.exists() else None
        if po is not None:
            return f"incoming on purchase order {po.number}, not received yet: receive it first"
    line = (
        InvoiceLine.objects.filter(device=device)
        .exclude(invoice__status=Invoice.Status.VOID)
        .select_related("invoice")
        .first()
    )
    if line is None:
        return status
    draft = "draft " if line.invoice.status == Invoice.Status.DRAFT else ""
    return f"{status} on {draft}invoice {line.invoice.number}"


def normalise_identifier_list(identifiers) -> list[str]:
    """Split pasted/scanned text into identifiers: one per line, comma or whitespace."""
    if isinstance(identifiers, str):
        identifiers = identifiers.replace(",", "\n").splitlines()
    return [str(i).strip() for i in identifiers if str(i).strip()]


@transaction.atomic
def add_devices_to_invoice(
    *, invoice, identifiers: list[str], unit_price=None
) -> list[InvoiceLine]:
    """Put devices on a draft invoice by IMEI/serial; all of them, or none with every reason.

    Each device must be in stock; it becomes committed (reserved) until the invoice is opened
    (sold) or it is taken off / the invoice voided (back in stock).
    """
    inv = _lock(invoice)
    _require_status(inv, *LINES_EDITABLE, action="take new devices")
    price = parse_money(unit_price, field="unit_price", label="The unit price", required=False)
    wanted = normalise_identifier_list(identifiers)
    if not wanted:
        _refuse("identifiers", "Give at least one IMEI or serial number.")
    devices, problems = _devices_for_invoice(inv, wanted, price)
    if problems:
        raise ValidationError({"identifiers": problems})
    lines = InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(invoice=inv, device=d, unit_price=price if price is not None else d.price)
            for d in devices
        ]
    )
    Device.objects.filter(pk__in=[d.pk for d in devices]).update(
        status=Device.Status.COMMITTED
        if inv.status == Invoice.Status.DRAFT
        else Device.Status.SOLD,
        updated_at=timezone.now(),
    )
    _recalculate_edited(inv)
    _copy_onto(invoice, inv)
    if inv.status != Invoice.Status.DRAFT:
        signals.devices_sold.send(
            sender=Invoice, company=inv.company, invoice=inv, device_ids=[d.pk for d in devices]
        )
    return lines


# An open invoice's lines can still change until it is paid in full (a price agreed late, a device
# swapped); its total may never drop below what has been paid.
LINES_EDITABLE = (Invoice.Status.DRAFT, Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID)


def _recalculate_edited(inv) -> None:
    recalculate_invoice(invoice=inv)
    settled = inv.amount_paid + inv.amount_credited
    if inv.status != Invoice.Status.DRAFT and inv.total < settled:
        _refuse(
            NON_FIELD_ERRORS,
            f"{document_label(inv)} would total {format_money(inv.total, inv.company.currency)}, "
            f"less than the {format_money(settled, inv.company.currency)} already paid or "
            "credited: delete or change a payment first.",
        )
    Invoice.objects.filter(pk=inv.pk).update(updated_at=timezone.now())


def _devices_for_invoice(invoice, wanted: list[str], price) -> tuple[list[Device], list[str]]:
    """Find each identifier's device and every reason one cannot go on the invoice."""
    problems, normalised, first_seen = [], [], {}
    for raw in wanted:
        try:
            normalised.append((raw, parse_identifier(raw)[0], ""))
        except ValidationError as exc:  # a mistyped IMEI: say what is wrong with it
            normalised.append((raw, raw, exc.message_dict["identifier"][0]))
    found = {
        d.identifier: d
        for d in current_devices(invoice.company).filter(
            identifier__in=[n for _, n, bad in normalised if not bad]
        )
    }
    devices = []
    for raw, ident, bad in normalised:
        device = found.get(ident)
        if bad:
            problems.append(f"{bad.rstrip('.')}. Check it for a mistyped digit, or scan it again.")
            continue
        if ident in first_seen:
            problems.append(f"{ident} is listed twice.")
            continue
        first_seen[ident] = raw
        if device is None:
            problems.append(_not_held(invoice.company, raw, ident))
        elif (
            device.status == Device.Status.COMMITTED
            and device.invoice_lines.filter(invoice=invoice).exists()
        ):
            problems.append(f"{ident} is already on this invoice.")
        elif device.status != Device.Status.IN_STOCK:
            problems.append(f"{ident} is not in stock: it is {_holder_description(device)}.")
        elif price is None and device.price is None:
            problems.append(f"{ident} has no price: give a unit price.")
        else:
            devices.append(device)
    return devices, problems


@transaction.atomic
def set_invoice_line_price(*, line, unit_price) -> InvoiceLine:
    """Change what one device sells for on an invoice that is not paid in full yet."""
    inv = _lock(line.invoice)
    _require_status(inv, *LINES_EDITABLE, action="change prices")
    line.unit_price = parse_money(unit_price, field="unit_price", label="The unit price")
    line.save(update_fields=["unit_price"])
    _recalculate_edited(inv)
    _copy_onto(line.invoice, inv)
    return line


@transaction.atomic
def remove_invoice_line(*, line) -> None:
    """Take a device off an invoice that is not paid in full yet; it goes back in stock."""
    inv = _lock(line.invoice)
    _require_status(inv, *LINES_EDITABLE, action="lose devices")
    if line.return_lines.exclude(customer_return__status=CustomerReturn.Status.VOID).exists():
        _refuse(
            NON_FIELD_ERRORS,
            f"{line.device.identifier} is on a return: it cannot also be taken off the invoice.",
        )
    if inv.status != Invoice.Status.DRAFT and inv.lines.count() == 1:
        _refuse(
            NON_FIELD_ERRORS,
            f"This is the last device on {document_label(inv, capital=False)}: void it instead.",
        )
    Device.objects.filter(pk=line.device_id).update(
        status=Device.Status.IN_STOCK, updated_at=timezone.now()
    )
    line.delete()
    _recalculate_edited(inv)
    _copy_onto(line.invoice, inv)


@transaction.atomic
def open_invoice(*, invoice) -> Invoice:
    """Send a draft invoice: its devices are sold and it starts owing money."""
    inv = _lock(invoice)
    _require_status(inv, Invoice.Status.DRAFT, action="be opened")
    if not inv.lines.exists():
        _refuse(
            NON_FIELD_ERRORS,
            f"{document_label(inv)} has no devices: add at least one before opening it.",
        )
    sold = list(Device.objects.filter(invoice_lines__invoice=inv).values_list("pk", flat=True))
    Device.objects.filter(pk__in=sold).update(status=Device.Status.SOLD, updated_at=timezone.now())
    inv.status = Invoice.Status.OPEN
    inv.opened_at = timezone.now()
    inv.save(update_fields=["status", "opened_at", "updated_at"])
    recalculate_invoice(invoice=inv)
    _copy_onto(invoice, inv)
    signals.document_event.send(
        sender=Invoice, company=inv.company, kind="invoice", document=inv, event="opened"
    )
    signals.devices_sold.send(sender=Invoice, company=inv.company, invoice=inv, device_ids=sold)
    return inv


@transaction.atomic
def delete_draft_invoice(*, invoice) -> None:
    """An invoice that never left draft can go; its devices go back in stock."""
    inv = _lock(invoice)
    _require_status(inv, Invoice.Status.DRAFT, action="be deleted")
    Device.objects.filter(
        pk__in=inv.lines.values("device_id"), status=Device.Status.COMMITTED
    ).update(status=Device.Status.IN_STOCK, updated_at=timezone.now())
    inv.lines.all().delete()
    inv.delete()


@transaction.atomic
def void_invoice(*, invoice) -> Invoice:
    """Cancel an invoice that has no payments; its devices go back in stock.

    An invoice with payments is refused rather than silently leaving money on a void document:
    the payments are deleted first, deliberately.
    """
    inv = _lock(invoice)
    _require_status(
        inv,
        Invoice.Status.DRAFT,
        Invoice.Status.OPEN,
        Invoice.Status.PARTIALLY_PAID,
        Invoice.Status.PAID,
        action="be voided",
    )
    returns = list(
        inv.returns.filter(status=CustomerReturn.Status.COMPLETED).values_list("number", flat=True)
    )
    if returns:
        _refuse(
            NON_FIELD_ERRORS,
            f"{document_label(inv)} has devices returned on {', '.join(returns)}: an invoice with "
            "returns is kept for the record.",
        )
    count = inv.payments.count()
    if count:
        noun = "a payment" if count == 1 else f"{count} payments"
        _refuse(NON_FIELD_ERRORS, f"{document_label(inv)} has {noun}: delete its payments first.")
    Device.objects.filter(pk__in=inv.lines.values("device_id")).update(
        status=Device.Status.IN_STOCK, updated_at=timezone.now()
    )
    inv.status = Invoice.Status.VOID
    inv.voided_at = timezone.now()
    inv.save(update_fields=["status", "voided_at", "updated_at"])
    recalculate_invoice(invoice=inv)
    _copy_onto(invoice, inv)
    signals.document_event.send(
        sender=Invoice, company=inv.company, kind="invoice", document=inv, event="voided"
    )
    return inv


# --------------------------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------------------------


@transaction.atomic
def record_payment(
    *,
    invoice,
    amount,
    date=None,
    method=Payment.Method.WIRE,
    reference="",
    source=Payment.MANUAL,
    external_id="",
) -> Payment:
    """Record money received against an open invoice; refuse more than the balance due.

    ``source``/``external_id`` are for an integration bringing in a payment made on its side.
    """
    inv = _lock(invoice)
    _require_status(inv, Invoice.Status.OPEN, Invoice.Status.PARTIALLY_PAID, action="take payments")
    errors: dict[str, list[str]] = {}
    amount = _collect(errors, parse_money, amount, field="amount", label="The amount")
    if amount is not None and amount <= 0:
        errors.setdefault("amount", []).append("A payment must be more than zero.")
    elif amount is not None and amount > inv.balance_due:
        errors.setdefault("amount", []).append(
            f"This payment of {format_money(amount, inv.company.currency)} is more than the "
            f"balance due of {format_money(inv.balance_due, inv.company.currency)}."
        )
    date = _collect(
        errors, _parse_date, date, field="date", label="The date", default=timezone.localdate()
    )
    if method not in Payment.Method.values:
        errors.setdefault("method", []).append(
            f"Method must be one of {', '.join(Payment.Method.values)}."
        )
    source_name = _payment_source_name(source)
    if source_name is None:
        known = ", ".join([Payment.MANUAL, *(i.key for i in integrations.all())])
        errors.setdefault("source", []).append(f"Source must be one of {known}.")
    reference = _collect(
        errors, _clean_text, reference, field="reference", label="The reference", max_length=100
    )
    external_id = (external_id or "").strip()
    if external_id and inv.payments.filter(source=source, external_id=external_id).exists():
        errors.setdefault("external_id", []).append(
            f"{source_name} payment {external_id} is already recorded on {document_label(inv)}."
        )
    if errors:
        raise ValidationError(errors)
    payment = Payment.objects.create(
        company=inv.company,
        invoice=inv,
        amount=amount,
        date=date,
        method=method,
        reference=reference or "",
        source=source,
        external_id=external_id,
    )
    recalculate_invoice(invoice=inv)
    _copy_onto(invoice, inv)
    signals.payment_recorded.send(sender=Payment, company=inv.company, invoice=inv, payment=payment)
    return payment


def _payment_source_name(source: str) -> str | None:
    """What people call a payment's source, or None for a source nobody registered."""
    if source == Payment.MANUAL:
        return "Cellbooks"
    integration = integrations.get(source)
    return integration.name if integration else None


@transaction.atomic
def delete_payment(*, payment, on_behalf_of: str = Payment.MANUAL) -> None:
    """Remove a payment recorded by mistake; the balance reopens.

    A payment an integration brought in belongs to that system: only the integration removes it
    (``on_behalf_of`` its key, when it was deleted or changed there); a person changes it there.
    """
    if payment.is_external and on_behalf_of != payment.source:
        name = _payment_source_name(payment.source) or payment.source
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"This payment came from {name}: change or delete it in {name}, "
                "and Cellbooks follows."
            }
        )
    inv = _lock(payment.invoice)
    deleted_id = payment.pk
    payment.delete()
    payment.pk = deleted_id  # receivers of payment_deleted need to know which one it was
    recalculate_invoice(invoice=inv)
    _copy_onto(payment.invoice, inv)
    signals.payment_deleted.send(sender=Payment, company=inv.company, invoice=inv, payment=payment)


@transaction.atomic
def recalculate_invoice(*, invoice) -> Invoice:
    """Make total, amount paid and status equal to the truth in the lines and payments.

    Draft and void invoices keep their status; an issued invoice is open, partially paid or
    paid by what has been received (a $0 invoice is paid, as in QuickBooks).
    """
    # Summed in Python, not SQL: SQLite adds decimals as floats.
    invoice.total = money_sum(
        InvoiceLine.objects.filter(invoice=invoice).values_list("unit_price", flat=True)
    )
    invoice.amount_paid = money_sum(
        Payment.objects.filter(invoice=invoice).values_list("amount", flat=True)
    )
    invoice.amount_credited = money_sum(
        CustomerReturn.objects.filter(
            invoice=invoice,
            status=CustomerReturn.Status.COMPLETED,
            credit=CustomerReturn.Credit.APPLY,
        ).values_list("total", flat=True)
    )
    settled = invoice.amount_paid + invoice.amount_credited
    previous = invoice.status
    if invoice.status not in (Invoice.Status.DRAFT, Invoice.Status.VOID):
        if settled >= invoice.total:
            invoice.status = Invoice.Status.PAID
        elif settled > 0:
            invoice.status = Invoice.Status.PARTIALLY_PAID
        else:
            invoice.status = Invoice.Status.OPEN
    Invoice.objects.filter(pk=invoice.pk).update(
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        amount_credited=invoice.amount_credited,
        status=invoice.status,
        updated_at=timezone.now(),
    )
    if invoice.status != previous:
        signals.invoice_status_changed.send(
            sender=Invoice, company=invoice.company, invoice=invoice, previous=previous
        )
    return invoice


# --------------------------------------------------------------------------------------------
# Asking prices (the price sheet)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def set_asking_price(*, company, product, condition, price) -> AskingPrice | None:
    """Set what the company asks for ``product`` in ``condition`` on its price sheet; an empty
    price removes it (the sheet then says "Ask us")."""
    errors: dict[str, list[str]] = {}
    if not isinstance(product, Product) or product.company_id != company.id:
        errors.setdefault("product", []).append("Choose a product of this company.")
    condition = _collect(errors, _resolve_condition, company, condition)
    amount = _collect(
        errors, parse_money, price, field="price", label="The asking price", required=False
    )
    if errors:
        raise ValidationError(errors)
    if amount is None:
        AskingPrice.objects.filter(company=company, product=product, condition=condition).delete()
        return None
    asking, _ = AskingPrice.objects.update_or_create(
        company=company, product=product, condition=condition, defaults={"price": amount}
    )
    return asking
