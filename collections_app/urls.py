from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("accounts/", include("collections_app.account_urls")),
    path("queue/", include("collections_app.queue.urls")),
    path("import/", include("collections_app.imports.urls")),
    path("team/", include("portfolios.urls")),
    path("reports/", include("reporting.urls")),
    path("reminders/", include("reminders.urls")),
    path("portal/", include("portal.urls")),
    path("api/reports/", include("reporting.api_urls")),
    path("api/", include("collections_app.api_urls")),
]
