"""Chart.js data for the report pages (floats rounded to cents: for drawing only, never for figures)."""

from core.aging import BUCKET_LABELS, BUCKETS


def _f(value) -> float | None:
    return None if value is None else round(float(value), 2)


def aging_chart(report, trend) -> dict:
    return {
        "buckets": {"labels": [BUCKET_LABELS[b] for b in BUCKETS], "values": [_f(report.buckets[b]) for b in BUCKETS]},
        "trend": {
            "labels": [p["date"].isoformat() for p in trend],
            "series": [{"label": BUCKET_LABELS[b], "key": b, "values": [_f(p["buckets"][b]) for p in trend]}
                       for b in BUCKETS],
        },
    }


def dso_chart(history) -> dict:
    """Months without enough history (their window starts before the first invoice) are left out of
    the lines (a gap), as they are left out of the averages."""
    monthly = history["monthly"]

    def values(name: str) -> list[float | None]:
        return [_f(m[name]) if m.get("enough_history", True) else None for m in monthly]

    return {
        "labels": [m["as_of"].isoformat() for m in monthly],
        "series": [
            {"label": "DSO", "values": values("dso")},
            {"label": "DSO count-back", "values": values("dso_countback")},
            {"label": "BPDSO", "values": values("bpdso")},
            {"label": "ADD", "values": values("add")},
            {"label": "CEI (month)", "values": values("cei"), "axis": "y1"},
        ],
    }


def forecast_chart(report) -> dict:
    return {
        "labels": [w["start"].isoformat() for w in report.weeks],
        "series": [{"label": "Expected", "values": [_f(w["amount"]) for w in report.weeks]}],
    }


def kpi_chart(table) -> dict:
    return {
        "labels": list(table["month"]),
        "series": [
            {"label": "Collected", "values": [_f(v) for v in table["collected"]], "type": "bar"},
            {"label": "AR", "values": [_f(v) for v in table["AR"]], "type": "line"},
        ],
    }
