"""No 5xx on bad input: ids and offsets beyond what the database holds, money that is not money,
bodies that are not JSON, NUL characters, dates off the calendar — each a 422 naming the field —
and an OpenAPI document that says so."""

import json

import pytest
from test_api_support import BASE, ApiClient, create_customer, ok

from cellbooks.inventory.models import Invoice

TOO_BIG = "99999999999999999999"  # > 2^64
MAX_ID = 2**63 - 1


@pytest.fixture
def api(company):
    return ApiClient.for_company(company)


def problem(response, status=422) -> tuple:
    assert response.status_code == status, (response.status_code, response.content[:500])
    [item] = response.json()["detail"]
    return tuple(item["loc"]), item["msg"]


@pytest.mark.parametrize(
    "path, params, loc",
    [
        ("/invoices", {"offset": TOO_BIG}, ("query", "offset")),
        ("/devices", {"offset": "-1"}, ("query", "offset")),
        ("/devices", {"limit": "501"}, ("query", "limit")),
        ("/invoices", {"customer": "-76570163029769404416"}, ("query", "customer")),
        ("/purchase-orders", {"vendor": TOO_BIG}, ("query", "vendor")),
        ("/devices", {"product": "0"}, ("query", "product")),
        (f"/invoices/{TOO_BIG}", {}, ("path", "invoice_id")),
        ("/devices/0", {}, ("path", "device_id")),
        (f"/payments/{2**63}", {}, ("path", "payment_id")),
        ("/quickbooks/syncs/not-a-job", {}, ("path", "job_id")),
    ],
)
def test_ids_and_offsets_beyond_the_database_answer_422_naming_them(api, path, params, loc):
    assert problem(api.get(path, **params))[0] == loc


def test_the_largest_id_and_offset_are_simply_not_there(api):
    assert api.get(f"/invoices/{MAX_ID}").status_code == 404
    assert ok(api.get("/invoices", offset=str(MAX_ID))) == {"items": [], "count": 0}


def test_ids_in_a_body_are_bounded_too(api):
    loc, msg = problem(api.post("/invoices", {"customer": 2**64}))
    assert loc == ("body", "customer")
    assert "less than or equal to 9223372036854775807" in msg


@pytest.mark.parametrize(
    "amount, words",
    [
        ("1e30", "'1e30' is not an amount"),
        ("NaN", "'NaN' is not an amount"),
        ("Infinity", "'Infinity' is not an amount"),
        ("12.345", "has more than two decimal places"),
        ("1234567890123", "is too large"),
        (12.5, 'Send money as a string with at most two decimals, e.g. "12.50".'),
    ],
)
def test_money_that_is_not_money_is_refused_with_the_reason(api, amount, words):
    customer = create_customer(api)
    invoice = ok(api.post("/invoices", {"customer": customer["id"]}), 201)
    Invoice.objects.filter(pk=invoice["id"]).update(status="open", total="100.00")
    loc, msg = problem(api.post(f"/invoices/{invoice['id']}/payments", {"amount": amount}))
    assert loc == ("body", "amount") and words in msg


def test_a_body_that_is_not_json_is_a_422(api):
    response = api.client.post(
        f"{BASE}/vendors", "{not json", content_type="application/json", headers=api.headers
    )
    assert problem(response) == (("body",), "The body is not valid JSON.")
    deep = "[" * 100_000 + "]" * 100_000
    response = api.client.post(
        f"{BASE}/vendors", deep, content_type="application/json", headers=api.headers
    )
    assert problem(response) == (("body",), "The body is not valid JSON.")


def test_nul_characters_are_refused_where_they_are(api):
    assert problem(api.post("/vendors", {"name": "Acme", "notes": "a\x00b"})) == (
        ("body", "notes"),
        "Text cannot contain a NUL character.",
    )
    assert problem(api.get("/devices", q="35\x00")) == (
        ("query", "q"),
        "Text cannot contain a NUL character.",
    )


def test_dates_off_the_calendar_are_refused(api):
    customer = create_customer(api)
    loc, msg = problem(api.post("/invoices", {"customer": customer["id"], "date": "9999-12-31"}))
    assert loc == ("body", "date")
    assert msg == (
        "The date 9999-12-31 is out of range: use a date between 1900-01-01 and 2999-12-31."
    )


def test_numbers_are_bounded_as_the_server_bounds_them(api):
    assert problem(api.post("/vendors", {"name": "Acme", "payment_terms_days": 3651}))[0] == (
        "body",
        "payment_terms_days",
    )
    too_long = problem(api.post("/vendors", {"name": "x" * 201}))
    assert too_long[0] == ("body", "name")


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return json.loads(Client().get(f"{BASE}/openapi.json").content)


def operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_401_and_422(openapi):
    for path, method, operation in operations(openapi):
        codes = set(operation["responses"])
        assert {"401", "422"} <= codes, (method, path, codes)


def test_every_post_documents_the_idempotency_key_and_its_409(openapi):
    posts = [(p, op) for p, m, op in operations(openapi) if m == "post"]
    assert len(posts) > 15
    for path, operation in posts:
        names = [parameter["name"] for parameter in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, path
        assert "409" in operation["responses"], path


def test_ids_offsets_and_text_are_bounded_in_the_document(openapi):
    for path, _, operation in operations(openapi):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            if parameter["in"] == "path" and schema.get("type") == "integer":
                assert (schema["minimum"], schema["maximum"]) == (1, MAX_ID), (path, parameter)
            elif parameter["in"] == "path":
                assert schema["pattern"].startswith("^"), (path, parameter)
            if parameter["name"] == "offset":
                assert (schema["minimum"], schema["maximum"]) == (0, MAX_ID)
            if parameter["name"] == "limit":
                assert (schema["minimum"], schema["maximum"]) == (1, 500)
    schemas = openapi["components"]["schemas"]
    assert (
        schemas["PaymentCreate"]["properties"]["amount"]["pattern"] == r"^-?\d{1,12}(\.\d{1,2})?$"
    )
    assert schemas["PaymentCreate"]["properties"]["reference"]["maxLength"] == 100
    assert schemas["PartnerCreate"]["properties"]["name"]["minLength"] == 1
    assert schemas["PartnerCreate"]["properties"]["payment_terms_days"]["maximum"] == 3650
    assert schemas["InvoiceOut"]["properties"]["total"]["type"] == "string"
