"""The reports engine: one import for every figure METRICS.md defines.

The team dashboard, the report pages, the API and `manage.py ar_report` all call these; the
definitions live in the topic modules (aging, dso, behaviour, forecast)."""

from core.aging import BUCKETS
from ledger.fx import MissingFxRate
from reporting.aging import AgingLine, AgingReport, aging, aging_invoices, ar_at, month_ends, percent
from reporting.behaviour import PaymentBehaviour, payment_behaviour
from reporting.dso import (
    Countback,
    DsoFigures,
    cei,
    credit_sales,
    dso,
    dso_countback,
    dso_family,
    dso_history,
    quarter_of,
)
from reporting.forecast import (
    ForecastReport,
    collected,
    collected_by_collector,
    dispute_cycle,
    forecast,
    forecast_vs_actual,
    month_end,
    round_days,
)
from reporting.frames import Scope, open_invoices
from reporting.trends import aging_trend, ar_series

__all__ = [
    "BUCKETS", "AgingLine", "AgingReport", "Countback", "DsoFigures", "ForecastReport", "MissingFxRate",
    "PaymentBehaviour", "Scope", "aging", "aging_invoices", "aging_trend", "ar_at", "ar_series", "cei", "collected",
    "collected_by_collector", "credit_sales", "dispute_cycle", "dso", "dso_countback", "dso_family", "dso_history",
    "forecast", "forecast_vs_actual", "month_end", "month_ends", "open_invoices", "payment_behaviour", "percent",
    "quarter_of", "round_days",
]
