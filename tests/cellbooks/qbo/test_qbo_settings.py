"""QuickBooks settings: live accounts, the item created or adopted, every failure explained."""

from django.urls import reverse
from qbo_helpers import account_named, connect, settings_form

from cellbooks.quickbooks.models import Connection, IntegrationSettings


def items_named(qbo, name):
    return [i for i in qbo.emulator.store.list_entities(qbo.realm, "Item") if i["Name"] == name]


def test_the_settings_page_offers_live_accounts_with_sensible_defaults(connected, qbo):
    page = connected.get(reverse("quickbooks_settings")).content.decode()

    income = account_named(qbo, "Sales of Product Income")["Id"]
    expense = account_named(qbo, "Cost of Goods Sold")["Id"]
    assert f'<option value="{income}" selected>Sales of Product Income</option>' in page
    assert f'<option value="{expense}" selected>Cost of Goods Sold' in page
    assert (
        "Accounts Payable" not in page.split('id="id_income_account_id"')[1].split("</select>")[0]
    )


def test_saving_creates_the_noninventory_item_with_the_chosen_accounts(connected, qbo, company):
    response = connected.post(reverse("quickbooks_settings"), settings_form(qbo))

    assert response.status_code == 302
    [item] = items_named(qbo, "Cellbooks Inventory")
    assert item["Type"] == "NonInventory"
    assert item["IncomeAccountRef"]["value"] == account_named(qbo, "Sales of Product Income")["Id"]
    assert item["ExpenseAccountRef"]["value"] == account_named(qbo, "Cost of Goods Sold")["Id"]
    saved = IntegrationSettings.objects.get(company=company)
    assert saved.item_qbo_id == item["Id"] and saved.is_complete
    assert saved.income_account_name == "Sales of Product Income"


def test_saving_again_updates_the_same_item_instead_of_creating_another(connected, qbo):
    connected.post(reverse("quickbooks_settings"), settings_form(qbo))
    other_income = account_named(qbo, "Services")["Id"]

    connected.post(
        reverse("quickbooks_settings"), settings_form(qbo, income_account_id=other_income)
    )

    [item] = items_named(qbo, "Cellbooks Inventory")
    assert item["IncomeAccountRef"]["value"] == other_income


def test_an_existing_item_of_that_name_is_shown_before_it_is_adopted(connected, qbo, company):
    existing = qbo.emulator.store.create_entity(
        qbo.realm,
        "Item",
        {
            "Name": "Phones",
            "Type": "NonInventory",
            "IncomeAccountRef": {"value": account_named(qbo, "Services")["Id"]},
            "ExpenseAccountRef": {"value": account_named(qbo, "Cost of Goods Sold")["Id"]},
        },
    )

    shown = connected.post(
        reverse("quickbooks_settings"), settings_form(qbo, item_name="Phones")
    ).content.decode()
    assert "An item named “Phones” already exists in QuickBooks" in shown
    assert not IntegrationSettings.objects.get(company=company).item_qbo_id

    adopted = connected.post(
        reverse("quickbooks_settings"),
        {**settings_form(qbo, item_name="Phones"), "adopt_item": "1"},
    )

    assert adopted.status_code == 302
    assert IntegrationSettings.objects.get(company=company).item_qbo_id == existing["Id"]
    [item] = items_named(qbo, "Phones")
    assert item["IncomeAccountRef"]["value"] == account_named(qbo, "Sales of Product Income")["Id"]


