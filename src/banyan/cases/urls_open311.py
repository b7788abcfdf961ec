"""Open311 GeoReport v2 (included by banyan/urls.py at /open311/v2/): the standard's resources, each answering
`.json` or `.xml`, and the staff page of the apps allowed to post (their api_keys) at /open311/v2/clients/."""

from django.urls import path, re_path

from banyan.cases import open311

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, open311.requests_resource, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, open311.request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="open311-token"),
    path("clients/", open311.clients_page, name="open311-clients"),
    path("clients/<int:pk>/revoke/", open311.client_revoke, name="open311-client-revoke"),
]
