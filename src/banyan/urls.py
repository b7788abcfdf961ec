from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The public doors of cases (no account): the resident's form, status page and JSON API, and Open311.
    path("", include("banyan.cases.urls_public")),
    path("open311/v2/", include("banyan.cases.urls_open311")),
    path("api/", include("banyan.api_urls")),
    path("", include("banyan.cases.urls_stats")),
    path("", include("banyan.cases.urls")),
    path("", include("banyan.ledgers.urls")),
    path("", include("banyan.core.urls")),
]

# Outside views too (and with DEBUG off): our pages, JSON under /api/ (banyan.core.middleware).
handler400 = "banyan.core.middleware.bad_request"
handler403 = "banyan.core.middleware.permission_denied"
handler404 = "banyan.core.middleware.not_found"
handler500 = "banyan.core.middleware.server_error"
