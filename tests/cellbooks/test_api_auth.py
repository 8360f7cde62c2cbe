"""API keys: Bearer authentication, hashing, the create_api_key command, the OpenAPI document."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from test_api_support import BASE, ApiClient, ok

from cellbooks.accounts.models import ApiKey


@pytest.fixture
def issued(company):
    return ApiKey.issue(company=company, name="scanner")


def test_a_request_without_a_key_is_refused_with_401(company):
    response = Client().get(f"{BASE}/devices")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_an_unknown_key_is_refused_with_401(company):
    response = ApiClient("cbk_not-a-real-key").get("/devices")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_key_sent_with_another_scheme_is_refused(issued):
    _, raw = issued
    response = Client().get(f"{BASE}/devices", headers={"Authorization": f"Token {raw}"})
    assert response.status_code == 401


def test_a_revoked_key_is_refused_with_401(issued):
    key, raw = issued
    key.revoked_at = timezone.now()
    key.save()
    response = ApiClient(raw).get("/devices")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_good_key_is_accepted(issued):
    _, raw = issued
    body = ok(ApiClient(raw).get("/devices"))
    assert body == {"items": [], "count": 0}


def test_only_the_hash_of_a_key_is_stored(issued):
    key, raw = issued
    key.refresh_from_db()
    assert key.key_hash == ApiKey.hash_key(raw)
    assert key.key_hash != raw
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in [str(value) for value in stored.values()]


def test_a_key_records_when_it_was_last_used_at_most_once_a_minute(issued):
    key, raw = issued
    api = ApiClient(raw)
    ok(api.get("/devices"))
    key.refresh_from_db()
    first_use = key.last_used_at
    assert first_use is not None

    ok(api.get("/devices"))
    key.refresh_from_db()
    assert key.last_used_at == first_use

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first_use - timedelta(minutes=2))
    ok(api.get("/devices"))
    key.refresh_from_db()
    assert key.last_used_at > first_use - timedelta(minutes=2)


def test_create_api_key_prints_a_working_key_once(company):
    out = StringIO()
    call_command("create_api_key", company.slug, "warehouse scanner", stdout=out)
    lines = out.getvalue().splitlines()
    raw = next(line for line in lines if line.startswith(ApiKey.PREFIX))
    assert any("will not be shown again" in line for line in lines)

    key = ApiKey.objects.get(company=company)
    assert key.name == "warehouse scanner"
    assert key.key_hash == ApiKey.hash_key(raw)
    assert ok(ApiClient(raw).get("/devices"))["count"] == 0


def test_create_api_key_refuses_an_unknown_company(db):
    with pytest.raises(CommandError, match="No company with the slug 'nobody'"):
        call_command("create_api_key", "nobody", "scanner", stdout=StringIO())
    assert not ApiKey.objects.exists()


def test_the_openapi_document_renders_and_documents_the_api(db):
    response = Client().get(f"{BASE}/openapi.json")
    schema = ok(response)
    assert schema["info"]["title"] == "Cellbooks API"
    assert "/api/v1/purchase-orders" in schema["paths"]
    assert "/api/v1/invoices/{invoice_id}/payments" in schema["paths"]
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"
    # Money is a string in the documented schemas, never a number.
    invoice = schema["components"]["schemas"]["InvoiceOut"]["properties"]
    assert invoice["total"]["type"] == "string"
    assert "quickbooks" in invoice
    assert "422" in schema["paths"]["/api/v1/purchase-orders"]["post"]["responses"]
    operation_ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "create_purchase_order" in operation_ids
    # Each document's statuses are its own, not one shared "Status" enum.
    assert "partially_paid" in invoice["status"]["enum"]
    po_status = schema["components"]["schemas"]["PurchaseOrderOut"]["properties"]["status"]
    assert po_status["enum"] == ["draft", "received", "closed", "void"]


def test_the_docs_page_renders_without_a_cdn(db):
    response = Client().get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn.jsdelivr.net" not in html
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
