"""Helpers shared by the REST API tests (no tests here): a client that sends an API key, IMEIs,
and ways to put devices in stock through the API itself."""

import json

from django.test import Client

from cellbooks.accounts.models import ApiKey
from cellbooks.core.identifiers import luhn_check_digit

BASE = "/api/v1"


def imei_for(n: int) -> str:
    """A valid IMEI (correct Luhn check digit), different for each n."""
    body = f"35209900{n:06d}"
    return body + luhn_check_digit(body)


class ApiClient:
    """Django's test client with ``Authorization: Bearer <key>`` on every request."""

    def __init__(self, raw_key: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw_key}"} if raw_key else {}

    @classmethod
    def for_company(cls, company, name: str = "tests") -> "ApiClient":
        _, raw = ApiKey.issue(company=company, name=name)
        return cls(raw)

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(self, path: str, data: dict | None = None):
        body = json.dumps(data if data is not None else {})
        return self.client.post(
            BASE + path, body, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, data: dict):
        return self.client.patch(
            BASE + path, json.dumps(data), content_type="application/json", headers=self.headers
        )

    def delete(self, path: str):
        return self.client.delete(BASE + path, headers=self.headers)


def ok(response, status: int = 200) -> dict:
    """The JSON body, after checking the status (showing the body when it is not the one expected)."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json() if response.content else {}


def device_row(n: int, **overrides) -> dict:
    row = {
        "identifier": imei_for(n),
        "manufacturer": "Apple",
        "model": "iPhone 13",
        "capacity": "128GB",
        "colour": "Blue",
        "network": "Unlocked",
        "condition": "A",
        "cost": "300.00",
    }
    return {**row, **overrides}


def create_vendor(api: ApiClient, name: str = "Phone Source Ltd") -> dict:
    return ok(api.post("/vendors", {"name": name, "payment_terms_days": 15}), 201)


def create_customer(api: ApiClient, name: str = "Corner Mobile Shop") -> dict:
    return ok(api.post("/customers", {"name": name, "payment_terms_days": 30}), 201)


def receive_stock(
    api: ApiClient, devices: list[dict], vendor_name: str = "Phone Source Ltd"
) -> dict:
    """Buy devices on a PO and receive it: they are then in stock. Returns the PO."""
    vendor = create_vendor(api, vendor_name)
    po = ok(api.post("/purchase-orders", {"vendor": vendor["id"], "devices": devices}), 201)
    return ok(api.post(f"/purchase-orders/{po['id']}/receive"))
