"""The permission table (cellbooks.core.permissions) covers every page and every API operation,
and every role gets exactly what the table says on each of them: 403 with a sentence when its
role lacks the capability, through to the view otherwise. Like the tenant-isolation tests, these
walk everything the URL configuration and the API expose, so a new page or operation that is
missing from the table fails here, with what to add."""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from test_api_support import BASE

from cellbooks.accounts.models import ApiKey, Membership
from cellbooks.accounts.services import add_member
from cellbooks.api.api import api
from cellbooks.core import permissions
from cellbooks.core.permissions import Role

PASSWORD = "correct horse battery staple"
ROLES = list(Role.values)


# ---- everything the project exposes ------------------------------------------------------------
def _url_patterns(patterns=None, namespaces=()):
    """(URL name, namespaces, route pattern) of every named URL, recursively."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            spaces = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _url_patterns(entry.url_patterns, spaces)
        elif isinstance(entry, URLPattern):
            yield entry.name, namespaces, entry


def page_names() -> list[str]:
    names = set()
    for name, namespaces, _ in _url_patterns():
        if set(namespaces) & permissions.SELF_GUARDED_NAMESPACES:
            continue
        names.add(name)
    return sorted(names, key=str)


def api_operations() -> list[tuple[str, str, str]]:
    """(operation id, method, path) of every API operation, from the OpenAPI document."""
    schema = api.get_openapi_schema()
    return sorted(
        (operation["operationId"], method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    )


def test_every_page_is_in_the_permission_table():
    unnamed = [str(p.pattern) for name, ns, p in _url_patterns() if name is None and not ns]
    missing = [name for name in page_names() if name and permissions.page_capability(name) is None]
    assert not unnamed, (
        f"Give these URL patterns a name (the permission table keys on it): {unnamed}"
    )
    assert not missing, (
        "These pages are missing from the permission table: add each to PAGES in "
        "src/cellbooks/core/permissions.py (or, for an integration's page, to its "
        "page_permissions) with the capability it needs, e.g.\n"
        + "\n".join(f'    "{name}": VIEW,' for name in missing)
    )


def test_every_api_operation_is_in_the_permission_table():
    missing = [op for op, _, _ in api_operations() if permissions.api_capability(op) is None]
    assert not missing, (
        "These API operations are missing from the permission table: add each to "
        "API_OPERATIONS in src/cellbooks/core/permissions.py (or, for an integration's "
        "operation, to its api_permissions) with the capability it needs, e.g.\n"
        + "\n".join(f'    "{op}": VIEW,' for op in missing)
    )


def test_the_table_names_no_page_or_operation_that_does_not_exist():
    pages = set(page_names())
    operations = {op for op, _, _ in api_operations()}
    assert sorted(set(permissions.PAGES) - pages) == []
    assert sorted(set(permissions.API_OPERATIONS) - operations) == []
    every_capability = set(permissions.CAPABILITIES) | {permissions.PUBLIC, permissions.SIGNED_IN}
    assert set(permissions.PAGES.values()) <= every_capability
    assert set(permissions.API_OPERATIONS.values()) <= every_capability


def test_what_each_role_may_do():
    """The roles as the issue describes them, read off the table."""
    can = permissions.role_can
    assert all(can(Role.OWNER, capability) for capability in permissions.CAPABILITIES)
    assert [c for c in permissions.CAPABILITIES if can(Role.VIEWER, c)] == [permissions.VIEW]
    warehouse = {c for c in permissions.CAPABILITIES if can(Role.WAREHOUSE, c)}
    assert warehouse == {permissions.VIEW, permissions.STOCK}
    bookkeeper = {c for c in permissions.CAPABILITIES if can(Role.BOOKKEEPER, c)}
    assert bookkeeper == set(permissions.CAPABILITIES) - {permissions.TEAM, permissions.COMPANY}
    # Receiving a PO is warehouse work; QuickBooks' settings and payments are not.
    assert permissions.page_capability("purchase_order_receive") == permissions.STOCK
    assert permissions.page_capability("quickbooks_settings") == permissions.INTEGRATIONS
    assert permissions.page_capability("invoice_record_payment") == permissions.PAYMENTS


# ---- every role × every page --------------------------------------------------------------------
DUMMY = {"int": 999999, "str": "nothing-here", "path": "nothing-here", "slug": "nothing-here"}


def example_url(name: str) -> str:
    """A URL of the page, with made-up arguments (the permission check comes before the view
    looks them up)."""
    pattern = next(p for n, ns, p in _url_patterns() if n == name and not ns)
    converters = pattern.pattern.converters
    kwargs = {}
    for key, converter in converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        kwargs[key] = DUMMY.get(kind, "x")
    return reverse(name, kwargs=kwargs)


GUARDED_PAGES = [
    name
    for name in page_names()
    if permissions.page_capability(name) not in (permissions.PUBLIC, permissions.SIGNED_IN, None)
]


@pytest.fixture
def member_client(company, user):
    """A client logged in as a member of ``company`` with the role given."""

    def make(role: str) -> Client:
        person = user
        if role != Role.OWNER:
            person = add_member(
                company=company, email=f"{role}@northwind.test", password=PASSWORD, role=role
            )
        client = Client()
        client.force_login(person)
        return client

    return make


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page(member_client, role):
    """Each page, by GET and by POST: 403 with the refusal's sentence exactly when the role
    lacks the page's capability (one test per role, every page in it, for speed)."""
    client = member_client(role)
    wrong = []
    for name in GUARDED_PAGES:
        capability = permissions.page_capability(name)
        url = example_url(name)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            page = body.decode(errors="replace").replace("&#x27;", "'")
            if permissions.role_can(role, capability):
                if response.status_code == 403:
                    wrong.append(f"{method.upper()} {name}: 403 although {role} may {capability}")
            elif response.status_code != 403:
                wrong.append(f"{method.upper()} {name}: {response.status_code}, not 403")
            elif permissions.refusal(role, capability) not in page:
                wrong.append(f"{method.upper()} {name}: 403 without the sentence")
    assert wrong == []