def test_an_inactive_account_is_refused_in_words_a_bookkeeper_understands(connected, qbo, company):
    income = account_named(qbo, "Sales of Product Income")
    page = connected.get(
        reverse("quickbooks_settings")
    )  # the choices are read while it is still active
    assert page.status_code == 200
    qbo.emulator.store.update_entity(
        qbo.realm,
        "Account",
        {"Id": income["Id"], "SyncToken": income["SyncToken"], "Active": False},
        sparse=True,
    )

    response = connected.post(
        reverse("quickbooks_settings"), settings_form(qbo, income_account_id=income["Id"])
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "inactive in QuickBooks" in text or "is not one of the available choices" in text
    assert not IntegrationSettings.objects.get(company=company).item_qbo_id


def test_purchase_orders_are_refused_with_the_reason_on_an_essentials_company(
    client_logged_in, qbo, company
):
    essentials = qbo.emulator.store.create_company(
        name="Plain Essentials", plan="essentials", purchase_orders_enabled=False
    )
    connect(client_logged_in, qbo, essentials)

    page = client_logged_in.get(reverse("quickbooks_settings")).content.decode()
    assert "Purchase orders need QuickBooks Online Plus or Advanced" in page
    form = settings_form(qbo, sync_pos_to="purchase_order")
    form["income_account_id"] = account_named(qbo, "Sales of Product Income", essentials)["Id"]
    form["expense_account_id"] = account_named(qbo, "Cost of Goods Sold", essentials)["Id"]

    response = client_logged_in.post(reverse("quickbooks_settings"), form)

    assert "Purchase orders need QuickBooks Online Plus or Advanced" in response.content.decode()
    assert IntegrationSettings.objects.get(company=company).sync_pos_to == "bill"


def test_purchase_orders_switched_off_in_preferences_are_explained(client_logged_in, qbo, company):
    plus_without = qbo.emulator.store.create_company(
        name="Plus No POs", plan="plus", purchase_orders_enabled=False
    )
    connect(client_logged_in, qbo, plus_without)

    page = client_logged_in.get(reverse("quickbooks_settings")).content.decode()

    assert "Purchase orders are switched off in this QuickBooks company" in page


def test_settings_survive_a_reconnect(connected, qbo, company):
    connected.post(
        reverse("quickbooks_settings"),
        settings_form(qbo, item_name="Devices", sync_pos_to="purchase_order"),
    )
    connected.post(reverse("quickbooks_disconnect"))

    connect(connected, qbo)

    saved = IntegrationSettings.objects.get(company=company)
    assert (saved.item_name, saved.sync_pos_to) == ("Devices", "purchase_order")
    assert saved.item_qbo_id == items_named(qbo, "Devices")[0]["Id"]


def test_connecting_to_a_different_realm_needs_an_explicit_confirmation(connected, qbo, company):
    connected.post(reverse("quickbooks_settings"), settings_form(qbo))
    other = qbo.emulator.store.create_company(
        name="Another Books", plan="plus", purchase_orders_enabled=True
    )

    guard = connect(connected, qbo, other)

    page = guard.content.decode()
    assert guard.status_code == 200 and "You chose a different QuickBooks company" in page
    connection = Connection.objects.get(company=company)
    assert connection.realm_id == qbo.realm  # nothing changed yet
    form = {name: value for name, value in _hidden_inputs(page).items()}

    switched = connected.post(reverse("quickbooks_confirm_realm"), {**form, "decision": "switch"})

    assert switched.status_code == 302
    connection.refresh_from_db()
    assert connection.realm_id == other and connection.linked_realm_id == other
    assert not IntegrationSettings.objects.get(
        company=company
    ).item_qbo_id  # links into the old realm forgotten


def test_keeping_the_old_realm_changes_nothing(connected, qbo, company):
    connected.post(reverse("quickbooks_settings"), settings_form(qbo))
    other = qbo.emulator.store.create_company(
        name="Another Books", plan="plus", purchase_orders_enabled=True
    )
    page = connect(connected, qbo, other).content.decode()

    connected.post(
        reverse("quickbooks_confirm_realm"), {**_hidden_inputs(page), "decision": "keep"}
    )

    assert Connection.objects.get(company=company).realm_id == qbo.realm
    assert IntegrationSettings.objects.get(company=company).item_qbo_id


def _hidden_inputs(html: str) -> dict:
    import re

    return dict(
        re.findall(r'<input type="hidden" name="(state|code|realmId)" value="([^"]*)">', html)
    )
