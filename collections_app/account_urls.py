from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("reassign/", views.accounts_reassign, name="accounts_reassign"),
    path("<int:pk>/", views.account_detail, name="account"),
    path("<int:pk>/portal/revoke/", views.account_portal_revoke, name="account_portal_revoke"),
]
