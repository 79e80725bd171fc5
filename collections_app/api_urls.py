"""/api/: the REST API for ERPs and integrations (see collections_app/api/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import bulk, docs, ledger, plans, work
from .holds import api as holds_api

router = DefaultRouter()
router.register("customers", ledger.CustomerViewSet, basename="api-customer")
router.register("contacts", ledger.ContactViewSet, basename="api-contact")
router.register("invoices", ledger.InvoiceViewSet, basename="api-invoice")
router.register("payments", ledger.PaymentViewSet, basename="api-payment")
router.register("credit-notes", ledger.CreditNoteViewSet, basename="api-credit-note")
router.register("applications", ledger.ApplicationViewSet, basename="api-application")
router.register("activities", work.ActivityViewSet, basename="api-activity")
router.register("promises", work.PromiseViewSet, basename="api-promise")
router.register("disputes", work.DisputeViewSet, basename="api-dispute")
router.register("plans", plans.PaymentPlanViewSet, basename="api-plan")

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="api_schema"),
    path("docs/", docs.DocsView.as_view(), name="api_docs"),
    path("docs/assets/<path:path>", docs.docs_asset, name="api_docs_asset"),
    path("import/customers/", bulk.CustomerImportView.as_view(), name="api_import_customers"),
    path("import/invoices/", bulk.InvoiceImportView.as_view(), name="api_import_invoices"),
    path("import/payments/", bulk.PaymentImportView.as_view(), name="api_import_payments"),
    path("import/credits/", bulk.CreditImportView.as_view(), name="api_import_credits"),
    path("credit-hold-events/", holds_api.CreditHoldEventList.as_view(), name="api_credit_hold_events"),
    path("customers/<int:pk>/credit-hold/", holds_api.CustomerCreditHold.as_view(), name="api_customer_credit_hold"),
    path("", include(router.urls)),
]
