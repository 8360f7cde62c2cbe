"""The Webhooks pages under Integrations: the company's endpoints, each with its delivery log.
Views parse input, call a service or a selector, and render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cellbooks.core.views import add_service_errors, company_required, error_text, paginate

from . import selectors, services
from .forms import SubscriptionForm
from .models import Delivery, Subscription

SECRET_SHOWN = "events_new_secret"


def _endpoint(request, pk) -> Subscription:
    return Subscription.objects.get_for_company_or_404(request.company, pk=pk)


def _show_secret_once(request, subscription, secret: str) -> None:
    request.session[SECRET_SHOWN] = {"pk": subscription.pk, "secret": secret}


@company_required
def endpoint_list(request):
    form = SubscriptionForm(request.POST or None, initial={"event_types": [Subscription.ALL]})
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.create_subscription(
                company=request.company, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _show_secret_once(request, subscription, secret)
            messages.success(request, f"Cellbooks now sends events to {subscription.url}.")
            return redirect("events_endpoint", pk=subscription.pk)
    endpoints = selectors.subscriptions_for(company=request.company)
    last = {}
    for delivery in (
        Delivery.objects.for_company(request.company)
        .filter(subscription__in=endpoints)
        .order_by("subscription_id", "-created_at", "-id")
    ):
        last.setdefault(delivery.subscription_id, delivery)
    return render(
        request,
        "events/endpoint_list.html",
        {"form": form, "endpoints": [(e, last.get(e.pk)) for e in endpoints]},
    )


@company_required
def endpoint_detail(request, pk):
    subscription = _endpoint(request, pk)
    shown = request.session.get(SECRET_SHOWN)
    secret = None
    if shown and shown.get("pk") == subscription.pk:
        secret = shown["secret"]
        del request.session[SECRET_SHOWN]
    deliveries = selectors.deliveries_for(company=request.company, subscription_id=subscription.pk)
    return render(
        request,
        "events/endpoint_detail.html",
        {"endpoint": subscription, "secret": secret, "page_obj": paginate(request, deliveries)},
    )


@require_POST
@company_required
def endpoint_switch(request, pk):
    subscription = _endpoint(request, pk)
    services.update_subscription(subscription=subscription, is_active=not subscription.is_active)
    messages.success(
        request,
        "Turned on: new events are sent again."
        if subscription.is_active
        else "Turned off: nothing is sent to this address until you turn it on.",
    )
    return redirect("events_endpoint", pk=subscription.pk)


@require_POST
@company_required
def endpoint_test(request, pk):
    subscription = _endpoint(request, pk)
    try:
        services.send_test(subscription=subscription)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.info(request, "A test event is on its way; its delivery appears below.")
    return redirect("events_endpoint", pk=subscription.pk)


@require_POST
@company_required
def endpoint_secret(request, pk):
    subscription = _endpoint(request, pk)
    _show_secret_once(request, subscription, services.rotate_secret(subscription=subscription))
    messages.success(request, "New signing secret made: the old one no longer signs anything.")
    return redirect("events_endpoint", pk=subscription.pk)


@company_required
def endpoint_delete(request, pk):
    """GET asks for confirmation; POST deletes."""
    subscription = _endpoint(request, pk)
    if request.method == "POST":
        services.delete_subscription(subscription=subscription)
        messages.success(request, f"Cellbooks no longer sends events to {subscription.url}.")
        return redirect("events_endpoints")
    return render(request, "events/endpoint_delete.html", {"endpoint": subscription})


@require_POST
@company_required
def delivery_redeliver(request, pk, delivery_pk):
    subscription = _endpoint(request, pk)
    delivery = Delivery.objects.get_for_company_or_404(
        request.company, pk=delivery_pk, subscription=subscription
    )
    try:
        services.redeliver(delivery=delivery)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.info(request, f"{delivery.event.type} is on its way again.")
    return redirect("events_endpoint", pk=subscription.pk)
