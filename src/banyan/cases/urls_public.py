"""URL patterns of the cases app's public part (included by banyan/urls.py): the residents' door, no account."""

from django.urls import path

from banyan.cases import public

urlpatterns = [
    path("r/<str:code>/", public.intake_form, name="public-form"),
    path("r/<str:code>/poster/", public.intake_poster, name="public-poster"),
    path("t/", public.status_find, name="public-find"),
    path("t/<str:tracking_code>/", public.status_page, name="public-status"),
    path("api/public/cases/", public.api_cases, name="public-api-cases"),
    path("api/public/cases/<str:tracking_code>/", public.api_case, name="public-api-case"),
]
