"""Celery entry points of the reporting app: thin, they call services."""

from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from reporting import forecast_methods, services


@shared_task(name="reporting.ar_snapshot_nightly")
def ar_snapshot_nightly() -> list[str]:
    """Retake the snapshots that back-dated writes made stale, then snapshot every day that ended and
    has none yet (normally just yesterday), and store the month that closed (forecast vs actual)."""
    services.ar_snapshots_refresh()
    taken = []
    for day in services.ar_snapshots_due():
        ar_snapshot_day.delay(day.isoformat())
        taken.append(day.isoformat())
    if months := services.months_forecast_due():
        months_forecast_take.delay([end.isoformat() for end in months])
    paid_months_take.delay()
    return taken


@shared_task(name="reporting.paid_months_take")
def paid_months_take() -> list[str]:
    """Retake the paid invoices of the last closed months (`reporting.paid_months`): what was written
    since the last take folds into the stored months, so fewer customers are read from the invoices;
    then today's payment-behaviour window of them, added up in base."""
    return [row.month.isoformat() for row in services.paid_facts_take(today=timezone.localdate())]


@shared_task(name="reporting.months_forecast_take")
def months_forecast_take(ends: list[str]) -> int:
    """Store the closed months' forecast against actual (the month that ended, or those missed)."""
    return len(services.months_forecast_take([date.fromisoformat(end) for end in ends]))


@shared_task(name="reporting.ar_snapshot_day")
def ar_snapshot_day(day: str) -> int:
    """Take (or retake) the AR snapshot of one day; safe to run twice."""
    return services.ar_snapshot_take(on=date.fromisoformat(day)).customers


@shared_task(name="reporting.ar_snapshots_refresh")
def ar_snapshots_refresh() -> list[str]:
    """Retake the snapshots that ledger writes dated on or before them made stale; nothing when none did."""
    return [day.isoformat() for day in services.ar_snapshots_refresh()]


@shared_task(name="reporting.pay_model_train_nightly")
def pay_model_train_nightly() -> dict:
    """Train the pay-date model as of yesterday (the backtest rerun when a month closed), then raise the
    queue tasks for large invoices predicted to slip past month end."""
    yesterday = timezone.localdate() - timedelta(days=1)
    trained = forecast_methods.pay_model_train(as_of=yesterday)
    slips = forecast_methods.forecast_slips_raise(as_of=timezone.localdate())
    return {"model": trained.row.pk if trained.row else None, "seconds": round(trained.seconds, 1),
            "backtest": trained.backtest is not None, "slips": len(slips)}
