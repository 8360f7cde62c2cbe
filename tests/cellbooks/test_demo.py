"""The demo company that `make run` loads: realistic, consistent, repeatable and quick."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from cellbooks.accounts.models import Company, Membership
from cellbooks.core.identifiers import is_valid_imei
from cellbooks.core.money import money_sum
from cellbooks.inventory.models import Device, Invoice, Partner, Product, PurchaseOrder

pytestmark = pytest.mark.django_db


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    output = load("--if-empty")
    return Company.objects.get(slug="demo"), output, None


def test_it_builds_the_demo_company_and_prints_the_login(demo):
    company, output, _ = demo
    assert company.name == "Demo Phones Wholesale"
    assert "demo@cellbooks.test" in output and "password demo" in output


def test_the_demo_team_can_log_in_each_with_their_role(demo, rf):
    company, _, _ = demo
    team = {
        "demo@cellbooks.test": Membership.Role.OWNER,
        "bookkeeper@cellbooks.test": Membership.Role.BOOKKEEPER,
        "warehouse@cellbooks.test": Membership.Role.WAREHOUSE,
        "viewer@cellbooks.test": Membership.Role.VIEWER,
    }
    for email, role in team.items():
        # django-axes checks every sign-in, so authenticate() is given the request it checks.
        user = authenticate(rf.post("/accounts/login/"), username=email, password="demo")
        assert user is not None, email
        assert Membership.objects.get(user=user, company=company).role == role


def test_it_has_about_300_valid_devices_over_about_20_products(demo):
    company, _, _ = demo
    devices = Device.objects.filter(company=company)
    assert devices.count() == 300
    assert (
        18
        <= Product.objects.filter(company=company, devices__isnull=False).distinct().count()
        <= 26
    )
    assert set(Product.objects.filter(company=company).values_list("kind", flat=True)) == {
        "phone",
        "tablet",
    }
    imeis = devices.filter(identifier_kind="imei").values_list("identifier", flat=True)
    assert imeis and all(is_valid_imei(i) for i in imeis)
    assert set(devices.values_list("condition__code", flat=True)) == {"A", "B", "C", "D"}
    assert set(devices.values_list("status", flat=True)) == {
        "incoming",
        "in_stock",
        "committed",
        "sold",
        "returned",
    }
    assert len(set(devices.values_list("cost", flat=True))) > 50


def test_one_partner_is_both_vendor_and_customer(demo):
    company, _, _ = demo
    acme = Partner.objects.get(company=company, name="Acme Wireless")
    assert acme.is_vendor and acme.is_customer
    assert acme.invoices.exists() and acme.purchase_orders.exists()


def test_documents_are_in_every_state_and_their_money_adds_up(demo):
    company, _, _ = demo
    po_states = set(PurchaseOrder.objects.filter(company=company).values_list("status", flat=True))
    assert po_states == {"draft", "received", "closed", "void"}
    invoices = Invoice.objects.filter(company=company)
    assert set(invoices.values_list("status", flat=True)) == {
        "draft",
        "open",
        "partially_paid",
        "paid",
        "void",
    }
    for invoice in invoices:
        assert invoice.total == money_sum(invoice.lines.values_list("unit_price", flat=True))
        assert invoice.amount_paid == money_sum(invoice.payments.values_list("amount", flat=True))
    assert invoices.filter(payments__isnull=False).exists()


def test_if_empty_leaves_an_existing_demo_alone(demo):
    company, _, _ = demo
    output = load("--if-empty")
    assert "exists already" in output
    assert Company.objects.filter(slug="demo").count() == 1
    assert Device.objects.filter(company=company).count() == 300


def test_without_a_flag_it_refuses_to_build_a_second_demo(demo):
    with pytest.raises(CommandError, match="exists already"):
        load()


def test_replace_rebuilds_the_same_demo(demo):
    company, _, _ = demo
    before = sorted(Device.objects.filter(company=company).values_list("identifier", flat=True))
    load("--replace")
    rebuilt = Company.objects.get(slug="demo")
    assert rebuilt.pk != company.pk
    assert (
        sorted(Device.objects.filter(company=rebuilt).values_list("identifier", flat=True))
        == before
    )
