"""CompanyCurrency and ExchangeRate: the currencies a multicurrency company uses and their
rates to the home currency. Rates are stored and answered; amounts are not converted."""

from __future__ import annotations

from datetime import date

from .. import errors
from ..jsonutil import to_decimal
from .base import EntityType, Realm
from .names import CURRENCY_NAMES
from .txn import parse_date

# ISO 4217 codes the emulator knows by name (others are accepted with the code as the name).
MORE_CURRENCY_NAMES = {
    "JPY": "Japanese Yen",
    "CHF": "Swiss Franc",
    "MXN": "Mexican Peso",
    "NZD": "New Zealand Dollar",
    "CNY": "Chinese Yuan Renminbi",
    "HKD": "Hong Kong Dollar",
    "SGD": "Singapore Dollar",
    "SEK": "Swedish Krona",
    "DKK": "Danish Krone",
    "NOK": "Norwegian Krone",
    "ZAR": "South African Rand",
    "BRL": "Brazilian Real",
}
ALL_NAMES = {**CURRENCY_NAMES, **MORE_CURRENCY_NAMES}


def require_multicurrency(realm: Realm) -> None:
    if not realm.preferences.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled"):
        # [U] the exact fault for a company without multicurrency (docs/emulator.md).
        raise errors.business_validation(
            "Multicurrency is not turned on for this company.", "CurrencyPrefs"
        )


class CompanyCurrencyType(EntityType):
    """A currency the company uses besides its home currency; deactivated, never deleted."""

    name = "CompanyCurrency"
    has_active = True
    required = ("Code",)
    computed = ("Name",)
    ref_name_field = "Name"

    def normalize(self, realm: Realm, record: dict, old: dict | None) -> None:
        super().normalize(realm, record, old)
        if record.get("Code"):
            record["Code"] = str(record["Code"]).strip().upper()
            record["Name"] = ALL_NAMES.get(record["Code"], record["Code"])

    def validate(self, realm: Realm, record: dict, old: dict | None) -> None:
        require_multicurrency(realm)
        super().validate(realm, record, old)
        code = record["Code"]
        if len(code) != 3 or not code.isalpha():
            raise errors.invalid_enum("Code", code)
        if old is not None and old.get("Code") != code:
            raise errors.business_validation("A currency's Code can't be changed.", "Code")
        if code == realm.meta.get("home_currency", "USD"):
            raise errors.business_validation(
                "The home currency is already a currency of this company.", "Code"
            )
        for other in realm.table(self.name).values():
            if other["Code"] == code and other["Id"] != record.get("Id"):
                raise errors.duplicate_name("currency", "Code")


class ExchangeRateType(EntityType):
    """Keyed by SourceCurrencyCode and AsOfDate (no Id): ``GET /exchangerate?sourcecurrencycode=
    EUR&asofdate=2026-01-31`` reads one, ``POST /exchangerate`` sets one. Read through the
    store's ``get_exchange_rate`` / ``set_exchange_rate``."""

    name = "ExchangeRate"
    kind = "keyed"
    creatable = False
    in_cdc = False
    presents = True

    def present(self, realm: Realm, record: dict) -> dict:
        record.pop("Id", None)
        return record


def rate_key(source: str, as_of: str) -> str:
    return f"{source}:{as_of}"


def clean_rate(realm: Realm, payload: dict) -> tuple[str, dict]:
    """The key and the stored body of an exchange rate a client sets."""
    require_multicurrency(realm)
    source = str(payload.get("SourceCurrencyCode") or "").strip().upper()
    if not source:
        raise errors.required_param("SourceCurrencyCode")
    rate = to_decimal(payload.get("Rate"))
    if rate is None:
        raise errors.required_param("Rate")
    if rate <= 0:
        raise errors.business_validation("Rate must be more than 0.", "Rate")
    as_of = parse_date(payload.get("AsOfDate") or realm.today(), "AsOfDate")
    target = str(payload.get("TargetCurrencyCode") or realm.meta.get("home_currency", "USD"))
    return rate_key(source, as_of), {
        "SourceCurrencyCode": source,
        "TargetCurrencyCode": target.upper(),
        "Rate": rate,
        "AsOfDate": as_of,
    }


def find_rate(realm: Realm, source: str, as_of: str | None) -> dict | None:
    """The rate for ``source`` on ``as_of`` (today by default), or the latest before it."""
    source = source.strip().upper()
    when = parse_date(as_of or realm.today(), "asofdate")
    candidates = [
        r
        for r in realm.table("ExchangeRate").values()
        if r["SourceCurrencyCode"] == source and r["AsOfDate"] <= when
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: date.fromisoformat(r["AsOfDate"]))
