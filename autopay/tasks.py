"""Celery entry points of autopay: thin, safe to run twice; the work is in autopay.services.

The beat job plans the charges and hands each due one to a worker of its own; a worker claims
its charge before asking the provider, so the same charge handed out twice (two beat runs, a
retried task, a redelivered message) is collected once."""

from datetime import date

from celery import shared_task

from autopay import services


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def autopay_run(on: str | None = None) -> dict:
    """Give up abandoned setups, plan every open invoice of active autopay, collect what is due up
    to today (a missed day is caught up), and ask again for charges a dead worker left half done."""
    day = date.fromisoformat(on) if on else None
    expired = services.setups_expire()
    planned = services.charges_plan(on=day)
    due = services.charges_due(on=day)
    for charge_id in due:
        charge_collect_task.delay(charge_id, on)
    retried = services.charges_stuck_retry()
    return {"setups_expired": expired, "planned": planned, "handed_out": len(due), "retried": retried}


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def charge_collect_task(charge_id: int, on: str | None = None) -> str | None:
    charge = services.charge_collect(charge_id=charge_id, on=date.fromisoformat(on) if on else None)
    return charge.status if charge else None
