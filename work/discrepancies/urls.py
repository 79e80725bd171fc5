from django.urls import path

from work.discrepancies import views

urlpatterns = [
    path("", views.discrepancies, name="discrepancies"),
    path("<int:pk>/confirm/", views.discrepancy_confirm, name="discrepancy_confirm"),
    path("<int:pk>/dismiss/", views.discrepancy_dismiss, name="discrepancy_dismiss"),
]
