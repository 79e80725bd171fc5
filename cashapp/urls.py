"""The cash application pages, mounted at /cash/."""

from django.urls import path

from cashapp import views

urlpatterns = [
    path("", views.cash_worklist, name="cash_worklist"),
    path("<int:pk>/", views.cash_line, name="cash_line"),
    path("<int:pk>/confirm/", views.cash_confirm, name="cash_confirm"),
    path("<int:pk>/split/", views.cash_split, name="cash_split"),
    path("<int:pk>/assign/", views.cash_assign, name="cash_assign"),
    path("<int:pk>/park/", views.cash_park, name="cash_park"),
    path("<int:pk>/undo/", views.cash_undo, name="cash_undo"),
    path("<int:pk>/remittance/", views.cash_remittance, name="cash_remittance"),
    path("import/", views.cash_import, name="cash_import"),
    path("import/<int:pk>/", views.cash_import_status, name="cash_import_status"),
    path("figures/", views.cash_figures, name="cash_figures"),
]
