"""The Webhooks pages under Integrations: add an address, see its secret once, test it, read what
was sent, send again, turn it off, remove it — and nothing of another company's."""

import re

import pytest
from django.urls import reverse
from event_inbox import EventInbox

from cellbooks.events.models import Delivery, Subscription


@pytest.fixture
def inbox():
    receiver = EventInbox()
    yield receiver
    receiver.close()


def add_endpoint(client, url, *event_types, description="Our web shop"):
    return client.post(
        reverse("events_endpoints"),
        {"url": url, "description": description, "event_types": list(event_types) or ["*"]},
    )


def test_the_integrations_page_offers_webhooks(client_logged_in):
    page = client_logged_in.get(reverse("integrations")).content.decode()
    assert 'id="webhooks-card"' in page
    assert reverse("events_endpoints") in page


def test_adding_an_address_shows_its_secret_once(client_logged_in, inbox, company):
    response = add_endpoint(client_logged_in, inbox.url, "invoice.paid", "device.sold")
    subscription = Subscription.objects.get(company=company)
    assert response.status_code == 302
    assert response["Location"] == reverse("events_endpoint", args=[subscription.pk])
    assert subscription.event_types == ["invoice.paid", "device.sold"]

    first = client_logged_in.get(response["Location"]).content.decode()
    [shown] = re.findall(r'id="secret-value">([^<]+)<', first)
    assert shown == subscription.secret
    assert shown not in subscription.secret_encrypted  # encrypted at rest
    again = client_logged_in.get(response["Location"]).content.decode()
    assert "secret-value" not in again and shown not in again


def test_a_bad_address_is_refused_on_the_form(client_logged_in):
    response = add_endpoint(client_logged_in, "not a web address")
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not Subscription.objects.exists()


def test_test_event_turn_off_send_again_and_remove(
    client_logged_in, inbox, company, django_capture_on_commit_callbacks
):
    add_endpoint(client_logged_in, inbox.url)
    subscription = Subscription.objects.get(company=company)
    detail = reverse("events_endpoint", args=[subscription.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client_logged_in.post(reverse("events_endpoint_test", args=[subscription.pk]))
    assert inbox.next()[0]["cellbooks-event-type"] == "ping"
    page = client_logged_in.get(detail).content.decode()
    assert "Delivered" in page and ">ping<" in page

    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_logged_in.post(
            reverse("events_redeliver", args=[subscription.pk, delivery.pk]), follow=True
        )
    assert inbox.next()[0]["cellbooks-event-id"] == delivery.event.public_id
    assert Delivery.objects.count() == 2

    page = client_logged_in.post(
        reverse("events_endpoint_switch", args=[subscription.pk]), follow=True
    ).content.decode()
    assert "Turned off" in page
    subscription.refresh_from_db()
    assert subscription.is_active is False

    confirm = client_logged_in.get(reverse("events_endpoint_delete", args=[subscription.pk]))
    assert "Stop sending events to this address?" in confirm.content.decode()
    gone = client_logged_in.post(reverse("events_endpoint_delete", args=[subscription.pk]))
    assert gone["Location"] == reverse("events_endpoints")
    assert not Subscription.objects.exists()


def test_a_new_secret_replaces_the_old(client_logged_in, inbox, company):
    add_endpoint(client_logged_in, inbox.url)
    subscription = Subscription.objects.get(company=company)
    old = subscription.secret
    page = client_logged_in.post(
        reverse("events_endpoint_secret", args=[subscription.pk]), follow=True
    ).content.decode()
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert re.findall(r'id="secret-value">([^<]+)<', page) == [subscription.secret]


def test_another_companys_addresses_are_not_found(client, other_user, company, inbox):
    from cellbooks.events import services

    subscription, _ = services.create_subscription(
        company=company, url=inbox.url, event_types=["*"]
    )
    client.force_login(other_user)
    for name in ("events_endpoint", "events_endpoint_delete"):
        assert client.get(reverse(name, args=[subscription.pk])).status_code == 404
    for name in ("events_endpoint_switch", "events_endpoint_test", "events_endpoint_secret"):
        assert client.post(reverse(name, args=[subscription.pk])).status_code == 404
    assert inbox.url not in client.get(reverse("events_endpoints")).content.decode()
    subscription.refresh_from_db()
    assert subscription.is_active
