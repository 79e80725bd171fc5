from django.urls import include, path

from accounts import views
from work.holds import views as hold_views

urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("reassign/", views.accounts_reassign, name="accounts_reassign"),
    path("<int:pk>/", views.account_detail, name="account"),
    path("<int:pk>/portal/revoke/", views.account_portal_revoke, name="account_portal_revoke"),
    path("<int:pk>/credit-hold/", hold_views.account_credit_hold, name="account_credit_hold"),
    path("<int:pk>/credit-hold/release/", hold_views.account_credit_release, name="account_credit_release"),
    path("holds/", include("work.holds.urls")),
    path("<int:pk>/plans/", include("work.plans.urls")),
]
