"""The reports engine: one import for every figure METRICS.md defines.

The team dashboard, the report pages, the API and `manage.py ar_report` all call these; the
definitions live in the topic modules (aging, dso, behaviour, forecast)."""

from .aging import AgingLine, AgingReport, aging, aging_invoices, ar_at, month_ends, percent
from .behaviour import PaymentBehaviour, payment_behaviour
from .dso import Countback, DsoFigures, cei, credit_sales, dso, dso_countback, dso_family, dso_history, quarter_of
from .forecast import (
    ForecastReport,
    collected,
    collected_by_collector,
    dispute_cycle,
    forecast,
    forecast_vs_actual,
    month_end,
    round_days,
)
from .frames import BUCKETS, MissingFxRate, Scope, open_invoices
from .trends import aging_trend, ar_series

__all__ = [
    "BUCKETS", "AgingLine", "AgingReport", "Countback", "DsoFigures", "ForecastReport", "MissingFxRate",
    "PaymentBehaviour", "Scope", "aging", "aging_invoices", "aging_trend", "ar_at", "ar_series", "cei", "collected",
    "collected_by_collector", "credit_sales", "dispute_cycle", "dso", "dso_countback", "dso_family", "dso_history",
    "forecast", "forecast_vs_actual", "month_end", "month_ends", "open_invoices", "payment_behaviour", "percent",
    "quarter_of", "round_days",
]
