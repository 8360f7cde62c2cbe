"""Batch (docs/intuit-api.md §4) and change data capture (docs/intuit-api.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx


def since(minutes: int = 5) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def customer_ids(api) -> dict[str, str]:
    rows = api.get("/query", params={"query": "select * from Customer"}).json()["QueryResponse"]
    return {c["DisplayName"]: c["Id"] for c in rows.get("Customer", [])}


# --- batch ------------------------------------------------------------------------------------


def test_batch_items_answer_under_their_bids_with_per_item_faults(api):
    existing = api.post("/customer", json={"DisplayName": "Taken"}).json()["Customer"]
    response = api.post(
        "/batch",
        json={
            "BatchItemRequest": [
                {"bId": "b1", "operation": "create", "Customer": {"DisplayName": "Fresh"}},
                {"bId": "b2", "operation": "create", "Vendor": {"DisplayName": "Taken"}},
                {
                    "bId": "b3",
                    "operation": "update",
                    "Customer": {
                        "Id": existing["Id"],
                        "SyncToken": "0",
                        "sparse": True,
                        "Notes": "n",
                    },
                },
                {"bId": "b4", "Query": "select * from Customer where DisplayName = 'Taken'"},
                {"bId": "b5", "Query": "select * from"},
            ]
        },
    )
    assert response.status_code == 200
    items = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert items["b1"]["Customer"]["DisplayName"] == "Fresh"
    b2 = items["b2"]["Fault"]["Error"][0]
    assert (b2["code"], b2["Message"]) == ("6240", "Duplicate Name Exists Error")
    assert items["b2"]["Fault"]["type"] == "ValidationFault"
    assert items["b3"]["Customer"]["SyncToken"] == "1"
    assert items["b4"]["QueryResponse"]["Customer"][0]["Id"] == existing["Id"]
    b5 = items["b5"]["Fault"]["Error"][0]
    assert (b5["code"], b5["Detail"]) == (
        "4000",
        'QueryParserError: Encountered "<EOF>" at line 1, column 14.',
    )
    assert set(response.json()) == {"BatchItemResponse", "time"}


def test_batch_delete_and_void(api):
    income = api.get(
        "/query", params={"query": "select * from Account where Name = 'Services'"}
    ).json()
    income_id = income["QueryResponse"]["Account"][0]["Id"]
    item = api.post(
        "/item", json={"Name": "S", "Type": "Service", "IncomeAccountRef": {"value": income_id}}
    ).json()["Item"]
    customer = api.post("/customer", json={"DisplayName": "Batch Buyer"}).json()["Customer"]
    invoices = [
        api.post(
            "/invoice",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "Line": [
                    {
                        "Amount": 5,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                    }
                ],
            },
        ).json()["Invoice"]
        for _ in range(2)
    ]
    response = api.post(
        "/batch",
        json={
            "BatchItemRequest": [
                {
                    "bId": "del",
                    "operation": "delete",
                    "Invoice": {"Id": invoices[0]["Id"], "SyncToken": "0"},
                },
                {
                    "bId": "void",
                    "operation": "update",
                    "optionsData": "void",
                    "Invoice": {"Id": invoices[1]["Id"], "SyncToken": "0"},
                },
            ]
        },
    )
    items = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert items["del"]["Invoice"] == {
        "status": "Deleted",
        "domain": "QBO",
        "Id": invoices[0]["Id"],
    }
    assert items["void"]["Invoice"]["TotalAmt"] == 0


def test_more_than_30_items_is_refused(api):
    items = [{"bId": str(n), "Query": "select * from Term"} for n in range(31)]
    response = api.post("/batch", json={"BatchItemRequest": items})
    assert response.status_code == 400
    [error] = response.json()["Fault"]["Error"]
    assert (error["code"], error["Detail"]) == (
        "2010",
        "Property Name:BatchItemRequest has 31 items; the maximum is 30",
    )


def test_a_batch_with_a_requestid_is_replayed(api):
    batch = {
        "BatchItemRequest": [
            {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Batch Once"}}
        ]
    }
    first = api.post("/batch", params={"requestid": "batch-1"}, json=batch).json()
    again = api.post("/batch", params={"requestid": "batch-1"}, json=batch).json()
    assert again == first and list(customer_ids(api)) == ["Batch Once"]


# --- CDC --------------------------------------------------------------------------------------


def test_cdc_returns_changed_entities_and_deleted_stubs(api):
    customer = api.post("/customer", json={"DisplayName": "Changed"}).json()["Customer"]
    expense = api.get(
        "/query", params={"query": "select * from Account where Name = 'Cost of Goods Sold'"}
    ).json()
    vendor = api.post("/vendor", json={"DisplayName": "V"}).json()["Vendor"]
    bill = api.post(
        "/bill",
        json={
            "VendorRef": {"value": vendor["Id"]},
            "Line": [
                {
                    "Amount": 3,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": {
                        "AccountRef": {"value": expense["QueryResponse"]["Account"][0]["Id"]}
                    },
                }
            ],
        },
    ).json()["Bill"]
    api.post("/bill", params={"operation": "delete"}, json={"Id": bill["Id"], "SyncToken": "0"})
    response = api.get(
        "/cdc", params={"entities": "Customer,Bill,Invoice", "changedSince": since()}
    )
    assert response.status_code == 200
    [cdc] = response.json()["CDCResponse"]
    groups = {
        next(k for k in g if k not in ("startPosition", "maxResults")): g
        for g in cdc["QueryResponse"]
    }
    assert set(groups) == {"Customer", "Bill"}
    assert [c["Id"] for c in groups["Customer"]["Customer"]] == [customer["Id"]]
    [stub] = groups["Bill"]["Bill"]
    assert (stub["Id"], stub["status"], stub["domain"]) == (bill["Id"], "Deleted", "QBO")
    assert set(stub) == {"Id", "status", "domain", "MetaData"}
    assert groups["Bill"]["startPosition"] == 1 and groups["Bill"]["maxResults"] == 1


def test_cdc_with_nothing_changed_has_the_empty_shape(api):
    future = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    response = api.get("/cdc", params={"entities": "Customer", "changedSince": future})
    assert response.json()["CDCResponse"] == [{"QueryResponse": [{}]}]


def test_cdc_refuses_a_changed_since_older_than_30_days(api):
    old = (datetime.now(UTC) - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    response = api.get("/cdc", params={"entities": "Customer", "changedSince": old})
    assert response.status_code == 400
    [error] = response.json()["Fault"]["Error"]
    assert (error["code"], error["Detail"]) == (
        "2010",
        "Property Name:changedSince must be within the last 30 days",
    )


def test_cdc_refuses_entities_it_does_not_cover(api):
    response = api.get("/cdc", params={"entities": "TaxCode", "changedSince": since()})
    [error] = response.json()["Fault"]["Error"]
    assert (
        error["Detail"]
        == "Property Name:entities - TaxCode is not supported by change data capture"
    )


def test_cdc_caps_at_1000_objects(emulator_server, api, realm):
    store = emulator_server.emulator.store
    for n in range(1005):
        store.create_entity(realm, "Customer", {"DisplayName": f"Bulk {n}"})
    response = api.get("/cdc", params={"entities": "Customer", "changedSince": since()})
    [group] = response.json()["CDCResponse"][0]["QueryResponse"]
    assert group["maxResults"] == 1000 and len(group["Customer"]) == 1000


def test_cdc_in_a_batch(api):
    api.post("/customer", json={"DisplayName": "Via Batch"})
    response = api.post(
        "/batch",
        json={
            "BatchItemRequest": [
                {"bId": "c", "CDCQuery": {"Entities": "Customer", "ChangedSince": since()}}
            ]
        },
    )
    [item] = response.json()["BatchItemResponse"]
    assert item["CDCResponse"][0]["QueryResponse"][0]["Customer"][0]["DisplayName"] == "Via Batch"


def test_cdc_naive_times_are_read_in_the_company_time_zone(emulator_server, api, realm):
    api.post("/customer", json={"DisplayName": "Pacific"})
    # The company is in US Pacific time; its local "now minus 5 minutes" catches the change.
    local = datetime.now(UTC).astimezone(
        emulator_server.emulator.store.realms[realm].tz
    ) - timedelta(minutes=5)
    response = api.get(
        "/cdc", params={"entities": "Customer", "changedSince": local.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    assert (
        response.json()["CDCResponse"][0]["QueryResponse"][0]["Customer"][0]["DisplayName"]
        == "Pacific"
    )


def test_a_query_inside_cdc_needs_auth_like_everything_else(emulator_server, realm):
    response = httpx.get(
        f"{emulator_server.url}/v3/company/{realm}/cdc", params={"entities": "Customer"}
    )
    assert response.status_code == 401


def test_batch_and_cdc_cover_the_new_entities(api):
    accounts = {
        a["Name"]: a["Id"]
        for a in api.get(
            "/query", params={"query": "select * from Account maxresults 1000"}
        ).json()["QueryResponse"]["Account"]
    }
    answer = api.post(
        "/batch",
        json={
            "BatchItemRequest": [
                {
                    "bId": "t",
                    "operation": "create",
                    "Transfer": {
                        "FromAccountRef": {"value": accounts["Checking"]},
                        "ToAccountRef": {"value": accounts["Savings"]},
                        "Amount": 40,
                    },
                },
                {
                    "bId": "p",
                    "operation": "create",
                    "CreditCardPayment": {
                        "CreditCardAccountRef": {"value": accounts["Credit Card"]},
                        "BankAccountRef": {"value": accounts["Checking"]},
                        "Amount": 15,
                    },
                },
                {"bId": "q", "Query": "select * from Transfer"},
            ]
        },
    ).json()["BatchItemResponse"]
    by_id = {item["bId"]: item for item in answer}
    assert by_id["t"]["Transfer"]["Amount"] == 40
    # CreditCardPayment answers under QBO's name for it.
    assert by_id["p"]["CreditCardPaymentTxn"]["Amount"] == 15
    assert [t["Id"] for t in by_id["q"]["QueryResponse"]["Transfer"]] == [
        by_id["t"]["Transfer"]["Id"]
    ]
    cdc = api.get(
        "/cdc", params={"entities": "Transfer,CreditCardPayment", "changedSince": since()}
    ).json()["CDCResponse"][0]["QueryResponse"]
    assert {
        key for group in cdc for key in group if key not in ("startPosition", "maxResults")
    } == {
        "Transfer",
        "CreditCardPaymentTxn",
    }
