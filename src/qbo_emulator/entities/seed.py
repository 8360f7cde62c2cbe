"""What a fresh QBO company contains: its chart of accounts, terms, payment methods, tax
codes, CompanyInfo and Preferences (reflecting the plan, custom numbers and the PO switch)."""

from __future__ import annotations

from ..clock import meta_time
from .base import Realm
from .company import offering_sku
from .lists import ACCOUNT_CLASSIFICATION
from .names import realm_currency

# (Name, AccountType, AccountSubType) — the accounts a new US QBO company starts with.
CHART_OF_ACCOUNTS = [
    ("Checking", "Bank", "Checking"),
    ("Savings", "Bank", "Savings"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Prepaid Expenses", "Other Current Asset", "PrepaidExpenses"),
    ("Uncategorized Asset", "Other Current Asset", "OtherCurrentAssets"),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    ("Credit Card", "Credit Card", "CreditCard"),
    ("Sales Tax Payable", "Other Current Liability", "SalesTaxPayable"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("Owner's Investment", "Equity", "OwnersEquity"),
    ("Retained Earnings", "Equity", "RetainedEarnings"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Discounts given", "Income", "DiscountsRefundsGiven"),
    ("Uncategorized Income", "Income", "ServiceFeeIncome"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Shipping", "Cost of Goods Sold", "ShippingFreightDeliveryCos"),
    ("Advertising & Marketing", "Expense", "AdvertisingPromotional"),
    ("Bank Charges & Fees", "Expense", "BankCharges"),
    ("Office Supplies & Software", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ("Rent & Lease", "Expense", "RentOrLeaseOfBuildings"),
    ("Utilities", "Expense", "Utilities"),
    ("Uncategorized Expense", "Expense", "OtherMiscellaneousServiceCost"),
    ("Interest Earned", "Other Income", "InterestEarned"),
    ("Other Miscellaneous Expense", "Other Expense", "OtherMiscellaneousExpense"),
]
TERMS = [("Due on receipt", 0), ("Net 10", 10), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)]
PAYMENT_METHODS = [
    ("Cash", "NON_CREDIT_CARD"),
    ("Check", "NON_CREDIT_CARD"),
    ("American Express", "CREDIT_CARD"),
    ("Discover", "CREDIT_CARD"),
    ("MasterCard", "CREDIT_CARD"),
    ("Visa", "CREDIT_CARD"),
]
# US companies answer the pseudo tax codes TAX and NON.
TAX_CODES = [("TAX", "TAX", True), ("NON", "NON", False)]


def seed_company(realm: Realm) -> None:
    stamp = realm.now()
    when = meta_time(stamp, realm.tz)

    def put(entity: str, body: dict, entity_id: str | None = None) -> dict:
        record = {
            "Id": entity_id or realm.allocate_id(),
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            **body,
            "MetaData": {"CreateTime": when, "LastUpdatedTime": when},
        }
        realm.tables[entity][record["Id"]] = record
        return record

    currency = realm_currency(realm)
    for name, account_type, sub_type in CHART_OF_ACCOUNTS:
        put(
            "Account",
            {
                "Name": name,
                "SubAccount": False,
                "FullyQualifiedName": name,
                "Active": True,
                "Classification": ACCOUNT_CLASSIFICATION[account_type],
                "AccountType": account_type,
                "AccountSubType": sub_type,
                "CurrentBalance": 0,
                "CurrentBalanceWithSubAccounts": 0,
                "CurrencyRef": dict(currency),
            },
        )
    terms = {}
    for name, days in TERMS:
        terms[name] = put(
            "Term", {"Name": name, "Active": True, "Type": "STANDARD", "DueDays": days}
        )["Id"]
    for name, kind in PAYMENT_METHODS:
        put("PaymentMethod", {"Name": name, "Active": True, "Type": kind})
    for code, description, taxable in TAX_CODES:
        put(
            "TaxCode",
            {
                "Name": code,
                "Description": description,
                "Active": True,
                "Hidden": False,
                "Taxable": taxable,
                "TaxGroup": False,
                "SalesTaxRateList": {"TaxRateDetail": []},
                "PurchaseTaxRateList": {"TaxRateDetail": []},
            },
            entity_id=code,
        )
    meta = realm.meta
    put("CompanyInfo", company_info(realm, when), entity_id="1")
    put("Preferences", preferences(meta, currency, terms["Net 30"]), entity_id="1")


def company_info(realm: Realm, when: str) -> dict:
    meta = realm.meta
    address = {
        "Id": "1",
        "Line1": "123 Main Street",
        "City": "Mountain View",
        "Country": meta["country"],
        "CountrySubDivisionCode": "CA",
        "PostalCode": "94042",
    }
    return {
        "CompanyName": meta["name"],
        "LegalName": meta["name"],
        "CompanyAddr": dict(address),
        "CustomerCommunicationAddr": dict(address),
        "LegalAddr": dict(address),
        "PrimaryPhone": {"FreeFormNumber": "(650) 555-0100"},
        "CompanyStartDate": when[:10],
        "FiscalYearStartMonth": "January",
        "Country": meta["country"],
        "Email": {"Address": "noreply@quickbooks.com"},
        "WebAddr": {},
        "SupportedLanguages": "en",
        "DefaultTimeZone": str(realm.tz),
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Electronics"},
            {"Name": "SubscriptionStatus", "Value": "PAID"},
            {"Name": "OfferingSku", "Value": offering_sku(meta["plan"])},
            {"Name": "PayrollFeature", "Value": "false"},
            {"Name": "AccountantFeature", "Value": "false"},
            {"Name": "IsQbdtMigrated", "Value": "false"},
            {"Name": "IndustryCode", "Value": "443142"},
            {"Name": "QBOIndustryType", "Value": "Retail Trade"},
            {"Name": "CompanyType", "Value": "Other"},
            {"Name": "AssignedTime", "Value": when},
        ],
    }


def preferences(meta: dict, currency: dict, default_terms: str) -> dict:
    """Preferences in the full shape Intuit's sandbox answers (every group python-quickbooks and
    node-quickbooks model), reflecting the plan and the company's switches."""
    plus = meta["plan"] in ("plus", "advanced")
    custom = "true" if meta["custom_txn_numbers"] else "false"
    po_enabled = "true" if meta["purchase_orders_enabled"] and plus else "false"
    name = meta["name"]

    def message(kind: str) -> dict:
        return {
            "Subject": f"{kind} from {name}",
            "Message": (
                f"Dear [Name],\n\nPlease review the {kind.lower()} below.\n"
                "We appreciate your business.\n\nHave a great day!\n" + name
            ),
        }

    def custom_fields(prefix: str) -> list[dict]:
        return [
            {
                "CustomField": [
                    {
                        "Name": f"{prefix}.UseSalesCustom{n}",
                        "Type": "BooleanType",
                        "BooleanValue": False,
                    }
                    for n in (1, 2, 3)
                ]
            },
            {
                "CustomField": [
                    {
                        "Name": f"{prefix}.SalesCustomName{n}",
                        "Type": "StringType",
                        "StringValue": "",
                    }
                    for n in (1, 2, 3)
                ]
            },
        ]

    return {
        "AccountingInfoPrefs": {
            "FirstMonthOfFiscalYear": "January",
            "UseAccountNumbers": True,
            "TaxYearMonth": "January",
            "ClassTrackingPerTxn": False,
            "TrackDepartments": plus,
            "TaxForm": "6",
            "CustomerTerminology": "Customers",
            "BookCloseDate": "",
            "DepartmentTerminology": "Location",
            "ClassTrackingPerTxnLine": plus,
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityWithPriceAndRate": True,
            "QuantityOnHand": meta["plan"] != "simple_start",
            "RevenueRecognition": False,
            "RevenueRecognitionFrequency": "Daily",
        },
        "SalesFormsPrefs": {
            "CustomField": custom_fields("SalesFormsPrefs"),
            "CustomTxnNumbers": meta["custom_txn_numbers"],
            "AllowDeposit": False,
            "AllowDiscount": True,
            "DefaultDiscountAccount": "16",
            "AllowEstimates": True,
            "EstimateMessage": (
                "Please review the estimate below.  Feel free to contact us if you have any "
                "questions.\nWe look forward to working with you."
            ),
            "ETransactionEnabledStatus": "NotApplicable",
            "ETransactionAttachPDF": False,
            "ETransactionPaymentEnabled": False,
            "IPNSupportEnabled": False,
            "AllowServiceDate": False,
            "AllowShipping": False,
            "DefaultShippingAccount": False,
            "DefaultTerms": {"value": default_terms},
            "DefaultCustomerMessage": "Thank you for your business and have a great day!",
            "EmailCopyToCompany": False,
            "AutoApplyCredit": True,
            "AutoApplyPayments": True,
            "PrintItemWithZeroAmount": True,
            "UsingPriceLevels": False,
            "UsingProgressInvoicing": False,
        },
        "EmailMessagesPrefs": {
            "InvoiceMessage": message("Invoice"),
            "EstimateMessage": message("Estimate"),
            "SalesReceiptMessage": message("Sales Receipt"),
            "StatementMessage": message("Statement"),
        },
        "VendorAndPurchasesPrefs": {
            "TrackingByCustomer": plus,
            "BillableExpenseTracking": plus,
            "TPAREnabled": False,
            "DefaultTerms": {"value": default_terms},
            "DefaultMarkup": 0,
            "POCustomField": [
                {
                    "CustomField": [
                        {
                            "Name": f"PurchasePrefs.UsePurchaseCustom{n}",
                            "Type": "BooleanType",
                            "BooleanValue": False,
                        }
                        for n in (1, 2, 3)
                    ]
                }
            ],
        },
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": True,
            "ShowBillRateToAll": False,
            "WorkWeekStartDate": "Monday",
            "MarkTimeEntriesBillable": True,
        },
        "TaxPrefs": {"UsingSalesTax": False, "PartnerTaxEnabled": True},
        "CurrencyPrefs": {
            "MultiCurrencyEnabled": meta["multicurrency"],
            "HomeCurrency": {"value": currency["value"]},
        },
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {
            "NameValue": [
                {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": ""},
                {"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"},
                {
                    "Name": "VendorAndPurchasesPrefs.BillableItemsOnPurchasesEnabled",
                    "Value": "false",
                },
                {"Name": "VendorAndPurchasesPrefs.UseCustomTxnNumbers", "Value": custom},
                {"Name": "VendorAndPurchasesPrefs.PurchaseOrderEnabled", "Value": po_enabled},
                {"Name": "DTXCopyMemo", "Value": "false"},
                {"Name": "UncategorizedAssetAccountId", "Value": "7"},
                {"Name": "UncategorizedIncomeAccountId", "Value": "17"},
                {"Name": "UncategorizedExpenseAccountId", "Value": "25"},
                {"Name": "MasAccountId", "Value": ""},
                {"Name": "SFCEnabled", "Value": "true"},
                {"Name": "DataPartner", "Value": "false"},
                {"Name": "Vendor1099Enabled", "Value": "true"},
                {"Name": "TimeTrackingFeatureEnabled", "Value": "true"},
                {"Name": "WorkWeekStartDate", "Value": "Monday"},
            ]
        },
    }