def test_anonymous_visitors_go_to_the_login_page(client, user):
    wrong = []
    for name in GUARDED_PAGES:
        url = example_url(name)
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(reverse("login")):
            wrong.append(f"{name}: {response.status_code} {response.get('Location')}")
    assert wrong == []


def test_on_an_empty_install_every_page_leads_to_the_setup(client, db):
    for name in ["dashboard", "device_list", "login", "team", "quickbooks_settings"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("setup"), name


def test_a_page_missing_from_the_table_is_refused(client_logged_in, monkeypatch):
    monkeypatch.delitem(permissions.PAGES, "device_list")
    response = client_logged_in.get(reverse("device_list"))
    assert response.status_code == 403
    assert "no entry in Cellbooks' table of permissions" in response.content.decode().replace(
        "&#x27;", "'"
    )


# ---- every role × every API operation -----------------------------------------------------------
OPERATIONS = api_operations()


def _call(raw_key: str, method: str, path: str):
    url = path.replace("{", "").replace("}", "")
    for param in set(part for part in path.split("/") if part.startswith("{")):
        url = url.replace(param.strip("{}"), "999999")
    client = Client()
    headers = {"Authorization": f"Bearer {raw_key}"}
    if method in ("POST", "PATCH", "PUT"):
        return client.generic(
            method, url, json.dumps({}), content_type="application/json", headers=headers
        )
    return client.generic(method, url, headers=headers)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_api_operation(company, role):
    """Each operation with a key of each role: 403 with a sentence exactly when the role lacks
    the operation's capability; otherwise the operation runs (here: 404 for the made-up ids, 422
    for the empty bodies, 200 for lists)."""
    _, raw = ApiKey.issue(company=company, name=f"{role} key", role=role)
    wrong = []
    for operation, method, path in OPERATIONS:
        capability = permissions.api_capability(operation)
        if capability is None:
            wrong.append(f"{operation}: not in the permission table (see the test above)")
            continue
        response = _call(raw, method, path)
        if permissions.role_can(role, capability):
            if response.status_code in (401, 403, 429):
                wrong.append(
                    f"{operation}: {response.status_code} although {role} may {capability}"
                )
        elif response.status_code != 403:
            wrong.append(f"{operation}: {response.status_code}, not 403")
        elif f"This API key's role ({Role(role).label})" not in response.json()["detail"]:
            wrong.append(f"{operation}: 403 without the sentence")
    assert wrong == []


def test_an_operation_missing_from_the_table_is_refused(company, monkeypatch):
    monkeypatch.delitem(permissions.API_OPERATIONS, "list_devices")
    _, raw = ApiKey.issue(company=company, name="owner key", role=Role.OWNER)
    response = _call(raw, "GET", f"{BASE}/devices")
    assert response.status_code == 403
    assert "'list_devices' has no entry" in response.json()["detail"]


# ---- the roles, as people meet them -------------------------------------------------------------
def test_a_viewer_key_reads_but_cannot_post(company, vendor):
    _, raw = ApiKey.issue(company=company, name="dashboard", role=Role.VIEWER)
    headers = {"Authorization": f"Bearer {raw}"}
    client = Client()
    listed = client.get(f"{BASE}/vendors", headers=headers)
    assert listed.status_code == 200
    assert [v["name"] for v in listed.json()["items"]] == ["Global Phone Supply"]
    created = client.post(
        f"{BASE}/vendors", json.dumps({"name": "Sneaky"}), "application/json", headers=headers
    )
    assert created.status_code == 403
    assert created.json() == {
        "detail": "This API key's role (Viewer) cannot change purchase orders, invoices, returns, "
        "partners, costs or prices. An owner can create a key with another role."
    }
    assert not vendor.__class__.objects.filter(name="Sneaky").exists()


def test_a_warehouse_key_receives_a_purchase_order_but_cannot_void_it(company, draft_po, imei):
    from cellbooks.inventory.services import add_device_to_purchase_order

    add_device_to_purchase_order(
        purchase_order=draft_po,
        identifier=imei(40),
        manufacturer="Apple",
        model="iPhone 13",
        condition="A",
        cost="300",
    )
    _, raw = ApiKey.issue(company=company, name="scanner", role=Role.WAREHOUSE)
    headers = {"Authorization": f"Bearer {raw}"}
    client = Client()
    void = client.post(f"{BASE}/purchase-orders/{draft_po.pk}/void", headers=headers)
    assert void.status_code == 403
    received = client.post(f"{BASE}/purchase-orders/{draft_po.pk}/receive", headers=headers)
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "received"


@pytest.fixture
def warehouse(company):
    return add_member(
        company=company, email="wes@northwind.test", password=PASSWORD, role=Role.WAREHOUSE
    )


def test_a_warehouse_worker_receives_a_po_but_cannot_open_quickbooks_settings(
    client, warehouse, draft_po, imei
):
    from cellbooks.inventory.services import add_device_to_purchase_order

    add_device_to_purchase_order(
        purchase_order=draft_po,
        identifier=imei(41),
        manufacturer="Apple",
        model="iPhone 13",
        condition="A",
        cost="300",
    )
    client.force_login(warehouse)
    page = client.get(reverse("purchase_order_detail", args=[draft_po.pk])).content.decode()
    assert "Receive</button>" in page
    assert ">Void</a>" not in page and ">Edit</a>" not in page
    assert 'id="import-csv"' not in page  # costs are not warehouse work

    response = client.post(reverse("purchase_order_receive", args=[draft_po.pk]), follow=True)
    assert "received: its devices are in stock" in response.content.decode()
    draft_po.refresh_from_db()
    assert draft_po.status == "received"

    refused = client.get(reverse("quickbooks_settings"))
    assert refused.status_code == 403
    assert (
        "Your role (Warehouse) cannot connect, set up or sync QuickBooks and other integrations."
        in refused.content.decode()
    )
    overview = client.get(reverse("quickbooks_overview")).content.decode()
    assert 'id="qbo-connect"' not in overview and "can connect QuickBooks" in overview


def test_a_warehouse_worker_edits_a_devices_location_but_not_its_cost(client, warehouse, stock):
    device = stock[0]
    client.force_login(warehouse)
    response = client.post(
        reverse("device_edit", args=[device.pk]),
        {
            "identifier": device.identifier,
            "product": device.product_id,
            "condition": device.condition_id,
            "cost": "1.00",
            "price": "2.00",
            "location": "Shelf B4",
            "notes": "Scratched corner",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    assert device.location == "Shelf B4" and device.notes == "Scratched corner"
    assert str(device.cost) == "300.00" and str(device.price) == "400.00"


def test_a_viewer_sees_pages_without_the_buttons_and_cannot_post(client, company, stock, customer):
    viewer = add_member(company=company, email="val@northwind.test", password=PASSWORD)
    assert Membership.objects.get(user=viewer).role == Role.VIEWER  # the least a member gets
    client.force_login(viewer)
    for name in ("invoice_list", "purchase_order_list", "device_list", "partner_list", "dashboard"):
        page = client.get(reverse(name)).content.decode()
        assert "New invoice" not in page and "New purchase order" not in page, name
        assert "Add a device" not in page and "Add a partner" not in page, name
    response = client.post(reverse("invoice_create"), {"customer": customer.pk})
    assert response.status_code == 403
    assert "Your role (Viewer) cannot change purchase orders" in response.content.decode()
    assert not customer.invoices.exists()
