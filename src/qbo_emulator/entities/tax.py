"""Sales tax in a simple US model: TaxAgency, TaxRate, TaxCode, the TaxService endpoint that
makes codes and rates, and the tax a sales form owes.

A TaxCode groups rates (``SalesTaxRateList.TaxRateDetail[].TaxRateRef``); each TaxRate has a
``RateValue`` (a percentage) and the agency it is owed to. A sales form whose
``TxnTaxDetail.TxnTaxCodeRef`` names a code owes, per rate, ``RateValue`` % of its taxable lines
(item lines whose ``TaxCodeRef`` is ``TAX`` or another taxable code), rounded half up to the
cent; ``TxnTaxDetail`` then lists one ``TaxLine`` per rate and ``TotalTax``. Without a
``TxnTaxCodeRef`` the client's ``TotalTax`` (or 0) is kept, as before.
"""

from __future__ import annotations

from decimal import Decimal

from .. import errors
from ..clock import meta_time
from ..jsonutil import to_decimal
from .base import EntityType, Realm, money

# The US pseudo-codes lines use: taxable or not.
TAXABLE_PSEUDO = "TAX"
NON_TAXABLE_PSEUDO = "NON"


class TaxAgencyType(EntityType):
    """Create, read and query (QBO has no update or delete for tax agencies)."""

    name = "TaxAgency"
    updatable = False
    required = ("DisplayName",)
    lengths = {"DisplayName": 100}
    unique_name = ("DisplayName", "tax agency")
    ref_name_field = "DisplayName"
    in_cdc = False

    def defaults(self, realm: Realm, record: dict) -> None:
        record.setdefault("TaxTrackedOnSales", True)
        record.setdefault("TaxTrackedOnPurchases", False)


class TaxRateType(EntityType):
    """Read-only through the API: rates are made with TaxService."""

    name = "TaxRate"
    kind = "readonly"
    creatable = False
    updatable = False
    has_active = True
    in_cdc = False


class TaxCodeType(EntityType):
    """Read-only through the API: tax codes are made with TaxService."""

    name = "TaxCode"
    kind = "readonly"
    creatable = False
    updatable = False
    has_active = True
    in_cdc = False


def code_rates(realm: Realm, code_id: str) -> list[dict]:
    """The active sales tax rates a tax code groups, in their order."""
    code = realm.find("TaxCode", code_id) or {}
    rates = []
    for detail in (code.get("SalesTaxRateList") or {}).get("TaxRateDetail", []):
        rate = realm.find("TaxRate", (detail.get("TaxRateRef") or {}).get("value"))
        if rate is not None and rate.get("Active", True):
            rates.append(rate)
    return rates


def line_is_taxable(realm: Realm, line: dict) -> bool:
    detail = line.get("SalesItemLineDetail") or {}
    code_id = (detail.get("TaxCodeRef") or {}).get("value")
    if code_id in (None, NON_TAXABLE_PSEUDO):
        return False
    if code_id == TAXABLE_PSEUDO:
        return True
    code = realm.find("TaxCode", code_id) or {}
    return bool(code.get("Taxable"))


def compute_sales_tax(realm: Realm, record: dict, discount: Decimal) -> Decimal | None:
    """Fill ``TxnTaxDetail`` from its TxnTaxCodeRef; None when the form names no code."""
    tax_detail = record.get("TxnTaxDetail") or {}
    code_id = (tax_detail.get("TxnTaxCodeRef") or {}).get("value")
    if not code_id:
        return None
    base = sum(
        (
            to_decimal(line.get("Amount")) or Decimal(0)
            for line in record.get("Line", [])
            if line.get("DetailType") == "SalesItemLineDetail" and line_is_taxable(realm, line)
        ),
        Decimal(0),
    )
    if record.get("ApplyTaxAfterDiscount") and discount:
        subtotal = sum(
            (
                to_decimal(line.get("Amount")) or Decimal(0)
                for line in record.get("Line", [])
                if line.get("DetailType") == "SalesItemLineDetail"
            ),
            Decimal(0),
        )
        if subtotal:
            base -= discount * base / subtotal
    base = money(base)
    lines, total = [], Decimal(0)
    for rate in code_rates(realm, code_id):
        percent = to_decimal(rate.get("RateValue")) or Decimal(0)
        amount = money(base * percent / 100)
        total += amount
        lines.append(
            {
                "Amount": amount,
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate["Id"], "name": rate.get("Name")},
                    "PercentBased": True,
                    "TaxPercent": percent,
                    "NetAmountTaxable": base,
                },
            }
        )
    record["TxnTaxDetail"] = {
        "TxnTaxCodeRef": tax_detail["TxnTaxCodeRef"],
        "TotalTax": money(total),
        "TaxLine": lines,
    }
    return money(total)


