"""The seam: inventory pages show what the registered integrations contribute, and nothing when
none is installed. Another integration than QuickBooks plugs in the same way."""

import pytest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cellbooks.core.integrations import Integration, ListExtension, PaymentPolicy, registry
from cellbooks.inventory import services
from cellbooks.inventory.models import Payment


class Ledger(Integration):
    """A made-up accounting system: every hook says something recognisable."""

    key, name, url_prefix = "ledger", "Ledger", "ledger_"

    def banner(self, request):
        return mark_safe('<div id="ledger-banner">Ledger is down</div>')

    def card(self, request):
        return mark_safe('<section id="ledger-card">Ledger</section>')

    def document_panel(self, request, *, kind, document):
        return format_html('<section id="ledger-panel">{} {}</section>', kind, document.number)

    def list_extension(self, request, *, kind, documents):
        return ListExtension(
            form=mark_safe('<form id="ledger-form"></form>'),
            header=mark_safe("LG"),
            cells={d.pk: format_html('<i class="ledger-mark">{}</i>', d.number) for d in documents},
        )

    def void_notice(self, *, company, kind, document):
        return f"Ledger voids {document.number} too."

    def payment_policy(self, request, *, invoice):
        return PaymentPolicy(
            notice="Ledger keeps payments.",
            confirm_label="Record it here anyway",
            refusal="Ledger keeps this invoice's payments: tick the box to record it here.",
        )


@pytest.fixture
def only(monkeypatch):
    """Install exactly these integrations for one test."""

    def install(*integrations):
        monkeypatch.setattr(registry, "_integrations", {i.key: i for i in integrations})

    return install


@pytest.fixture
def open_invoice(draft_invoice, stock):
    services.add_devices_to_invoice(
        invoice=draft_invoice, identifiers=[d.identifier for d in stock[:2]]
    )
    return services.open_invoice(invoice=draft_invoice)


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_with_no_integration_the_pages_show_none(client_logged_in, open_invoice, only):
    only()
    invoice = page(client_logged_in, "invoice_detail", open_invoice.pk)
    listing = page(client_logged_in, "invoice_list")
    void = page(client_logged_in, "invoice_void", open_invoice.pk)
    integrations = page(client_logged_in, "integrations")
    for html in (invoice, listing, void, integrations):
        assert "QuickBooks" not in html and "Ledger" not in html
    response = client_logged_in.post(
        reverse("invoice_record_payment", args=[open_invoice.pk]),
        {"amount": "100.00", "date": "2026-11-30", "method": "wire", "reference": ""},
    )
    assert response.status_code == 302
    assert Payment.objects.get(invoice=open_invoice).amount == 100


def test_an_integration_contributes_to_every_page(client_logged_in, open_invoice, only):
    only(Ledger())
    invoice = page(client_logged_in, "invoice_detail", open_invoice.pk)
    assert f'<section id="ledger-panel">invoice {open_invoice.number}</section>' in invoice
    assert '<div id="ledger-banner">Ledger is down</div>' in invoice
    assert 'name="confirm_ledger"' in invoice and "Ledger keeps payments." in invoice
    listing = page(client_logged_in, "invoice_list")
    assert '<form id="ledger-form"></form>' in listing and "<th>LG</th>" in listing
    assert f'<td><i class="ledger-mark">{open_invoice.number}</i></td>' in listing
    assert f"Ledger voids {open_invoice.number} too." in page(
        client_logged_in, "invoice_void", open_invoice.pk
    )
    assert 'id="ledger-card"' in page(client_logged_in, "integrations")


def test_an_integrations_payment_policy_is_enforced(client_logged_in, open_invoice, only):
    only(Ledger())
    form = {"amount": "100.00", "date": "2026-11-30", "method": "wire", "reference": ""}
    url = reverse("invoice_record_payment", args=[open_invoice.pk])

    refused = client_logged_in.post(url, form)
    assert refused.status_code == 200
    assert "Ledger keeps this invoice&#x27;s payments" in refused.content.decode()
    assert not Payment.objects.filter(invoice=open_invoice).exists()

    assert client_logged_in.post(url, {**form, "confirm_ledger": "1"}).status_code == 302
    assert Payment.objects.get(invoice=open_invoice).source == Payment.MANUAL


def test_a_payment_receiver_that_fails_undoes_the_payment(open_invoice):
    """payment_recorded is sent inside record_payment's transaction: whatever an integration
    writes on it commits with the payment, or neither does."""
    from cellbooks.inventory.signals import payment_recorded

    def broken_receiver(sender, company, invoice, payment, **kwargs):
        raise RuntimeError("the integration could not write its row")

    payment_recorded.connect(broken_receiver)
    try:
        with pytest.raises(RuntimeError):
            services.record_payment(invoice=open_invoice, amount="10")
    finally:
        payment_recorded.disconnect(broken_receiver)
    assert not Payment.objects.filter(invoice=open_invoice).exists()
    open_invoice.refresh_from_db()
    assert open_invoice.amount_paid == 0 and open_invoice.status == "open"
