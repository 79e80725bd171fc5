from django.urls import path

from erp import views

urlpatterns = [
    path("", views.import_ar, name="import_ar"),
    path("upload/", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_job, name="import_job"),
    path("<int:pk>/errors.csv", views.import_errors_csv, name="import_errors_csv"),
    # --- mapping ---
    path("<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    # --- end mapping ---
]
