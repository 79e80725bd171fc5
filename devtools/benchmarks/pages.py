"""Server time of the two pages a collector lives in, and of the managers' morning pages, measured
in-process with Django's test Client."""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer, Invoice
from ledger.services import invoice_issue
from work.queue.models import QueueEntry
from work.queue.services import queue_build


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of `values` (share between 0 and 1)."""
    ordered = sorted(values)
    rank = max(int(round(share * len(ordered) + 0.5)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


def time_page(user, url: str, requests: int) -> dict:
    """GET `url` as `user` once to warm up (counting its SQL queries), then `requests` times."""
    client = Client()
    client.force_login(user)
    reset_queries()  # each request clears the query log as it starts; begin from an empty one
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url)
    query_count = len(queries)  # read now: the next request clears the log the context reads from
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            break
    return {"url": url, "status": first.status_code, "queries": query_count, "requests": len(timings),
            "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1)}


def busiest_collector():
    """The collector whose portfolios hold the most accounts, with that count (None when nobody has any)."""
    row = (Customer.objects.filter(portfolio__collector__isnull=False).values("portfolio__collector")
           .annotate(accounts=Count("pk")).order_by("-accounts").first())
    if row is None:
        return None, 0
    return get_user_model().objects.get(pk=row["portfolio__collector"]), row["accounts"]


def queue_page(requests: int = 20) -> dict:
    """The queue page of the busiest collector; today's queue is built first if it has no entries."""
    user, accounts = busiest_collector()
    if user is None:
        return {"skipped": "no collector has accounts"}
    built = False
    if not QueueEntry.objects.filter(collector=user, day=timezone.localdate()).exists():
        queue_build(collector_ids=[user.pk])
        built = True
    return {"collector": user.get_username(), "accounts": accounts, "built_queue": built,
            **time_page(user, reverse("queue"), requests)}


class _RollBack(Exception):
    """Raised to undo the invoices added for the timing."""


def workspace_page(requests: int = 20, invoices: int = 500) -> dict:
    """The account workspace of the account with the most invoices, seen by its collector (or, when
    it has none, by a superuser), with at least `invoices` invoices: when it has fewer, open invoices
    are issued to it (through `invoice_issue`) inside a transaction that is rolled back after the
    timing. Timed twice: the page as it opens (25 rows per section) and with every open invoice
    listed (`?show=open`)."""
    row = Invoice.objects.values("customer").annotate(invoices=Count("pk")).order_by("-invoices").first()
    if row is None:
        return {"skipped": "no invoices"}
    customer = Customer.objects.select_related("portfolio__collector").get(pk=row["customer"])
    user = customer.portfolio.collector if customer.portfolio and customer.portfolio.collector else None
    user = user or get_user_model().objects.filter(is_superuser=True, is_active=True).first()
    if user is None:
        return {"skipped": "the account has no collector and there is no superuser to view it"}
    url = reverse("account", args=[customer.pk])
    try:
        with transaction.atomic():
            added = _add_open_invoices(customer, max(invoices - row["invoices"], 0))
            figures = time_page(user, url, requests)
            listed = time_page(user, url + "?show=open", requests)
            raise _RollBack
    except _RollBack:
        pass
    return {"customer": customer.external_id, "invoices": row["invoices"], "added_then_rolled_back": added,
            "viewer": user.get_username(), **figures,
            "show_open": {key: listed[key] for key in ("url", "status", "queries", "p50_ms", "p95_ms")}}


def _add_open_invoices(customer: Customer, count: int) -> int:
    """Issue `count` open invoices to `customer`, due over the last five months (every aging bucket)."""
    today = timezone.localdate()
    for n in range(count):
        issued = today - timedelta(days=(n * 7) % 150 + 1)
        invoice_issue(customer=customer, external_id=f"BENCH-WS-{customer.pk}-{n:04d}", issue_date=issued,
                      due_date=issued + timedelta(days=30), amount=Decimal(100 + (n * 37) % 4900) + Decimal("0.25"),
                      currency=customer.currency)
    return count


def queue_scoring() -> dict:
    """The nightly build of every collector's queue (rewrites today's open items, as the nightly job does)."""
    start = time.perf_counter()
    items = queue_build()
    return {"items": items, "seconds": round(time.perf_counter() - start, 3)}


# The pages a manager and finance open every morning (issue 18): (name, url name, query string).
MANAGER_PAGES = [
    ("team dashboard", "team", ""), ("targets", "team_targets", ""), ("reports", "reports", ""),
    ("aging", "reports_aging", ""), ("DSO", "reports_dso", ""), ("forecast", "forecast", ""),
    ("forecast versus XLSX", "forecast", "?export=xlsx&table=versus"), ("KPIs", "reports_kpis", ""),
    ("root causes", "root_causes", ""), ("e-delivery", "e_delivery", ""),
]


def morning_pages() -> list[tuple[str, str, object]] | None:
    """(label, url, who opens it) for each morning page: a manager, finance for the forecast; last
    week's one-on-one of the busiest collector. None without a manager."""
    users = get_user_model().objects.filter(is_active=True)
    boss = users.filter(groups__name="manager").order_by("pk").first()
    finance = users.filter(groups__name="finance").order_by("pk").first() or boss
    if boss is None:
        return None
    collector, _ = busiest_collector()
    pages = [(label, reverse(name) + query, finance if name == "forecast" else boss)
             for label, name, query in MANAGER_PAGES]
    if collector is not None:
        from_week = (timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)).isoformat()
        pages.append(("one-on-one", f"{reverse('one_on_one', args=[collector.get_username()])}?week={from_week}",
                      boss))
    return pages


COLD_VISITS = 3  # each page computed from scratch this many times: the median is shown


def manager_pages() -> dict:
    """Each morning page as the first manager (finance for the forecast) opens it: computed from
    scratch (REPORT_CACHE_SECONDS=0, every figure recomputed; the median of COLD_VISITS visits, after
    one untimed visit that pays what a web process pays once in its life: imports, the page's
    template compiled, its first connection) and then kept (a second visit with the figures kept),
    server time in-process; plus last week's one-on-one of the busiest collector."""
    pages = morning_pages()
    if pages is None:
        return {"skipped": "no manager"}
    measured = []
    for label, url, user in pages:
        client = Client()
        client.force_login(user)
        with override_settings(REPORT_CACHE_SECONDS=0):
            _timed(client, url)  # the process's first visit of this page: not what a morning costs
            visits = [_timed(client, url) for _ in range(COLD_VISITS)]
        cold_ms, status = statistics.median(ms for ms, _ in visits), visits[-1][1]
        with override_settings(REPORT_CACHE_SECONDS=600):
            _timed(client, url + ("&" if "?" in url else "?") + "fresh=1")  # computes and keeps
            kept_ms, _ = _timed(client, url)
        measured.append({"page": label, "url": url, "status": status, "cold_ms": round(cold_ms, 1),
                         "kept_ms": round(kept_ms, 1)})
    return {"pages": measured}


def _timed(client: Client, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - start) * 1000, response.status_code
