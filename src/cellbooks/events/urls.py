from django.urls import path

from . import views

urlpatterns = [
    path("", views.endpoint_list, name="events_endpoints"),
    path("<int:pk>/", views.endpoint_detail, name="events_endpoint"),
    path("<int:pk>/switch/", views.endpoint_switch, name="events_endpoint_switch"),
    path("<int:pk>/test/", views.endpoint_test, name="events_endpoint_test"),
    path("<int:pk>/secret/", views.endpoint_secret, name="events_endpoint_secret"),
    path("<int:pk>/delete/", views.endpoint_delete, name="events_endpoint_delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="events_redeliver",
    ),
]