# --- POST /taxservice/taxcode ------------------------------------------------------------------


def create_tax_code(realm: Realm, body: dict, allocate_id, stamp) -> dict:
    """TaxService: a new tax code over existing rates (``TaxRateId``) and new ones
    (``TaxRateName``, ``RateValue``, ``TaxAgencyId``). Answers the bare TaxService object with
    ``TaxCodeId`` and each rate's ``TaxRateId``, as QBO does. ``stamp`` is the MetaData time."""
    name = str(body.get("TaxCode") or "").strip()
    if not name:
        raise errors.required_param("TaxCode")
    details = body.get("TaxRateDetails") or []
    if not isinstance(details, list) or not details:
        raise errors.required_param("TaxRateDetails")
    for other in realm.table("TaxCode").values():
        if str(other.get("Name", "")).casefold() == name.casefold():
            raise errors.duplicate_name("tax code", "TaxCode")
    new_rates: list[dict] = []
    rate_ids: list[str] = []
    answered: list[dict] = []
    for detail in details:
        if not isinstance(detail, dict):
            raise errors.required_param("TaxRateDetails")
        rate_id = detail.get("TaxRateId")
        if rate_id not in (None, "", 0, "0"):
            rate = realm.find("TaxRate", rate_id)
            if rate is None:
                raise errors.invalid_reference("TaxRateId")
            rate_ids.append(rate["Id"])
            answered.append(
                {
                    "TaxRateName": rate.get("Name"),
                    "TaxRateId": rate["Id"],
                    "RateValue": rate.get("RateValue"),
                    "TaxAgencyId": (rate.get("AgencyRef") or {}).get("value"),
                    "TaxApplicableOn": "Sales",
                }
            )
            continue
        rate_name = str(detail.get("TaxRateName") or "").strip()
        if not rate_name:
            raise errors.required_param("TaxRateDetails.TaxRateName")
        value = to_decimal(detail.get("RateValue"))
        if value is None:
            raise errors.required_param("TaxRateDetails.RateValue")
        if value < 0 or value > 100:
            raise errors.business_validation(
                "RateValue must be a percentage from 0 to 100.", "TaxRateDetails.RateValue"
            )
        agency = realm.find("TaxAgency", detail.get("TaxAgencyId"))
        if agency is None:
            raise errors.invalid_reference("TaxRateDetails.TaxAgencyId")
        taken = {str(r.get("Name", "")).casefold() for r in realm.table("TaxRate").values()}
        if rate_name.casefold() in taken | {r["Name"].casefold() for r in new_rates}:
            raise errors.duplicate_name("tax rate", "TaxRateDetails.TaxRateName")
        new_rates.append(
            {
                "Name": rate_name,
                "Description": rate_name,
                "Active": True,
                "RateValue": value,
                "AgencyRef": {"value": agency["Id"], "name": agency.get("DisplayName")},
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
                "EffectiveTaxRate": [{"RateValue": value, "EffectiveDate": "1970-01-01"}],
                "_agency": agency["Id"],
            }
        )
    # Everything checked: write.
    for rate in new_rates:
        agency_id = rate.pop("_agency")
        rate_id = allocate_id()
        realm.tables["TaxRate"][rate_id] = record_shell(rate_id, rate, stamp)
        rate_ids.append(rate_id)
        answered.append(
            {
                "TaxRateName": rate["Name"],
                "TaxRateId": rate_id,
                "RateValue": rate["RateValue"],
                "TaxAgencyId": agency_id,
                "TaxApplicableOn": "Sales",
            }
        )
    code_id = allocate_id()
    realm.tables["TaxCode"][code_id] = record_shell(
        code_id,
        {
            "Name": name,
            "Description": name,
            "Active": True,
            "Hidden": False,
            "Taxable": True,
            "TaxGroup": len(rate_ids) > 1,
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {
                        "TaxRateRef": {
                            "value": rid,
                            "name": realm.tables["TaxRate"][rid]["Name"],
                        },
                        "TaxTypeApplicable": "TaxOnAmount",
                        "TaxOrder": 0,
                    }
                    for rid in rate_ids
                ]
            },
            "PurchaseTaxRateList": {"TaxRateDetail": []},
        },
        stamp,
    )
    return {"TaxCode": name, "TaxCodeId": code_id, "TaxRateDetails": answered}


def record_shell(record_id: str, body: dict, stamp: str) -> dict:
    return {
        "Id": record_id,
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        **body,
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
    }


def stamp_now(realm: Realm) -> str:
    return meta_time(realm.now(), realm.tz)
