"""URL patterns of the cases app's stats part (included by banyan/urls.py before the registry's routes): the
figures page and its API. /cases/figures/ is not shadowed by a case's page: the registry's routes take `<int:pk>`."""

from django.urls import path

from banyan.cases.stats_views import CaseFiguresView, case_figures_page

urlpatterns = [
    path("cases/figures/", case_figures_page, name="case-figures"),
    path("api/case-figures/", CaseFiguresView.as_view(), name="api-case-figures"),
]
