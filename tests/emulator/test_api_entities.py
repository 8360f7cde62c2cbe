"""Entity contract over plain HTTP: envelopes, Ids, SyncToken, MetaData, computed fields, and
every business rule's exact code and message."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

INACTIVE = (
    "Something you're trying to use has been made inactive. "
    "Check the fields with accounts, customers, items, vendors or employees."
)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json(parse_float=Decimal) if hasattr(response, "json") else None


def body(response) -> dict:
    return json.loads(response.text, parse_float=Decimal)


def fault(response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    data = body(response)
    [error] = data["Fault"]["Error"]
    assert set(data) == {"Fault", "time"}
    return error


def account_id(api, name: str) -> str:
    data = body(api.get("/query", params={"query": f"select * from Account where Name = '{name}'"}))
    return data["QueryResponse"]["Account"][0]["Id"]


def create(api, entity: str, payload: dict, **params) -> dict:
    response = api.post(f"/{entity.lower()}", json=payload, params=params or None)
    assert response.status_code == 200, response.text
    return body(response)[entity]


@pytest.fixture
def customer(api) -> dict:
    return create(api, "Customer", {"DisplayName": "Amy's Bird Sanctuary"})


@pytest.fixture
def vendor(api) -> dict:
    return create(api, "Vendor", {"DisplayName": "Phone Supply Co"})


@pytest.fixture
def item(api) -> dict:
    return create(
        api,
        "Item",
        {
            "Name": "Pixel 8",
            "Type": "Service",
            "IncomeAccountRef": {"value": account_id(api, "Services")},
        },
    )


def invoice_payload(customer, item, *amounts) -> dict:
    return {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            {
                "Amount": a,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
            }
            for a in amounts
        ],
    }


# --- envelopes, ids, SyncToken, MetaData ------------------------------------------------------


def test_a_created_entity_comes_back_in_its_envelope_with_service_fields(api, customer):
    response = api.post("/customer", json={"DisplayName": "Second Customer"})
    data = body(response)
    assert set(data) == {"Customer", "time"}
    record = data["Customer"]
    assert record["Id"].isdigit() and int(record["Id"]) > int(customer["Id"])
    assert (record["SyncToken"], record["domain"], record["sparse"]) == ("0", "QBO", False)
    # MetaData times carry the company's offset and no fraction; "time" carries milliseconds.
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", record["MetaData"]["CreateTime"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[-+]\d\d:\d\d", data["time"])
    assert response.headers["intuit_tid"]


def test_every_write_increments_the_sync_token_and_a_stale_one_is_5010(api, customer):
    first = create(
        api, "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "one"}
    )
    second = create(
        api, "Customer", {"Id": customer["Id"], "SyncToken": 1, "sparse": True, "Notes": "two"}
    )
    assert (first["SyncToken"], second["SyncToken"]) == ("1", "2")
    error = fault(
        api.post(
            "/customer", json={"Id": customer["Id"], "SyncToken": "1", "sparse": True, "Notes": "x"}
        )
    )
    assert (error["code"], error["Message"]) == ("5010", "Stale Object Error")


def test_a_sparse_update_keeps_unsent_fields_and_a_full_update_clears_them(api):
    record = create(
        api, "Customer", {"DisplayName": "Full Update Co", "CompanyName": "FUC", "Notes": "keep?"}
    )
    sparse = create(
        api, "Customer", {"Id": record["Id"], "SyncToken": "0", "sparse": True, "Notes": "new"}
    )
    assert (sparse["CompanyName"], sparse["Notes"]) == ("FUC", "new")
    full = create(
        api, "Customer", {"Id": record["Id"], "SyncToken": "1", "DisplayName": "Full Update Co"}
    )
    assert "CompanyName" not in full and "Notes" not in full


def test_reading_a_missing_record_is_610(api):
    error = fault(api.get("/customer/999999"))
    assert (error["code"], error["Message"], error["Detail"]) == (
        "610",
        "Object Not Found",
        f"Object Not Found : {INACTIVE}",
    )


def test_an_unknown_entity_path_is_404(api):
    response = api.get("/gizmo/1")
    assert response.status_code == 404


def test_minorversion_below_75_and_format_json_are_accepted(api, customer):
    response = api.get(
        f"/customer/{customer['Id']}", params={"minorversion": "4", "format": "json"}
    )
    assert body(response)["Customer"]["Id"] == customer["Id"]


# --- names ------------------------------------------------------------------------------------


def test_display_names_are_unique_across_customers_vendors_and_employees(api, customer):
    error = fault(
        api.post("/employee", json={"DisplayName": "amy's bird sanctuary", "GivenName": "Amy"})
    )
    assert (error["code"], error["Message"]) == ("6240", "Duplicate Name Exists Error")
    assert error["Detail"] == (
        "The name supplied already exists. : Another customer, vendor or employee is already using this name. "
        "Please use a different name."
    )


def test_a_display_name_with_a_colon_is_refused(api):
    error = fault(api.post("/customer", json={"DisplayName": "Parent:Child"}))
    assert (error["code"], error["element"]) == ("2050", "DisplayName")
    assert error["Detail"] == "DisplayName cannot contain colons (:), tabs or new lines"


def test_a_too_long_doc_number_is_2050(api, customer, item):
    payload = invoice_payload(customer, item, 10) | {"DocNumber": "X" * 22}
    error = fault(api.post("/invoice", json=payload))
    assert (error["code"], error["Message"]) == (
        "2050",
        "String length is either shorter or longer than supported by specification",
    )
    assert (
        error["Detail"]
        == "String length specified does not match the supported length. Min:0 Max:21 supported. Supplied length:22"
    )


def test_a_customer_needs_a_name(api):
    error = fault(api.post("/customer", json={"Notes": "nameless"}))
    assert (error["code"], error["Detail"]) == (
        "2020",
        "Required parameter DisplayName is missing in the request",
    )


def test_the_display_name_is_built_from_name_parts(api):
    record = create(api, "Customer", {"GivenName": "Ada", "FamilyName": "Lovelace"})
    assert record["DisplayName"] == "Ada Lovelace"


def test_name_lists_are_deactivated_not_deleted(api, customer):
    error = fault(
        api.post(
            "/customer",
            params={"operation": "delete"},
            json={"Id": customer["Id"], "SyncToken": "0"},
        )
    )
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
    inactive = create(
        api, "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert inactive["Active"] is False
    active_only = body(api.get("/query", params={"query": "select * from Customer"}))[
        "QueryResponse"
    ]
    assert "Customer" not in active_only
    inactive_rows = body(
        api.get("/query", params={"query": "select * from Customer where Active = false"})
    )
    assert [c["Id"] for c in inactive_rows["QueryResponse"]["Customer"]] == [customer["Id"]]


# --- references -------------------------------------------------------------------------------


def test_a_reference_to_a_missing_record_is_2500(api, item):
    error = fault(api.post("/invoice", json=invoice_payload({"Id": "424242"}, item, 10)))
    assert (error["code"], error["Message"], error["element"]) == (
        "2500",
        "Invalid Reference Id",
        "CustomerRef",
    )
    assert error["Detail"] == f"Invalid Reference Id : {INACTIVE}"


def test_a_reference_to_an_inactive_record_is_610(api, customer, item):
    create(
        api, "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    error = fault(api.post("/invoice", json=invoice_payload(customer, item, 10)))
    assert (error["code"], error["Message"], error["Detail"]) == (
        "610",
        "Object Not Found",
        f"Object Not Found : {INACTIVE}",
    )


def test_references_come_back_with_their_names(api, customer, item):
    invoice = create(api, "Invoice", invoice_payload(customer, item, 10))
    assert invoice["CustomerRef"] == {"value": customer["Id"], "name": "Amy's Bird Sanctuary"}
    assert invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"] == "Pixel 8"


# --- invoices: totals, numbering, leniency ----------------------------------------------------


def test_invoice_totals_are_exact_and_written_as_numbers(api, customer, item):
    response = api.post("/invoice", json={"CustomerRef": {"value": customer["Id"]}, "Line": []})
    assert fault(response)["Detail"] == "Required parameter Line is missing in the request"
    line = '{"Amount": AMT, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "ITEM"}}}'
    # Sent as raw text so 0.1 and 0.2 reach the server as JSON numbers, not as our floats.
    text = '{"CustomerRef": {"value": "CUST"}, "Line": [LINE1, LINE2]}'
    text = text.replace("LINE1", line.replace("AMT", "0.1")).replace(
        "LINE2", line.replace("AMT", "0.2")
    )
    text = text.replace("CUST", customer["Id"]).replace("ITEM", item["Id"])
    raw = api.post("/invoice", content=text, headers={"Content-Type": "application/json"}).text
    assert '"TotalAmt":0.3' in raw and '"Balance":0.3' in raw
    invoice = json.loads(raw, parse_float=Decimal)["Invoice"]
    assert invoice["Line"][-1] == {
        "Amount": Decimal("0.3"),
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    assert [line["Id"] for line in invoice["Line"][:2]] == ["1", "2"]


def test_client_totals_and_read_only_fields_are_ignored(api, customer, item):
    payload = invoice_payload(customer, item, "50.00") | {
        "TotalAmt": 999,
        "Balance": "",
        "TxnDate": "",
        "DueDate": "",
        "SyncToken": 0,
        "sparse": False,
        "domain": "QBO",
        "MetaData": {"CreateTime": "2000-01-01T00:00:00-08:00"},
        "LinkedTxn": [],
        "PrivateNote": "",
    }
    invoice = create(api, "Invoice", payload)
    assert (invoice["TotalAmt"], invoice["Balance"]) == (Decimal("50.0"), Decimal("50.0"))
    assert invoice["TxnDate"] and invoice["DueDate"] == invoice["TxnDate"]
    assert not invoice["MetaData"]["CreateTime"].startswith("2000")


def test_due_date_follows_the_sales_term(api, customer, item):
    terms = body(api.get("/query", params={"query": "select * from Term where Name = 'Net 30'"}))
    term = terms["QueryResponse"]["Term"][0]
    payload = invoice_payload(customer, item, 10) | {
        "TxnDate": "2026-01-10",
        "SalesTermRef": {"value": term["Id"]},
    }
    assert create(api, "Invoice", payload)["DueDate"] == "2026-02-09"


def test_a_duplicate_doc_number_is_6140_unless_allowed(api, customer, item):
    first = create(api, "Invoice", invoice_payload(customer, item, 10) | {"DocNumber": "INV-1"})
    error = fault(
        api.post("/invoice", json=invoice_payload(customer, item, 10) | {"DocNumber": "INV-1"})
    )
    assert (error["code"], error["Message"]) == ("6140", "Duplicate Document Number Error")
    assert error["Detail"] == (
        "Duplicate Document Number Error : You must specify a different number. This number has already been used. "
        f"DocNumber=INV-1 is assigned to TxnType=Invoice with TxnId={first['Id']}"
    )
    again = create(
        api,
        "Invoice",
        invoice_payload(customer, item, 10) | {"DocNumber": "INV-1"},
        include="allowduplicatedocnum",
    )
    assert again["DocNumber"] == "INV-1"


def test_without_custom_numbers_the_company_numbers_invoices(emulator_server, emulator_tools):
    import httpx

    realm_id = emulator_tools.create_company(
        emulator_server, name="Auto Numbers", custom_txn_numbers=False
    )
    token = emulator_tools.issue_token(emulator_server, realm_id)
    with httpx.Client(
        base_url=f"{emulator_server.url}/v3/company/{realm_id}",
        headers={"Authorization": f"Bearer {token}"},
    ) as api:
        customer = create(api, "Customer", {"DisplayName": "Numbered"})
        income = account_id(api, "Services")
        item = create(
            api, "Item", {"Name": "Svc", "Type": "Service", "IncomeAccountRef": {"value": income}}
        )
        numbers = [
            create(api, "Invoice", invoice_payload(customer, item, 1) | {"DocNumber": "mine"})[
                "DocNumber"
            ]
            for _ in range(2)
        ]
    assert numbers == ["1001", "1002"]


# --- payments, bills, void, delete ------------------------------------------------------------


def pay(api, customer, invoice, amount, total=None) -> dict:
    return create(
        api,
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": total if total is not None else amount,
            "Line": [
                {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )


def test_a_partial_payment_lowers_the_balance_and_links_itself(api, customer, item):
    invoice = create(api, "Invoice", invoice_payload(customer, item, "100.00"))
    payment = pay(api, customer, invoice, "40.00", total="55.00")
    assert payment["UnappliedAmt"] == Decimal("15.0")
    assert payment["DepositToAccountRef"]["value"] == account_id(api, "Undeposited Funds")
    after = body(api.get(f"/invoice/{invoice['Id']}"))["Invoice"]
    assert after["Balance"] == Decimal("60.0") and after["SyncToken"] == "1"
    assert after["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    customer_now = body(api.get(f"/customer/{customer['Id']}"))["Customer"]
    assert customer_now["Balance"] == Decimal("45.0")  # 60 open - 15 unapplied


def test_overpaying_an_invoice_is_refused(api, customer, item):
    invoice = create(api, "Invoice", invoice_payload(customer, item, "100.00"))
    error = fault(
        api.post(
            "/payment",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "TotalAmt": 150,
                "Line": [
                    {"Amount": 150, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
                ],
            },
        )
    )
    assert error["code"] == "6000"
    assert error["Detail"] == (
        "Business Validation Error: The amount applied to Invoice "
        f"{invoice['Id']} (150.00) is more than its open balance (100.00)."
    )
    assert (
        error["Message"] == "A business validation error has occurred while processing your request"
    )


def test_voiding_or_deleting_a_payment_reopens_the_invoice(api, customer, item):
    invoice = create(api, "Invoice", invoice_payload(customer, item, "80.00"))
    payment = pay(api, customer, invoice, "80.00")
    assert body(api.get(f"/invoice/{invoice['Id']}"))["Invoice"]["Balance"] == 0
    noted = create(
        api,
        "Payment",
        {"Id": payment["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "typo"},
    )
    voided = create(
        api,
        "Payment",
        {"Id": payment["Id"], "SyncToken": noted["SyncToken"], "sparse": True},
        operation="update",
        include="void",
    )
    assert (voided["TotalAmt"], voided["Line"], voided["PrivateNote"]) == (0, [], "Voided - typo")
    reopened = body(api.get(f"/invoice/{invoice['Id']}"))["Invoice"]
    assert reopened["Balance"] == Decimal("80.0") and "LinkedTxn" not in reopened

    second = pay(api, customer, invoice, "80.00")
    deleted = api.post(
        "/payment", params={"operation": "delete"}, json={"Id": second["Id"], "SyncToken": "0"}
    )
    assert body(deleted)["Payment"] == {"status": "Deleted", "domain": "QBO", "Id": second["Id"]}
    assert body(api.get(f"/invoice/{invoice['Id']}"))["Invoice"]["Balance"] == Decimal("80.0")


def test_voiding_an_invoice_zeroes_it_and_unapplies_its_payments(api, customer, item):
    invoice = create(
        api, "Invoice", invoice_payload(customer, item, "30.00") | {"PrivateNote": "memo"}
    )
    payment = pay(api, customer, invoice, "10.00")
    current = body(api.get(f"/invoice/{invoice['Id']}"))["Invoice"]
    voided = create(
        api, "Invoice", {"Id": invoice["Id"], "SyncToken": current["SyncToken"]}, operation="void"
    )
    assert (voided["TotalAmt"], voided["Balance"], voided["PrivateNote"]) == (0, 0, "Voided - memo")
    assert all(line["Amount"] == 0 for line in voided["Line"])
    payment_now = body(api.get(f"/payment/{payment['Id']}"))["Payment"]
    assert payment_now["Line"] == [] and payment_now["UnappliedAmt"] == Decimal("10.0")


def test_delete_needs_a_sync_token_and_a_deleted_transaction_reads_as_610(api, customer, item):
    invoice = create(api, "Invoice", invoice_payload(customer, item, 5))
    error = fault(api.post("/invoice", params={"operation": "delete"}, json={"Id": invoice["Id"]}))
    assert (error["code"], error["Detail"]) == (
        "2020",
        "Required parameter SyncToken is missing in the request",
    )
    ok(
        api.post(
            "/invoice", params={"operation": "delete"}, json={"Id": invoice["Id"], "SyncToken": "0"}
        )
    )
    error = fault(api.get(f"/invoice/{invoice['Id']}"))
    assert (error["code"], error["Detail"]) == (
        "610",
        "Object Not Found : Another user has deleted this transaction.",
    )


def test_a_bill_payment_pays_a_bill(api, vendor):
    expense = account_id(api, "Cost of Goods Sold")
    bill = create(
        api,
        "Bill",
        {
            "VendorRef": {"value": vendor["Id"]},
            "Line": [
                {
                    "Amount": 120,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": expense}},
                }
            ],
        },
    )
    assert bill["APAccountRef"]["name"] == "Accounts Payable (A/P)" and bill["Balance"] == 120
    bill_payment = create(
        api,
        "BillPayment",
        {
            "VendorRef": {"value": vendor["Id"]},
            "PayType": "Check",
            "TotalAmt": 120,
            "CheckPayment": {"BankAccountRef": {"value": account_id(api, "Checking")}},
            "Line": [{"Amount": 120, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
        },
    )
    paid = body(api.get(f"/bill/{bill['Id']}"))["Bill"]
    assert paid["Balance"] == 0 and paid["LinkedTxn"] == [
        {"TxnId": bill_payment["Id"], "TxnType": "BillPaymentCheck"}
    ]


def test_a_journal_entry_must_balance(api):
    cash, income = account_id(api, "Checking"), account_id(api, "Services")

    def line(posting, amount, account):
        return {
            "Amount": amount,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account}},
        }

    error = fault(
        api.post(
            "/journalentry", json={"Line": [line("Debit", 10, cash), line("Credit", 9, income)]}
        )
    )
    assert (error["code"], error["Detail"]) == (
        "6000",
        "Business Validation Error: Transaction is not balanced. Total debits must equal total credits.",
    )
    entry = create(
        api, "JournalEntry", {"Line": [line("Debit", 10, cash), line("Credit", 10, income)]}
    )
    assert entry["TotalAmt"] == 10


def test_every_listed_entity_can_be_created_and_read(api, customer, vendor, item):
    created = {
        "Class": create(api, "Class", {"Name": "Retail"}),
        "Department": create(api, "Department", {"Name": "Store 1"}),
        "Term": create(api, "Term", {"Name": "Net 45", "DueDays": 45}),
        "PaymentMethod": create(api, "PaymentMethod", {"Name": "Zelle"}),
        "Account": create(api, "Account", {"Name": "Petty Cash", "AccountType": "Bank"}),
        "Employee": create(api, "Employee", {"GivenName": "Emma", "FamilyName": "Ployee"}),
        "CreditMemo": create(api, "CreditMemo", invoice_payload(customer, item, 5)),
        "VendorCredit": create(
            api,
            "VendorCredit",
            {
                "VendorRef": {"value": vendor["Id"]},
                "Line": [
                    {
                        "Amount": 7,
                        "DetailType": "ItemBasedExpenseLineDetail",
                        "ItemBasedExpenseLineDetail": {"ItemRef": {"value": item["Id"]}},
                    }
                ],
            },
        ),
    }
    for entity, record in created.items():
        assert body(api.get(f"/{entity.lower()}/{record['Id']}"))[entity]["Id"] == record["Id"]
    assert created["Account"]["Classification"] == "Asset"
    assert created["CreditMemo"]["RemainingCredit"] == 5
    prefs = body(api.get("/preferences"))["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    tax_codes = body(api.get("/query", params={"query": "select * from TaxCode"}))["QueryResponse"][
        "TaxCode"
    ]
    assert {t["Id"] for t in tax_codes} == {"TAX", "NON"}


def test_company_info_and_preferences_can_be_updated(api, realm):
    info = body(api.get(f"/companyinfo/{realm}"))["CompanyInfo"]
    updated = create(
        api,
        "CompanyInfo",
        {"Id": "1", "SyncToken": info["SyncToken"], "sparse": True, "CompanyName": "Renamed LLC"},
    )
    assert updated["CompanyName"] == "Renamed LLC"
    offering = {p["Name"]: p["Value"] for p in updated["NameValue"]}["OfferingSku"]
    assert offering == "QuickBooks Online Plus"


# --- purchase orders --------------------------------------------------------------------------


def po_payload(api, vendor) -> dict:
    return {
        "VendorRef": {"value": vendor["Id"]},
        "Line": [
            {
                "Amount": 35,
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {
                    "AccountRef": {"value": account_id(api, "Cost of Goods Sold")}
                },
            }
        ],
    }


def test_a_plus_company_with_the_setting_on_takes_purchase_orders(api, vendor):
    po = create(api, "PurchaseOrder", po_payload(api, vendor))
    assert (po["POStatus"], po["TotalAmt"]) == ("Open", 35)


def test_purchase_orders_are_refused_when_the_preference_is_off(api, vendor):
    prefs = body(api.get("/preferences"))["Preferences"]
    other = [
        {
            "Name": p["Name"],
            "Value": "false"
            if p["Name"] == "VendorAndPurchasesPrefs.PurchaseOrderEnabled"
            else p["Value"],
        }
        for p in prefs["OtherPrefs"]["NameValue"]
    ]
    create(
        api,
        "Preferences",
        {
            "Id": "1",
            "SyncToken": prefs["SyncToken"],
            "sparse": True,
            "OtherPrefs": {"NameValue": other},
        },
    )
    error = fault(api.post("/purchaseorder", json=po_payload(api, vendor)))
    assert (error["code"], error["Message"]) == ("5020", "Permission Denied Error")
    assert error["Detail"] == (
        "Permission Denied Error : Purchase orders are turned off for this company. "
        "Turn on purchase orders in Account and Settings."
    )


# --- pdf and send -----------------------------------------------------------------------------


def test_an_invoice_renders_as_a_pdf_and_can_be_sent(api, customer, item):
    invoice = create(api, "Invoice", invoice_payload(customer, item, 12))
    pdf = api.get(f"/invoice/{invoice['Id']}/pdf", headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 500
    error = fault(api.post(f"/invoice/{invoice['Id']}/send"))
    assert (error["code"], error["Detail"]) == (
        "6000",
        "Business Validation Error: Need to provide a valid email address to send the transaction to.",
    )
    sent = body(api.post(f"/invoice/{invoice['Id']}/send", params={"sendTo": "amy@example.com"}))[
        "Invoice"
    ]
    assert (sent["EmailStatus"], sent["BillEmail"]["Address"]) == ("EmailSent", "amy@example.com")
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email" and sent["SyncToken"] == "1"


def test_auto_generate_numbers_even_with_custom_numbers_on(api, customer, item):
    first = create(
        api, "Invoice", invoice_payload(customer, item, 1) | {"DocNumber": "AUTO_GENERATE"}
    )
    create(api, "Invoice", invoice_payload(customer, item, 1) | {"DocNumber": "1002"})
    second = create(
        api, "Invoice", invoice_payload(customer, item, 1) | {"DocNumber": "AUTO_GENERATE"}
    )
    assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1003")
    # With custom numbers on, no DocNumber means none.
    assert "DocNumber" not in create(api, "Invoice", invoice_payload(customer, item, 1))


def test_purchase_orders_have_their_own_numbering_switch(emulator_server, emulator_tools):
    import httpx

    realm_id = emulator_tools.create_company(
        emulator_server, name="PO Numbers", custom_txn_numbers=False
    )
    token = emulator_tools.issue_token(emulator_server, realm_id)
    with httpx.Client(
        base_url=f"{emulator_server.url}/v3/company/{realm_id}",
        headers={"Authorization": f"Bearer {token}"},
    ) as api:
        vendor = create(api, "Vendor", {"DisplayName": "PO Vendor"})
        numbers = [
            create(api, "PurchaseOrder", po_payload(api, vendor))["DocNumber"] for _ in range(2)
        ]
    assert numbers == ["1001", "1002"]


def test_a_sparse_preferences_update_keeps_the_other_preferences(api, customer, item):
    prefs = body(api.get("/preferences"))["Preferences"]
    sparse = {
        "Id": "1",
        "SyncToken": prefs["SyncToken"],
        "sparse": True,
        "SalesFormsPrefs": {"CustomTxnNumbers": False},
    }
    updated = create(api, "Preferences", sparse)
    assert updated["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    assert updated["SalesFormsPrefs"]["AllowDiscount"] is True
    assert (
        create(api, "Invoice", invoice_payload(customer, item, 1) | {"DocNumber": "X-1"})[
            "DocNumber"
        ]
        == "1001"
    )


def test_every_committed_write_is_reported_for_webhooks(
    emulator_server, api, realm, customer, item, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        emulator_server.emulator.webhooks,
        "notify",
        lambda *args: calls.append((args[0], args[1], args[2], args[3])),
    )
    invoice = create(api, "Invoice", invoice_payload(customer, item, 10))
    payment = create(
        api,
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 10,
            "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    create(
        api,
        "Payment",
        {"Id": payment["Id"], "SyncToken": "0", "sparse": True},
        operation="update",
        include="void",
    )
    fault(
        api.post("/customer", json={"DisplayName": customer["DisplayName"]})
    )  # refused: not reported
    api.post(
        "/payment", params={"operation": "delete"}, json={"Id": payment["Id"], "SyncToken": "1"}
    )
    assert calls == [
        (realm, "Invoice", invoice["Id"], "Create"),
        (realm, "Payment", payment["Id"], "Create"),
        (realm, "Invoice", invoice["Id"], "Update"),  # its balance and links changed
        (realm, "Payment", payment["Id"], "Void"),
        (realm, "Invoice", invoice["Id"], "Update"),
        (realm, "Payment", payment["Id"], "Delete"),
    ]


def test_a_sub_customer_has_a_qualified_name_and_level(api, customer):
    job = create(
        api, "Customer", {"DisplayName": "Spring Job", "ParentRef": {"value": customer["Id"]}}
    )
    assert (job["FullyQualifiedName"], job["Level"], job["Job"]) == (
        "Amy's Bird Sanctuary:Spring Job",
        1,
        True,
    )
    assert job["ParentRef"] == {"value": customer["Id"], "name": "Amy's Bird Sanctuary"}
