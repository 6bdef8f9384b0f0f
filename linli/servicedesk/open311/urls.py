"""Open311 GeoReport v2 at /open311/v2: location-based reports become cases of the same desk."""

from django.urls import URLPattern, path, re_path

from linli.servicedesk.open311 import views

app_name = "open311"

_FORMAT = r"\.(?P<fmt>xml|json)$"

urlpatterns: list[URLPattern] = [
    # Service Discovery suggests serving the discovery document at the endpoint's root as well.
    path("", views.discovery, name="root"),
    re_path(r"^discovery" + _FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + _FORMAT, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/]*?)" + _FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + _FORMAT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]*?)" + _FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]*?)" + _FORMAT, views.token, name="token"),
    re_path(r"^(?P<path>.+)$", views.invalid_url, name="invalid_url"),
]
