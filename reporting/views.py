"""Report pages: aging, the DSO family, the forecast and KPI history. Every table downloads as CSV
or XLSX (`?export=csv|xlsx&table=<name>`) with the figures shown on the page."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.exports import frame_response
from core.money import ZERO
from core.params import int_param
from core.web import is_partial
from ledger.hierarchy import subtree_ids
from ledger.models import Customer
from ledger.selectors import visible_customers
from portfolios.access import any_role, finance_or_manager_required, sees_everything
from reporting import accuracy, charts, forecast_methods, metrics, selectors
from reporting.aging import group_heading
from reporting.backtest import backtest
from reporting.forms import ReportFilters


def _chosen(request) -> tuple[ReportFilters, dict]:
    form = ReportFilters(request.GET or None, sees_everything=sees_everything(request.user))
    return form, form.chosen(request.user)


def _export(request, name: str, tables: dict, as_of, form: ReportFilters | None = None):
    """The download asked for in the query string, or None when the page itself is wanted; a download
    with a refused parameter is refused too (it would silently hold the default figures)."""
    fmt, table = request.GET.get("export"), request.GET.get("table")
    if not fmt:
        return None
    if form is not None and form.messages:
        return HttpResponseBadRequest(" ".join(form.messages), content_type="text/plain; charset=utf-8")
    if table not in tables:
        raise Http404(f"No table {table!r} on this page")
    return frame_response(tables[table](), f"{name}-{table}-{as_of:%Y-%m-%d}", fmt)


def _partial_or_page(request, template: str, partial: str, ctx: dict):
    """The report (HTMX: its fragment); 400 when a parameter was refused, its message beside the filters."""
    status = 400 if ctx["form"].messages else 200
    if is_partial(request):
        return render(request, f"{template}#{partial}", ctx, status=status)
    return render(request, template, ctx, status=status)


@require_GET
@any_role
def index(request):
    form, chosen = _chosen(request)
    as_of, scope = chosen["as_of"], chosen["scope"]
    ctx = {"nav": "reports", "form": form, "as_of": as_of,
           "aging": metrics.aging(as_of=as_of, **scope), "dso": metrics.dso(as_of, **scope)}
    return render(request, "reporting/index.html", ctx, status=400 if form.messages else 200)


@require_GET
@any_role
def aging(request):
    form, chosen = _chosen(request)
    as_of, scope, group_by, level = chosen["as_of"], chosen["scope"], chosen["group_by"], chosen["level"]
    exported = _export(request, "aging", {
        "aging": lambda: selectors.aging_table(metrics.aging(as_of=as_of, group_by=group_by, level=level, **scope)),
        "trend": lambda: selectors.trend_table(metrics.aging_trend(as_of=as_of, **scope)),
    }, as_of, form)
    if exported:
        return exported
    data = selectors.aging_page(as_of=as_of, group_by=group_by, scope=scope, level=level)
    page = Paginator(data["report"].rows, 50).get_page(request.GET.get("page"))
    ctx = {"nav": "reports", "form": form, "as_of": as_of, "group_by": group_by, "page": page, **data,
           "chart": charts.aging_chart(data["report"], data["trend"])}
    return _partial_or_page(request, "reporting/aging.html", "report", ctx)


@require_GET
@any_role
def aging_invoices(request):
    """The invoices behind one cell of the aging table."""
    form, chosen = _chosen(request)
    as_of, scope = chosen["as_of"], chosen["scope"]
    bucket, group_by, key = request.GET.get("bucket") or None, request.GET.get("group_by"), request.GET.get("key")
    if bucket not in (None, *metrics.BUCKETS):
        raise Http404("Unknown bucket")
    if group_by in ("customer", "family") and key:
        lookup = {"pk": key} if group_by == "customer" else {"family_key": key}
        if not key.isdigit() or not _visible(request.user, group_by, lookup):
            raise Http404("No such account in your portfolio")
    frame = metrics.aging_invoices(as_of=as_of, bucket=bucket, group_by=group_by, key=key, level=chosen["level"],
                                   **scope)
    table = selectors.invoices_table(frame)
    exported = _export(request, "aging-invoices", {"invoices": lambda: table}, as_of, form)
    if exported:
        return exported
    ctx = {"nav": "reports", "form": form, "as_of": as_of, "bucket": bucket, "group_by": group_by, "key": key,
           "group_heading": group_heading(group_by, key),
           "invoices": forecast_methods.model_columns(frame.head(200), as_of=as_of, scope=scope).to_dict("records"),
           "count": len(frame),
           "total": sum(frame["open_base"], ZERO)}
    return _partial_or_page(request, "reporting/aging_invoices.html", "drilldown", ctx)


def _visible(user, group_by, lookup) -> bool:
    customers = visible_customers(user)
    if group_by == "customer":
        return customers.filter(**lookup).exists()
    head = Customer.objects.filter(pk=int(lookup["family_key"])).first()  # a top, or an account at a level
    return head is not None and customers.filter(pk__in=subtree_ids(head)).exists()


@require_GET
@any_role
def dso(request):
    form, chosen = _chosen(request)
    as_of, scope = chosen["as_of"], chosen["scope"]
    window = chosen["window_days"]
    exported = _export(request, "dso", {
        "monthly": lambda: selectors.history_table(metrics.dso_history(as_of=as_of, window_days=window, **scope)),
        "quarterly": lambda: selectors.quarterly_table(metrics.dso_history(as_of=as_of, **scope)),
    }, as_of, form)
    if exported:
        return exported
    data = selectors.dso_page(as_of=as_of, scope=scope, window_days=window)
    ctx = {"nav": "reports", "form": form, "as_of": as_of, **data, "chart": charts.dso_chart(data["history"])}
    return _partial_or_page(request, "reporting/dso.html", "report", ctx)


@require_GET
@finance_or_manager_required
def forecast(request):
    form, chosen = _chosen(request)
    as_of, scope, horizon_end = chosen["as_of"], chosen["scope"], chosen["horizon_end"]
    if horizon_end and horizon_end < as_of:
        horizon_end = None
    exported = _export(request, "forecast", {
        "weeks": lambda: selectors.weeks_table(metrics.forecast(as_of=as_of, horizon_end=horizon_end, **scope)),
        "collectors": lambda: selectors.collectors_table(
            metrics.forecast(as_of=as_of, horizon_end=horizon_end, **scope)),
        "at_risk": lambda: selectors.at_risk_table(metrics.forecast(as_of=as_of, horizon_end=horizon_end, **scope)),
        "versus": lambda: selectors.versus_table(metrics.forecast_vs_actual(as_of=as_of, **scope)),
    }, as_of, form)
    if exported:
        return exported
    data = selectors.forecast_page(as_of=as_of, horizon_end=horizon_end, scope=scope)
    side = forecast_methods.side_by_side(as_of=as_of, horizon_end=data["report"].horizon_end, scope=scope,
                                         at_risk=data["report"].at_risk_invoices[:25])
    ctx = {"nav": "reports", "form": form, "as_of": as_of, **data, **side,
           "at_risk_rows": side["at_risk_model_rows"], "chart": charts.forecast_chart(data["report"])}
    return _partial_or_page(request, "reporting/forecast.html", "report", ctx)


@require_GET
@any_role
def kpis(request):
    form, chosen = _chosen(request)
    as_of, scope = chosen["as_of"], chosen["scope"]
    table = selectors.kpi_history(as_of=as_of, scope=scope)
    exported = _export(request, "kpis", {"history": lambda: table}, as_of, form)
    if exported:
        return exported
    ctx = {"nav": "reports", "form": form, "as_of": as_of, "columns": list(table.columns),
           "rows": table.astype(object).where(table.notna(), None).values.tolist(),
           "chart": charts.kpi_chart(table)}
    return _partial_or_page(request, "reporting/kpis.html", "report", ctx)


# --- forecast ---
@require_GET
@finance_or_manager_required
def forecast_accuracy(request):
    """The forecast's backtest: the rule and the learned model month by month against what was collected."""
    form, chosen = _chosen(request)
    as_of, scope = chosen["as_of"], chosen["scope"]
    months = int_param(request.GET.get("months"), default=12, low=1, high=36, label="Months")
    errors = [*form.messages, *([months.error] if months.error else [])]
    if request.GET.get("export") and errors:
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    result = backtest(as_of=as_of, months=months.value, **scope)
    exported = _export(request, "forecast-accuracy", {"backtest": lambda: accuracy.backtest_table(result)}, as_of)
    if exported:
        return exported
    ctx = {"nav": "reports", "form": form, "as_of": as_of, "months": months.value, "param_errors": errors,
           **accuracy.accuracy_page(result), "chart": accuracy.backtest_chart(result)}
    template = "reporting/forecast_accuracy.html"
    return render(request, f"{template}#report" if is_partial(request) else template, ctx,
                  status=400 if errors else 200)
# --- end forecast ---
