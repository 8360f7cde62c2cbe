"""A single Sync costs the calls that matter: the company's preferences and its A/P account are
read once per realm and kept for minutes (saving the settings forgets them)."""

from django.urls import reverse
from qbo_helpers import request_log, run_pending, settings_form

from cellbooks.inventory import services as inventory
from cellbooks.quickbooks import outbox, realm_cache


def reads(qbo, since):
    log = request_log(qbo)[since:]
    return {
        "preferences": sum(1 for e in log if e["path"].endswith("/preferences")),
        "ap_account": sum(
            1 for e in log if "Accounts+Payable" in e["query"] or "Accounts%20Payable" in e["query"]
        ),
        "bills": sum(1 for e in log if e["method"] == "POST" and e["path"].endswith("/bill")),
    }


def _po(company, vendor, imei, n):
    po = inventory.create_purchase_order(company=company, vendor=vendor)
    inventory.add_device_to_purchase_order(
        purchase_order=po, identifier=imei(n), manufacturer="Apple", model="iPhone 13",
        condition="A", cost="300.00",
    )  # fmt: skip
    return inventory.receive_purchase_order(purchase_order=po)


def test_the_second_sync_reads_neither_preferences_nor_the_ap_account_again(
    ready, qbo, company, vendor, imei
):
    realm_cache.forget()
    start = len(request_log(qbo))
    for n in (901, 902, 903):
        po = _po(company, vendor, imei, n)
        outbox.request_sync(company=company, kind="purchase_order", local_id=po.pk, wake=False)
        run_pending()
    assert reads(qbo, start) == {"preferences": 1, "ap_account": 1, "bills": 3}

    # Saving the settings forgets them: the next sync reads QuickBooks afresh.
    assert ready.post(reverse("quickbooks_settings"), settings_form(qbo)).status_code == 302
    start = len(request_log(qbo))
    po = _po(company, vendor, imei, 904)
    outbox.request_sync(company=company, kind="purchase_order", local_id=po.pk, wake=False)
    run_pending()
    assert reads(qbo, start) == {"preferences": 1, "ap_account": 1, "bills": 1}
