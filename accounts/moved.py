"""The addresses the workspace's panels had while other apps served them (/queue/account/<pk>/…,
/reminders/accounts/<pk>/…), kept for bookmarks, old emails and forms still open in a browser: a
permanent redirect to the same thing on the account page — 301 for a GET, 308 for a POST, so the
browser posts the form again to its new address. Mounted at the site root (collections_app.urls)."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

# Old address → the name of the new one (all under /accounts/<pk>/).
MOVED = {
    "queue/account/<int:pk>/timeline/": "account_timeline",
    "queue/account/<int:pk>/actions/": "account_actions",
    "queue/account/<int:pk>/log/": "account_log",
    "queue/account/<int:pk>/escalate/": "account_escalate",
    "queue/account/<int:pk>/follow-up/": "account_follow_up",
    "reminders/accounts/<int:pk>/": "account_messages",
    "reminders/accounts/<int:pk>/statement/": "account_statement_now",
    "reminders/accounts/<int:pk>/statement.pdf": "account_statement_pdf",
    "reminders/accounts/<int:pk>/invoice-copy/": "account_invoice_copy",
    "reminders/accounts/<int:pk>/compose/": "account_compose",
    "reminders/accounts/<int:pk>/dunning-settings/": "customer_dunning_settings",
}


@require_http_methods(["GET", "HEAD", "POST"])
def moved(request: HttpRequest, pk: int, *, to: str) -> HttpResponsePermanentRedirect:
    url = reverse(to, args=[pk])
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url,
                                         preserve_request=request.method == "POST")


urlpatterns = [path(old, moved, {"to": new}) for old, new in MOVED.items()]
