from django.urls import include, path

from portal import views

urlpatterns = [
    path("<str:token>/", views.home, name="portal_home"),
    path("<str:token>/invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="portal_invoice_pdf"),
    path("<str:token>/invoices/<int:invoice_id>/dispute/", views.dispute, name="portal_dispute"),
    path("<str:token>/statement/", views.statement_pdf, name="portal_statement"),
    path("<str:token>/promise/", views.promise, name="portal_promise"),
    path("<str:token>/plan/", views.plan, name="portal_plan"),
    path("<str:token>/credits/<int:credit_id>/apply/", views.credit_apply, name="portal_credit_apply"),
    path("<str:token>/autopay/", views.autopay, name="portal_autopay"),
    path("<str:token>/contact/", views.ap_contact, name="portal_contact"),
    path("<str:token>/feedback/", views.feedback, name="portal_feedback"),
    # --- pay ---
    path("<str:token>/pay/", include("portal.pay_urls")),
    # --- end pay ---
    # --- autopay ---
    path("<str:token>/autopay/setup/", include("portal.autopay_urls")),
    # --- end autopay ---
]
