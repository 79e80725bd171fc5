"""/api/reports/: the figures of `manage.py ar_report --json`, for API users. Collectors get their
own portfolio whatever they ask; the forecast is for finance and managers, as on the pages."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.params import EARLIEST, int_param, month_param
from portfolios.access import has_role, sees_everything
from portfolios.models import Role
from reporting import payloads
from reporting.backtest import METHODS
from reporting.forms import ReportFilters

SCOPE_PARAMETERS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="End of this day (default today)"),
    OpenApiParameter("collector", OpenApiTypes.STR, description="Username; ignored for collectors (own portfolio)"),
    OpenApiParameter("segment", OpenApiTypes.STR),
    OpenApiParameter("currency", OpenApiTypes.STR, description="Invoice currency; amounts stay in base currency"),
]


def report_schema(*extra, summary: str):
    return extend_schema(tags=["reports"], summary=summary, parameters=[*SCOPE_PARAMETERS, *extra],
                         responses={200: OpenApiTypes.OBJECT})


class ReadsReports(BasePermission):
    message = "Your role does not give access to reports."

    def has_permission(self, request, view):
        return has_role(request.user, *view.roles)


class ReportView(APIView):
    permission_classes = [IsAuthenticated, ReadsReports]
    roles = Role.ALL

    def chosen(self, request) -> dict:
        form = ReportFilters(request.query_params or None, sees_everything=sees_everything(request.user))
        if form.is_bound and not form.is_valid():
            raise ValidationError(form.errors)
        return form.chosen(request.user)


class AgingApi(ReportView):
    """Aging buckets (current, 1-30, 31-60, 61-90, 91+) with % of AR; ?as_of, collector, segment,
    currency, group_by (collector, customer, family, segment), level (families: 0 = the top, 1 = below it, …)."""

    @report_schema(OpenApiParameter("group_by", OpenApiTypes.STR, enum=["collector", "customer", "family", "segment"]),
                   OpenApiParameter("level", OpenApiTypes.INT, description="family level; default the top"),
                   summary="Aging: total and buckets current, 1-30, 31-60, 61-90, 91+ with % of AR")
    def get(self, request):
        chosen = self.chosen(request)
        group_by = request.query_params.get("group_by") or None
        return Response(payloads.aging_payload(as_of=chosen["as_of"], group_by=group_by and chosen["group_by"],
                                               level=chosen["level"], **chosen["scope"]))


class DsoApi(ReportView):
    """DSO (standard, count-back), BPDSO, ADD and % current as of ?as_of over ?window_days (90)."""

    @report_schema(OpenApiParameter("window_days", OpenApiTypes.INT, description="default 90"),
                   summary="DSO family: dso, dso_countback, bpdso, add, pct_current")
    def get(self, request):
        chosen = self.chosen(request)
        window = int_param(request.query_params.get("window_days"), default=90, low=1, high=730,
                           label="window_days")
        if window.error:
            raise ValidationError({"window_days": window.error})
        return Response(payloads.dso_payload(as_of=chosen["as_of"], window_days=window.value, **chosen["scope"]))


def month_bounds(text: str) -> tuple[date, date]:
    month = month_param(text, default=None)
    if month.error or month.value is None:
        raise ValidationError({"month": month.error or "YYYY-MM"})
    return month.value, month.value + relativedelta(day=31)


def quarter_bounds(text: str) -> tuple[date, date]:
    """YYYY-Qn, from EARLIEST's year to this year."""
    try:
        year, number = text.upper().split("-Q")
        start = date(int(year), 3 * int(number) - 2, 1)
    except ValueError:
        raise ValidationError({"quarter": "YYYY-Qn"}) from None
    if not EARLIEST <= start <= timezone.localdate():
        raise ValidationError({"quarter": f"between {EARLIEST.year}-Q1 and this quarter"})
    return start, start + relativedelta(months=3, days=-1)


class CeiApi(ReportView):
    """CEI for ?month=YYYY-MM (default: the month of ?as_of, up to it) or ?quarter=YYYY-Qn."""

    @report_schema(OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
                   OpenApiParameter("quarter", OpenApiTypes.STR, description="YYYY-Qn"),
                   summary="Collection effectiveness index (CRF) for a month or a quarter")
    def get(self, request):
        chosen = self.chosen(request)
        month, quarter = request.query_params.get("month"), request.query_params.get("quarter")
        if quarter:
            start, end = quarter_bounds(quarter)
        elif month:
            start, end = month_bounds(month)
        else:
            start, end = chosen["as_of"].replace(day=1), chosen["as_of"]
        return Response(payloads.cei_payload(start=start, end=end, **chosen["scope"]))


class ForecastApi(ReportView):
    """Expected collections from ?as_of to ?horizon_end (default: month end), by week and collector,
    with the at-risk invoices."""

    roles = (Role.MANAGER, Role.FINANCE, Role.ADMIN)

    @report_schema(OpenApiParameter("horizon_end", OpenApiTypes.DATE, description="default: end of as_of's month"),
                   summary="Month-end collection forecast with at_risk, by week and by collector")
    def get(self, request):
        chosen = self.chosen(request)
        horizon_end = chosen["horizon_end"]
        if horizon_end and horizon_end < chosen["as_of"]:
            raise ValidationError({"horizon_end": "must not be before as_of"})
        return Response(payloads.forecast_payload(as_of=chosen["as_of"], horizon_end=horizon_end,
                                                  **chosen["scope"]))


class ForecastBacktestApi(ReportView):
    """The forecast's backtest (METRICS.md): per method (rule, model) and complete month before ?as_of,
    forecast, actual and error, from open AR and in total cash; per method mape and bias."""

    roles = (Role.MANAGER, Role.FINANCE, Role.ADMIN)

    @report_schema(OpenApiParameter("months", OpenApiTypes.INT, description="complete months (default 12, 1-36)"),
                   OpenApiParameter("method", OpenApiTypes.STR, enum=list(METHODS), description="default: all"),
                   summary="Forecast backtest: per month and method forecast, actual, error; mape and bias")
    def get(self, request):
        chosen = self.chosen(request)
        months = int_param(request.query_params.get("months"), default=12, low=1, high=36, label="months")
        if months.error:
            raise ValidationError({"months": months.error})
        method = request.query_params.get("method") or None
        if method not in (None, *METHODS):
            raise ValidationError({"method": f"one of {', '.join(METHODS)}"})
        return Response(payloads.backtest_payload(as_of=chosen["as_of"], months=months.value, method=method,
                                                  **chosen["scope"]))
