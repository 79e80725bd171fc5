from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from collections_app import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("accounts.moved")),  # the workspace panels' old addresses under queue/ and reminders/
    path("queue/", include("work.queue.urls")),
    path("import/", include("erp.urls")),
    path("team/", include("team.urls")),
    path("reports/", include("reporting.urls")),
    path("reminders/", include("reminders.urls")),
    path("portal/", include("portal.urls")),
    path("payments/", include("payments.urls")),
    path("autopay/", include("autopay.urls")),
    path("cash/", include("cashapp.urls")),
    path("bank/", include("banking.urls")),
    path("inbox/", include("inbox.urls")),
    # --- html ---
    path("email/", include("reminders.email_urls")),
    # --- end html ---
    # --- windows ---
    # --- end windows ---
    # --- ingest ---
    # --- end ingest ---
    # --- reply ---
    # --- end reply ---
    # --- mapping ---
    # --- end mapping ---
    # --- family ---
    # --- end family ---
    # --- dupes ---
    path("discrepancies/", include("work.discrepancies.urls")),
    # --- end dupes ---
    # --- forecast ---
    # --- end forecast ---
    path("api/reports/", include("reporting.api_urls")),
    path("api/", include("collections_app.api_urls")),
]
