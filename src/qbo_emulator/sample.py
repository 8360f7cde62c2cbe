"""A company like Intuit's US sandbox ("Craig's Design and Landscaping Services"): its extra
accounts, customers, vendors, employees, products and services, tax agencies, rates and codes,
classes, locations, customer types, a budget, and a few months of invoices, bills, payments and
other transactions dated relative to today.

Everything but the read-only lists (customer types, budgets) is written through the store's
public methods, so every rule, computed field and balance is the emulator's own.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .clock import meta_time

EXTRA_ACCOUNTS = [
    # (Name, AccountType, AccountSubType)
    ("Landscaping Services", "Income", "ServiceFeeIncome"),
    ("Design income", "Income", "ServiceFeeIncome"),
    ("Pest Control Services", "Income", "ServiceFeeIncome"),
    ("Refunds-Allowances", "Income", "DiscountsRefundsGiven"),
    ("Automobile", "Expense", "Auto"),
    ("Insurance", "Expense", "Insurance"),
    ("Job Expenses", "Expense", "SuppliesMaterials"),
    ("Legal & Professional Fees", "Expense", "LegalProfessionalFees"),
    ("Meals and Entertainment", "Expense", "EntertainmentMeals"),
    ("Maintenance and Repair", "Expense", "RepairMaintenance"),
    ("Mastercard", "Credit Card", "CreditCard"),
    ("Visa", "Credit Card", "CreditCard"),
    ("Loan Payable", "Other Current Liability", "OtherCurrentLiabilities"),
    ("Notes Payable", "Long Term Liability", "NotesPayable"),
    ("Truck", "Fixed Asset", "Vehicles"),
]
SUB_ACCOUNTS = [("Fuel", "Expense", "Auto", "Automobile")]
CUSTOMERS = [
    ("Amy's Bird Sanctuary", "Amy", "Lauterbach", "Birds@Intuit.com", "4581 Finch St.", "Bayshore"),
    (
        "Bill's Windsurf Shop",
        "Bill",
        "Lucchini",
        "Surf@Intuit.com",
        "12 Ocean Dr.",
        "Half Moon Bay",
    ),
    ("Cool Cars", "Grace", "Pariente", "Cool_Cars@intuit.com", "65 Ocean Dr.", "Half Moon Bay"),
    ("Diego Rodriguez", "Diego", "Rodriguez", "Diego@Rodriguez.com", "321 Channing", "Palo Alto"),
    ("Dukes Basketball Camp", "Peter", "Dukes", "Dukes_bball@intuit.com", "25 Court St.", "Tucson"),
    ("Dylan Sollfrank", "Dylan", "Sollfrank", "", "", ""),
    (
        "Freeman Sporting Goods",
        "Sasha",
        "Tillou",
        "Sporting_goods@intuit.com",
        "370 Easy St.",
        "Middlefield",
    ),
    (
        "Geeta Kalapatapu",
        "Geeta",
        "Kalapatapu",
        "Geeta@Kalapatapu.com",
        "1987 Main St.",
        "Middlefield",
    ),
    ("Jeff's Jalopies", "Jeff", "Chin", "Jalopies@intuit.com", "12 Willow Rd.", "Menlo Park"),
    ("John Melton", "John", "Melton", "John@Melton.com", "85 Pine St.", "Menlo Park"),
    (
        "Kookies by Kathy",
        "Kathy",
        "Kuplis",
        "qbwebsamplecompany@yahoo.com",
        "789 Sugar Lane",
        "Middlefield",
    ),
    ("Mark Cho", "Mark", "Cho", "Mark@Cho.com", "36 Willow Rd", "Menlo Park"),
    (
        "Paulsen Medical Supplies",
        "Kathy",
        "Paulsen",
        "Medical@intuit.com",
        "900 Main St.",
        "Middlefield",
    ),
    (
        "Red Rock Diner",
        "Stephanie",
        "Martini",
        "qbwebsamplecompany@yahoo.com",
        "500 Red Rock Rd.",
        "Bayshore",
    ),
    ("Sushi by Katsuyuki", "Katsuyuki", "Yanagawa", "Sushi@intuit.com", "898 Elm St.", "Maplewood"),
    ("Travis Waldron", "Travis", "Waldron", "Travis@Waldron.com", "78 First St.", "Monlo Park"),
    (
        "Video Games by Dan",
        "Dan",
        "Miller",
        "Videogames@intuit.com",
        "1525 Willow Rd.",
        "Menlo Park",
    ),
    (
        "Weiskopf Consulting",
        "Nicole",
        "Weiskopf",
        "Consulting@intuit.com",
        "45612 Main St.",
        "Bayshore",
    ),
]
VENDORS = [
    ("Bob's Burger Joint", ""),
    ("Books by Bessie", "Books@Intuit.com"),
    ("Brosnahan Insurance Agency", ""),
    ("Cal Telephone", ""),
    ("Chin's Gas and Oil", ""),
    ("Computers by Jenni", "Msfixit@Intuit.com"),
    ("Diego's Road Warrior Bodyshop", ""),
    ("Ellis Equipment Rental", "Rental@intuit.com"),
    ("Hicks Hardware", ""),
    ("Lee Advertising", ""),
    ("Norton Lumber and Building Materials", "Materials@intuit.com"),
    ("PG&E", "utilities@noemail.com"),
    ("Robertson & Associates", ""),
    ("Tania's Nursery", "plantqueen@taniasnursery.com"),
]
EMPLOYEES = [("Emily", "Platt"), ("John", "Johnson")]
# (Name, Type, income account, UnitPrice, PurchaseCost, Taxable)
ITEMS = [
    ("Design", "Service", "Design income", "75", "0", False),
    ("Gardening", "Service", "Landscaping Services", "0", "0", False),
    ("Hours", "Service", "Services", "0", "0", False),
    ("Installation", "Service", "Landscaping Services", "50", "0", False),
    ("Lighting", "Service", "Landscaping Services", "0", "0", True),
    ("Maintenance & Repair", "Service", "Landscaping Services", "0", "0", False),
    ("Pest Control", "Service", "Pest Control Services", "35", "0", False),
    ("Trimming", "Service", "Landscaping Services", "35", "0", False),
    ("Refunds & Allowances", "NonInventory", "Refunds-Allowances", "0", "0", False),
    ("Rock Fountain", "NonInventory", "Sales of Product Income", "275", "125", True),
    ("Sprinkler Heads", "NonInventory", "Sales of Product Income", "2", "0.75", True),
    ("Sprinkler Pipes", "NonInventory", "Sales of Product Income", "4", "2.5", True),
    ("Soil", "NonInventory", "Sales of Product Income", "10", "6.5", True),
]
TAX_AGENCIES = ["Arizona Dept. of Revenue", "Board of Equalization"]
CLASSES = ["Landscaping", "Maintenance", "Design"]
DEPARTMENTS = ["North", "South"]
CUSTOMER_TYPES = ["Residential", "Commercial"]


def build(store, realm_id: str) -> None:
    """Fill a fresh company (``store.create_company(..., sample_data=True)`` calls this)."""
    realm = store.realm(realm_id)
    today = date.fromisoformat(realm.today())

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    def create(entity: str, body: dict) -> dict:
        return store.create_entity(realm_id, entity, body)

    accounts = {a["Name"]: a for a in store.list_entities(realm_id, "Account")}
    net_30 = next(t for t in store.list_entities(realm_id, "Term") if t["Name"] == "Net 30")
    check = next(m for m in store.list_entities(realm_id, "PaymentMethod") if m["Name"] == "Check")
    cash = next(m for m in store.list_entities(realm_id, "PaymentMethod") if m["Name"] == "Cash")

    def ref(record: dict, field: str = "Id") -> dict:
        return {"value": record[field]}

    for name, kind, subtype in EXTRA_ACCOUNTS:
        accounts[name] = create(
            "Account", {"Name": name, "AccountType": kind, "AccountSubType": subtype}
        )
    for name, kind, subtype, parent in SUB_ACCOUNTS:
        accounts[name] = create(
            "Account",
            {
                "Name": name,
                "AccountType": kind,
                "AccountSubType": subtype,
                "ParentRef": ref(accounts[parent]),
            },
        )

    # Sales tax: two agencies, their rates and three codes (plus the TAX / NON pseudo-codes).
    agencies = {name: create("TaxAgency", {"DisplayName": name}) for name in TAX_AGENCIES}
    arizona, california = agencies["Arizona Dept. of Revenue"], agencies["Board of Equalization"]
    tucson = store.create_tax_code(
        realm_id,
        {
            "TaxCode": "Tucson",
            "TaxRateDetails": [
                {"TaxRateName": "AZ State tax", "RateValue": "7.1", "TaxAgencyId": arizona["Id"]},
                {"TaxRateName": "Tucson City", "RateValue": "2", "TaxAgencyId": arizona["Id"]},
            ],
        },
    )
    state_rate = store.create_tax_code(
        realm_id,
        {
            "TaxCode": "California",
            "TaxRateDetails": [
                {"TaxRateName": "California", "RateValue": "8", "TaxAgencyId": california["Id"]}
            ],
        },
    )
    store.create_tax_code(
        realm_id,
        {
            "TaxCode": "Mountain View",
            "TaxRateDetails": [
                {"TaxRateId": state_rate["TaxRateDetails"][0]["TaxRateId"]},
                {
                    "TaxRateName": "Mountain View City",
                    "RateValue": "1.25",
                    "TaxAgencyId": california["Id"],
                },
            ],
        },
    )
    prefs = store.get_entity(realm_id, "Preferences", "1")
    store.update_entity(
        realm_id,
        "Preferences",
        {
            "Id": "1",
            "SyncToken": prefs["SyncToken"],
            "TaxPrefs": {"UsingSalesTax": True, "TaxGroupCodeRef": {"value": tucson["TaxCodeId"]}},
        },
        sparse=True,
    )

    classes = {name: create("Class", {"Name": name}) for name in CLASSES}
    departments = {name: create("Department", {"Name": name}) for name in DEPARTMENTS}
    put_read_only(
        realm, store, "CustomerType", [{"Name": n, "Active": True} for n in CUSTOMER_TYPES]
    )

    customers = {}
    for display, given, family, email, street, city in CUSTOMERS:
        body: dict = {"DisplayName": display, "GivenName": given, "FamilyName": family}
        if display != f"{given} {family}":
            body["CompanyName"] = display
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        if street:
            body["BillAddr"] = {
                "Line1": street,
                "City": city,
                "CountrySubDivisionCode": "CA",
                "PostalCode": "94326",
            }
        customers[display] = create("Customer", body)
    vendors = {}
    for display, email in VENDORS:
        body = {"DisplayName": display, "CompanyName": display}
        if email:
            body["PrimaryEmailAddr"] = {"Address": email}
        vendors[display] = create("Vendor", body)
    employees = [
        create("Employee", {"GivenName": given, "FamilyName": family})
        for given, family in EMPLOYEES
    ]

    items = {}
    for name, kind, income, price, cost, taxable in ITEMS:
        body = {
            "Name": name,
            "Type": kind,
            "IncomeAccountRef": ref(accounts[income]),
            "UnitPrice": price,
            "Taxable": taxable,
        }
        if cost != "0":
            body["PurchaseCost"] = cost
            body["ExpenseAccountRef"] = ref(accounts["Cost of Goods Sold"])
        items[name] = create("Item", body)
    items["Pump"] = create(
        "Item",
        {
            "Name": "Pump",
            "Type": "Inventory",
            "Description": "Fountain Pump",
            "IncomeAccountRef": ref(accounts["Sales of Product Income"]),
            "ExpenseAccountRef": ref(accounts["Cost of Goods Sold"]),
            "AssetAccountRef": ref(accounts["Inventory Asset"]),
            "UnitPrice": "15",
            "PurchaseCost": "10",
            "QtyOnHand": 25,
            "InvStartDate": day(120),
            "Taxable": True,
        },
    )
    put_read_only(
        realm,
        store,
        "Budget",
        [
            {
                "Name": f"FY{today.year} Profit and Loss Budget",
                "StartDate": f"{today.year}-01-01",
                "EndDate": f"{today.year}-12-31",
                "BudgetType": "ProfitAndLoss",
                "BudgetEntryType": "Monthly",
                "Active": True,
                "BudgetDetail": [
                    {
                        "BudgetDate": f"{today.year}-{month:02d}-01",
                        "Amount": 1500,
                        "AccountRef": {
                            "value": accounts["Landscaping Services"]["Id"],
                            "name": "Landscaping Services",
                        },
                    }
                    for month in range(1, 13)
                ],
            }
        ],
    )

    def sale(name: str, qty: int, price: str | None = None, tax: bool = False) -> dict:
        item = items[name]
        unit = price or str(item.get("UnitPrice"))
        line = {
            "Amount": str(Decimal(qty) * Decimal(unit)),
            "Description": item["Name"],
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": ref(item),
                "Qty": qty,
                "UnitPrice": unit,
                "TaxCodeRef": {"value": "TAX" if tax else "NON"},
            },
        }
        return line

    def invoice(customer: str, days_ago: int, lines: list[dict], **extra) -> dict:
        return create(
            "Invoice",
            {
                "CustomerRef": ref(customers[customer]),
                "TxnDate": day(days_ago),
                "SalesTermRef": {"value": net_30["Id"]},
                "Line": lines,
                **extra,
            },
        )

    def expense(account: str, amount: str, description: str) -> dict:
        return {
            "Amount": amount,
            "Description": description,
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": ref(accounts[account])},
        }

    inv1 = invoice("Amy's Bird Sanctuary", 95, [sale("Rock Fountain", 1), sale("Pump", 2)])
    inv2 = invoice(
        "Freeman Sporting Goods",
        62,
        [sale("Design", 4), sale("Installation", 3)],
        ClassRef=ref(classes["Design"]),
        DepartmentRef=ref(departments["North"]),
    )
    # Dukes Basketball Camp owes Tucson's 9.1 % on its sprinkler parts.
    invoice(
        "Dukes Basketball Camp",
        40,
        [sale("Sprinkler Heads", 20, tax=True), sale("Sprinkler Pipes", 10, tax=True)],
        TxnTaxDetail={"TxnTaxCodeRef": {"value": tucson["TaxCodeId"]}},
    )
    inv4 = invoice("Cool Cars", 20, [sale("Trimming", 6), sale("Pest Control", 2)])
    invoice(
        "Jeff's Jalopies",
        5,
        [sale("Gardening", 1, "120"), sale("Soil", 8, tax=True)],
        TxnTaxDetail={"TxnTaxCodeRef": {"value": state_rate["TaxCodeId"]}},
    )
    invoice("Sushi by Katsuyuki", 130, [sale("Maintenance & Repair", 1, "80")])
    for paid, amount, days_ago in ((inv1, inv1["TotalAmt"], 80), (inv2, "200.00", 30)):
        create(
            "Payment",
            {
                "CustomerRef": paid["CustomerRef"],
                "TotalAmt": str(amount),
                "TxnDate": day(days_ago),
                "PaymentMethodRef": {"value": check["Id"]},
                "Line": [
                    {
                        "Amount": str(amount),
                        "LinkedTxn": [{"TxnId": paid["Id"], "TxnType": "Invoice"}],
                    }
                ],
            },
        )
    create(
        "CreditMemo",
        {
            "CustomerRef": inv4["CustomerRef"],
            "TxnDate": day(10),
            "Line": [sale("Pest Control", 1)],
        },
    )
    receipt = create(
        "SalesReceipt",
        {
            "CustomerRef": ref(customers["Kookies by Kathy"]),
            "TxnDate": day(15),
            "PaymentMethodRef": {"value": cash["Id"]},
            "Line": [sale("Design", 2)],
        },
    )
    create(
        "Deposit",
        {
            "DepositToAccountRef": ref(accounts["Checking"]),
            "TxnDate": day(14),
            "Line": [
                {
                    "Amount": str(receipt["TotalAmt"]),
                    "LinkedTxn": [
                        {"TxnId": receipt["Id"], "TxnType": "SalesReceipt", "TxnLineId": "0"}
                    ],
                }
            ],
        },
    )
    create(
        "Estimate",
        {
            "CustomerRef": ref(customers["Geeta Kalapatapu"]),
            "TxnDate": day(3),
            "ExpirationDate": day(-27),
            "Line": [sale("Rock Fountain", 1), sale("Installation", 4)],
        },
    )
    create(
        "JournalEntry",
        {
            "TxnDate": day(150),
            "PrivateNote": "Opening balance",
            "Line": [
                {
                    "Amount": "5000.00",
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": ref(accounts["Checking"]),
                    },
                },
                {
                    "Amount": "5000.00",
                    "DetailType": "JournalEntryLineDetail",
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": ref(accounts["Opening Balance Equity"]),
                    },
                },
            ],
        },
    )

    bill1 = create(
        "Bill",
        {
            "VendorRef": ref(vendors["Norton Lumber and Building Materials"]),
            "TxnDate": day(70),
            "SalesTermRef": {"value": net_30["Id"]},
            "Line": [expense("Job Expenses", "205.00", "Lumber")],
        },
    )
    create(
        "Bill",
        {
            "VendorRef": ref(vendors["PG&E"]),
            "TxnDate": day(25),
            "SalesTermRef": {"value": net_30["Id"]},
            "Line": [expense("Utilities", "114.09", "Gas and electric")],
        },
    )
    create(
        "Bill",
        {
            "VendorRef": ref(vendors["Brosnahan Insurance Agency"]),
            "TxnDate": day(100),
            "SalesTermRef": {"value": net_30["Id"]},
            "Line": [expense("Insurance", "241.23", "Liability insurance")],
        },
    )
    create(
        "BillPayment",
        {
            "VendorRef": bill1["VendorRef"],
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": ref(accounts["Checking"])},
            "TotalAmt": "205.00",
            "TxnDate": day(45),
            "Line": [
                {"Amount": "205.00", "LinkedTxn": [{"TxnId": bill1["Id"], "TxnType": "Bill"}]}
            ],
        },
    )
    create(
        "Purchase",
        {
            "AccountRef": ref(accounts["Mastercard"]),
            "PaymentType": "CreditCard",
            "EntityRef": {"value": vendors["Chin's Gas and Oil"]["Id"], "type": "Vendor"},
            "TxnDate": day(12),
            "Line": [expense("Fuel", "63.15", "Fuel for the truck")],
        },
    )
    create(
        "Purchase",
        {
            "AccountRef": ref(accounts["Checking"]),
            "PaymentType": "Check",
            "EntityRef": {"value": vendors["Hicks Hardware"]["Id"], "type": "Vendor"},
            "TxnDate": day(33),
            "Line": [expense("Job Expenses", "88.09", "Hardware")],
        },
    )
    create(
        "Transfer",
        {
            "FromAccountRef": ref(accounts["Checking"]),
            "ToAccountRef": ref(accounts["Savings"]),
            "Amount": "1000.00",
            "TxnDate": day(60),
        },
    )
    create(
        "TimeActivity",
        {
            "NameOf": "Employee",
            "EmployeeRef": ref(employees[0]),
            "CustomerRef": ref(customers["Cool Cars"]),
            "ItemRef": ref(items["Trimming"]),
            "BillableStatus": "Billable",
            "HourlyRate": "35",
            "Hours": 6,
            "Minutes": 0,
            "TxnDate": day(21),
            "Description": "Trimming",
        },
    )


def put_read_only(realm, store, entity: str, bodies: list[dict]) -> None:
    """Lists the API cannot write (CustomerType, Budget) are put straight into the table."""
    with store.emulator.lock:
        stamp = meta_time(realm.now(), realm.tz)
        for body in bodies:
            record_id = realm.allocate_id()
            realm.tables[entity][record_id] = {
                "Id": record_id,
                "SyncToken": "0",
                "domain": "QBO",
                "sparse": False,
                **body,
                "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
            }
