from django.urls import path

from reporting import views

urlpatterns = [
    path("", views.index, name="reports"),
    path("aging/", views.aging, name="reports_aging"),
    path("aging/invoices/", views.aging_invoices, name="reports_aging_invoices"),
    path("dso/", views.dso, name="reports_dso"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/accuracy/", views.forecast_accuracy, name="forecast_accuracy"),
    path("kpis/", views.kpis, name="reports_kpis"),
]
