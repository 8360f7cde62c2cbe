"""API keys in the UI: an owner creates one (shown once), names it and gives it a role; the list
shows when it was last used; revoking it stops it at once."""

import html
import re

from django.urls import reverse
from test_api_support import ApiClient

from cellbooks.accounts.models import ApiKey, AuditEntry
from cellbooks.accounts.services import add_member
from cellbooks.core.permissions import Role


def text(response) -> str:
    return html.unescape(response.content.decode())


def create_key(client, name="warehouse scanner", role=Role.WAREHOUSE) -> tuple[str, str]:
    response = client.post(reverse("api_keys"), {"name": name, "role": role}, follow=True)
    # Created, then shown on the page the creation redirects to (a reload cannot make another).
    assert response.redirect_chain == [(reverse("api_keys"), 302)]
    assert response["Cache-Control"] == "no-store"
    page = text(response)
    raw = re.search(r'id="new-key-value">(cbk_[^<]+)<', page).group(1)
    assert "api_key_shown_once" not in client.session  # the secret is not kept
    return raw, page


def test_an_owner_creates_a_key_that_is_shown_once_and_acts_with_its_role(
    client_logged_in, company, user, vendor
):
    raw, page = create_key(client_logged_in)
    assert "Copy it now: it is shown only this once." in page
    key = ApiKey.objects.get(company=company)
    assert (key.name, key.role, key.created_by) == ("warehouse scanner", Role.WAREHOUSE, user)
    assert key.key_hash == ApiKey.hash_key(raw) and raw not in key.key_prefix + key.key_hash

    listed = text(client_logged_in.get(reverse("api_keys")))
    assert "warehouse scanner" in listed and key.key_prefix in listed
    assert raw not in listed  # never again
    assert "never" in listed  # not used yet

    api = ApiClient(raw)
    assert api.get("/vendors").status_code == 200
    refused = api.post("/vendors", {"name": "Not allowed"})
    assert refused.status_code == 403
    assert "This API key's role (Warehouse) cannot" in refused.json()["detail"]
    listed = text(client_logged_in.get(reverse("api_keys")))
    key.refresh_from_db()
    assert key.last_used_at is not None and "never" not in listed


def test_revoking_a_key_stops_it_at_once(client_logged_in, company):
    raw, _ = create_key(client_logged_in, name="shop sync", role=Role.BOOKKEEPER)
    api = ApiClient(raw)
    assert api.get("/devices").status_code == 200
    key = ApiKey.objects.get(company=company)
    response = client_logged_in.post(reverse("api_key_revoke", args=[key.pk]), follow=True)
    assert "API key “shop sync” is revoked: it no longer works." in text(response)
    assert api.get("/devices").status_code == 401
    assert "Revoked" in text(client_logged_in.get(reverse("api_keys")))
    again = client_logged_in.post(reverse("api_key_revoke", args=[key.pk]), follow=True)
    assert "already revoked" in text(again)

    entries = AuditEntry.objects.filter(company=company, target_kind="api_key")
    assert sorted(entries.values_list("action", flat=True)) == [
        "api_key.created",
        "api_key.revoked",
    ]
    assert all(e.actor_label == "owner@northwind.test" for e in entries)


def test_a_key_needs_a_name_and_a_role(client_logged_in, company):
    response = client_logged_in.post(reverse("api_keys"), {"name": "  ", "role": "god"})
    page = text(response)
    assert "This field is required." in page or "Give the key a name" in page
    assert "Select a valid choice" in page
    assert not ApiKey.objects.exists()


def test_only_owners_manage_keys(client, company, other_company):
    bookkeeper = add_member(
        company=company, email="bea@northwind.test", password=None, role=Role.BOOKKEEPER
    )
    client.force_login(bookkeeper)
    assert client.get(reverse("api_keys")).status_code == 403
    assert client.post(reverse("api_keys"), {"name": "x", "role": Role.OWNER}).status_code == 403
    assert not ApiKey.objects.exists()


def test_another_companys_key_cannot_be_revoked(client_logged_in, other_company):
    theirs, _ = ApiKey.issue(company=other_company, name="theirs")
    assert client_logged_in.post(reverse("api_key_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
