"""The control plane and the cross-cutting behaviour it drives: requestid replay, the request
log, the clock, settings (latency, rate limits), companies and reset."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import pytest


def control(server, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{server.url}/_emulator{path}", timeout=10, **kwargs)


# --- requestid --------------------------------------------------------------------------------


def test_the_same_requestid_gets_the_same_response_and_writes_once(api):
    first = api.post("/customer", params={"requestid": "rid-1"}, json={"DisplayName": "Once Only"})
    again = api.post("/customer", params={"requestid": "rid-1"}, json={"DisplayName": "Once Only"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    count = api.get("/query", params={"query": "select count(*) from Customer"}).json()
    assert count["QueryResponse"]["totalCount"] == 1


def test_a_reused_requestid_with_a_different_body_gets_the_original_response(api):
    first = api.post("/customer", params={"requestid": "rid-2"}, json={"DisplayName": "Original"})
    other = api.post("/customer", params={"requestid": "rid-2"}, json={"DisplayName": "Different"})
    assert other.json() == first.json()
    names = api.get("/query", params={"query": "select * from Customer"}).json()["QueryResponse"][
        "Customer"
    ]
    assert [c["DisplayName"] for c in names] == ["Original"]


def test_a_refused_request_is_replayed_too(api):
    first = api.post("/invoice", params={"requestid": "rid-3"}, json={"Line": []})
    again = api.post("/invoice", params={"requestid": "rid-3"}, json={"Line": []})
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


def test_requestids_are_per_realm(emulator_server, api, emulator_tools):
    api.post("/customer", params={"requestid": "shared"}, json={"DisplayName": "Realm One"})
    other_realm = emulator_tools.create_company(emulator_server, name="Other Realm")
    token = emulator_tools.issue_token(emulator_server, other_realm)
    response = httpx.post(
        f"{emulator_server.url}/v3/company/{other_realm}/customer",
        params={"requestid": "shared"},
        json={"DisplayName": "Realm Two"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["Customer"]["DisplayName"] == "Realm Two"


# --- request log, clock, settings, companies, reset ------------------------------------------


def test_the_request_log_records_v3_calls_filterable_by_realm(emulator_server, api, realm):
    api.get(f"/companyinfo/{realm}", params={"requestid": "logged"})
    api.get("/customer/999")
    entries = control(emulator_server, "GET", "/requests", params={"realm": realm}).json()[
        "requests"
    ]
    assert [(e["method"], e["status"], e["requestid"]) for e in entries[-2:]] == [
        ("GET", 200, "logged"),
        ("GET", 400, None),
    ]
    assert all(e["realm"] == realm and e["duration_ms"] >= 0 and e["time"] for e in entries)
    assert control(emulator_server, "GET", "/requests", params={"realm": "nope"}).json() == {
        "requests": []
    }


def test_the_clock_moves_forward(emulator_server, api):
    before = api.post("/customer", json={"DisplayName": "Before"}).json()["Customer"]
    # Half an hour: far enough to see, short of the access token's one-hour life.
    moved = control(emulator_server, "POST", "/clock", json={"seconds": 1800}).json()
    assert moved["offset_seconds"] == 1800
    after = api.post("/customer", json={"DisplayName": "After"}).json()["Customer"]
    created = [datetime.fromisoformat(r["MetaData"]["CreateTime"]) for r in (before, after)]
    assert timedelta(seconds=1799) < created[1] - created[0] < timedelta(seconds=1900)


def test_settings_can_be_read_and_changed(emulator_server):
    settings = control(
        emulator_server, "PUT", "/settings", json={"latency_ms": 5, "time_scale": 2}
    ).json()
    assert (settings["latency_ms"], settings["time_scale"]) == (5.0, 2.0)
    assert control(emulator_server, "GET", "/settings").json()["latency_ms"] == 5.0
    bad = control(emulator_server, "PUT", "/settings", json={"no_such_setting": 1})
    assert bad.status_code == 400 and bad.json() == {"error": "unknown setting: no_such_setting"}


def test_latency_is_added_to_v3_requests(emulator_server, api, realm):
    control(emulator_server, "PUT", "/settings", json={"latency_ms": 300})
    started = time.perf_counter()
    api.get(f"/companyinfo/{realm}")
    assert time.perf_counter() - started >= 0.3
    # Scaled: 3 s of latency at time_scale 10 is 0.3 s. The upper bound is the unscaled 3 s, so
    # a busy machine has seconds of slack instead of a few hundred milliseconds.
    control(emulator_server, "PUT", "/settings", json={"latency_ms": 3000, "time_scale": 10})
    started = time.perf_counter()
    api.get(f"/companyinfo/{realm}")
    assert 0.3 <= time.perf_counter() - started < 3.0


def test_companies_are_created_with_their_options(emulator_server):
    created = control(
        emulator_server,
        "POST",
        "/companies",
        json={
            "name": "Maple Ltd",
            "plan": "essentials",
            "country": "CA",
            "home_currency": "CAD",
            "custom_txn_numbers": False,
        },
    )
    assert created.status_code == 201
    company = created.json()
    assert (company["plan"], company["purchase_orders_enabled"], company["custom_txn_numbers"]) == (
        "essentials",
        False,
        False,
    )
    listed = control(emulator_server, "GET", "/companies").json()["companies"]
    assert company["realmId"] in [c["realmId"] for c in listed]
    assert emulator_server.emulator.store.companies()[-1]["name"] == "Maple Ltd"
    bad = control(emulator_server, "POST", "/companies", json={"name": "X", "plan": "gold"})
    assert bad.status_code == 400


def test_a_fresh_company_has_the_standard_chart_of_accounts(emulator_server, realm):
    names = {a["Name"]: a for a in emulator_server.emulator.store.list_entities(realm, "Account")}
    for expected in (
        "Sales of Product Income",
        "Services",
        "Cost of Goods Sold",
        "Accounts Payable (A/P)",
        "Accounts Receivable (A/R)",
        "Undeposited Funds",
        "Inventory Asset",
        "Uncategorized Expense",
        "Uncategorized Income",
        "Checking",
        "Savings",
    ):
        assert expected in names
    assert names["Accounts Receivable (A/R)"]["AccountSubType"] == "AccountsReceivable"


def test_reset_forgets_everything(emulator_server, realm):
    assert control(emulator_server, "POST", "/reset").json() == {"status": "reset"}
    assert control(emulator_server, "GET", "/companies").json() == {"companies": []}


# --- rate limits ------------------------------------------------------------------------------


def test_the_per_second_limit_answers_429_in_xml(emulator_server, api, realm):
    # A tiny time scale stretches the one-second window so the test cannot race it.
    control(
        emulator_server,
        "PUT",
        "/settings",
        json={"rate_limits_enabled": True, "requests_per_second": 3, "time_scale": 0.01},
    )
    statuses = [api.get(f"/companyinfo/{realm}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = api.get(f"/companyinfo/{realm}")
    assert throttled.headers["content-type"].startswith("application/xml")
    assert '<Error code="3001">' in throttled.text
    assert (
        "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        in throttled.text
    )
    assert "<Detail>The request limit was reached.  Try again later</Detail>" in throttled.text
    control(emulator_server, "POST", "/clock", json={"seconds": 120})
    assert api.get(f"/companyinfo/{realm}").status_code == 200


def test_the_batch_limit_is_separate(emulator_server, api):
    control(
        emulator_server,
        "PUT",
        "/settings",
        json={"rate_limits_enabled": True, "batch_per_minute": 1},
    )
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}]}
    assert api.post("/batch", json=batch).status_code == 200
    assert api.post("/batch", json=batch).status_code == 429
    assert api.get("/query", params={"query": "select * from Term"}).status_code == 200


def test_limits_are_off_unless_enabled(emulator_server, api, realm):
    control(emulator_server, "PUT", "/settings", json={"requests_per_second": 1})
    assert {api.get(f"/companyinfo/{realm}").status_code for _ in range(5)} == {200}


@pytest.mark.parametrize("header", ["", "Bearer", "Basic abc", "Bearer wrong"])
def test_requests_without_a_valid_bearer_token_get_the_gateway_401(emulator_server, realm, header):
    response = httpx.get(
        f"{emulator_server.url}/v3/company/{realm}/companyinfo/{realm}",
        headers={"Authorization": header} if header else {},
    )
    assert response.status_code == 401
    body = response.json()
    assert body["fault"]["type"] == "AUTHENTICATION" and body["fault"]["error"][0]["code"] == "3200"
    assert (
        isinstance(body["time"], int)
        and body["batchItemResponse"] == []
        and body["cdcresponse"] == []
    )


def test_concurrent_requests_with_one_requestid_write_once(api, emulator_server, realm, token):
    import concurrent.futures

    def post(_):
        with httpx.Client(
            base_url=f"{emulator_server.url}/v3/company/{realm}",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            return client.post(
                "/customer", params={"requestid": "race"}, json={"DisplayName": "Raced"}
            )

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["Customer"]["Id"] for r in responses}) == 1
    count = api.get("/query", params={"query": "select count(*) from Customer"}).json()
    assert count["QueryResponse"]["totalCount"] == 1
