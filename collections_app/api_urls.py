"""/api/: the REST API for ERPs and integrations; each package keeps its own endpoints."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from collections_app import api_docs
from erp import api as erp_api
from ledger import api as ledger_api
from work import api as work_api
from work.holds import api as holds_api
from work.plans import api as plans_api


@csrf_exempt  # it changes nothing; a POST to a wrong address is a 404, not a CSRF page
def not_found(request, path: str = ""):
    """Any other address under /api/ (an id that is not a number, a typo) answers like the API does."""
    return JsonResponse({"detail": "Not found."}, status=404)


router = DefaultRouter()
router.register("customers", ledger_api.CustomerViewSet, basename="api-customer")
router.register("contacts", ledger_api.ContactViewSet, basename="api-contact")
router.register("invoices", ledger_api.InvoiceViewSet, basename="api-invoice")
router.register("payments", ledger_api.PaymentViewSet, basename="api-payment")
router.register("credit-notes", ledger_api.CreditNoteViewSet, basename="api-credit-note")
router.register("applications", ledger_api.ApplicationViewSet, basename="api-application")
router.register("activities", work_api.ActivityViewSet, basename="api-activity")
router.register("promises", work_api.PromiseViewSet, basename="api-promise")
router.register("disputes", work_api.DisputeViewSet, basename="api-dispute")
router.register("plans", plans_api.PaymentPlanViewSet, basename="api-plan")

urlpatterns = [
    path("schema/", api_docs.SchemaView.as_view(), name="api_schema"),
    path("docs/", api_docs.DocsView.as_view(), name="api_docs"),
    path("docs/assets/<path:path>", api_docs.docs_asset, name="api_docs_asset"),
    path("import/customers/", erp_api.CustomerImportView.as_view(), name="api_import_customers"),
    path("import/invoices/", erp_api.InvoiceImportView.as_view(), name="api_import_invoices"),
    path("import/payments/", erp_api.PaymentImportView.as_view(), name="api_import_payments"),
    path("import/credits/", erp_api.CreditImportView.as_view(), name="api_import_credits"),
    path("credit-hold-events/", holds_api.CreditHoldEventList.as_view(), name="api_credit_hold_events"),
    path("customers/<int:pk>/credit-hold/", holds_api.CustomerCreditHold.as_view(), name="api_customer_credit_hold"),
    # --- html ---
    # --- end html ---
    # --- windows ---
    # --- end windows ---
    # --- ingest ---
    path("inbound-emails/", include("inbox.api")),
    # --- end ingest ---
    # --- reply ---
    # --- end reply ---
    # --- mapping ---
    # --- end mapping ---
    # --- family ---
    # --- end family ---
    # --- dupes ---
    # --- end dupes ---
    # --- forecast ---
    # --- end forecast ---
    path("", include(router.urls)),
    re_path(r"^(?P<path>.*)$", not_found),
]
