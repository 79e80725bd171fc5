"""Stored AR snapshots never disagree with the ledger: a write dated on or before a snapshot (the
import, the services, reversals, voids) makes it stale until it is retaken, and the reports
recompute those days meanwhile."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from ledger.imports.engine import import_rows
from ledger.models import Customer
from ledger.services import application_reverse, invoice_void, payment_receive
from ledger.touch import LedgerTouch, ledger_touch, touches_pending
from reporting import metrics, services
from reporting.models import ArSnapshotDay
from reporting.tasks import ar_snapshot_nightly
from tests.reporting.factories import issue, pay, worked_example

pytestmark = pytest.mark.django_db
D = date(2026, 9, 30)
MONTH_ENDS = [date(2026, 7, 31), date(2026, 8, 31), D]


def figures() -> dict:
    return {
        "history": metrics.dso_history(as_of=D, months=3),
        "trend": [{k: v for k, v in p.items() if k != "source"} for p in metrics.aging_trend(as_of=D, months=3)],
        "cei": metrics.cei(date(2026, 7, 1), D),
        "family": metrics.dso_family(D),
    }


def recomputed() -> dict:
    """The same figures with no snapshot at all: straight from the ledger."""
    with transaction.atomic():
        ArSnapshotDay.objects.all().delete()
        found = figures()
        transaction.set_rollback(True)  # the snapshots and the pending touches stay as they were
    return found


def snapshot_month_ends() -> None:
    for day in [date(2026, 6, 30), *MONTH_ENDS]:
        services.ar_snapshot_take(on=day)
    assert not touches_pending()
    assert {p["source"] for p in metrics.aging_trend(as_of=D, months=3)} == {"snapshot"}


def sources() -> set[str]:
    return {p["source"] for p in metrics.aging_trend(as_of=D, months=3)}


def test_back_dated_import_after_a_snapshot_gives_the_recomputed_dso_cei_and_trend(ledger_balances):
    worked_example()
    Customer.objects.filter(name="C2").update(external_id="ERP-C2")
    snapshot_month_ends()
    before = figures()
    # a July invoice and August's cash on it reach the ERP export only now
    result = import_rows(
        invoices=[{"invoice_id": "ERP-I9", "customer_id": "ERP-C2", "issue_date": "2026-07-05",
                   "due_date": "2026-08-04", "amount": "900.00", "currency": "USD", "po_number": ""}],
        payments=[{"payment_id": "ERP-P9", "customer_id": "ERP-C2", "received_date": "2026-08-25",
                   "amount": "400.00", "currency": "USD", "invoice_id": "ERP-I9"}],
    )
    assert result.ok, result.error_lines()
    ledger_balances()
    after = figures()
    assert after == recomputed()
    assert after != before  # the stored snapshots alone would still say `before`
    assert after["trend"][0]["total"] == before["trend"][0]["total"] + Decimal("900.00")  # Jul 31
    assert after["trend"][1]["total"] == before["trend"][1]["total"] + Decimal("500.00")  # Aug 31, 400 paid
    # the retake brings the snapshots back, with the same figures
    assert services.ar_snapshots_refresh() == [date(2026, 7, 31), date(2026, 8, 31), D]
    assert sources() == {"snapshot"} and not touches_pending()
    assert figures() == after


def test_yesterdays_cash_keyed_this_morning_is_in_yesterdays_figures_and_the_nightly_retakes_it():
    example = worked_example()
    snapshot_month_ends()
    pay(example["C2"], "2026-09-30", "800.00", (example["I4"], "800.00"))  # dated the snapshot's day
    assert metrics.aging_trend(as_of=D, months=1)[0]["total"] == Decimal("3200.00")
    assert metrics.dso(D).ar == metrics.dso_family(D)["figures"].ar == Decimal("3200.00")
    ar_snapshot_nightly.apply()
    assert ArSnapshotDay.objects.get(date=D).total == Decimal("3200.00")
    assert sources() == {"snapshot"}


def test_reversal_and_void_dated_before_snapshots_make_them_stale():
    example = worked_example()
    snapshot_month_ends()
    application = example["I1"].applications.get()
    application_reverse(application=application, on=date(2026, 8, 31))  # the Aug 20 cash bounced
    assert metrics.aging_trend(as_of=D, months=3)[1]["total"] == recomputed()["trend"][1]["total"]
    services.ar_snapshots_refresh()
    invoice_void(invoice=example["I5"], reason="raised in error")
    assert figures() == recomputed()


def test_writes_dated_after_every_snapshot_leave_the_snapshots_current():
    example = worked_example()
    snapshot_month_ends()
    issue(example["C1"], "2026-10-02", "300.00")
    payment_receive(customer=example["C1"], external_id="LATER", received_date=date(2026, 10, 3),
                    amount=Decimal("300.00"), currency="USD")
    assert sources() == {"snapshot"}


def test_a_write_that_commits_while_snapshots_are_retaken_stays_pending(monkeypatch):
    worked_example()
    snapshot_month_ends()
    ledger_touch(on=date(2026, 8, 1))
    original = services.open_invoices_at

    def meanwhile(dates, *args, **kwargs):
        ledger_touch(on=date(2026, 9, 1))  # committed after the retake read the pending touches
        return original(dates, *args, **kwargs)

    monkeypatch.setattr(services, "open_invoices_at", meanwhile)
    assert services.ar_snapshots_refresh() == [date(2026, 8, 31), D]
    assert [since for _, since in touches_pending()] == [date(2026, 9, 1)]
    assert LedgerTouch.objects.count() == 1
    assert metrics.aging_trend(as_of=D, months=3)[2]["source"] == "ledger"  # Sep 30 stays recomputed


def test_an_fx_rate_keyed_in_the_admin_makes_the_snapshots_it_converts_stale(client):
    from ledger.models import FxRate
    from tests.factories import UserFactory

    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 1), rate=Decimal("1.10"))
    worked_example()
    snapshot_month_ends()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post("/admin/ledger/fxrate/add/", {"currency": "EUR", "rate_date": "2026-08-15",
                                                          "rate": "1.20"})
    assert response.status_code == 302
    assert [since for _, since in touches_pending()] == [date(2026, 8, 15)]
    assert metrics.aging_trend(as_of=D, months=3)[0]["source"] == "snapshot"  # Jul 31: before the rate
    assert [p["source"] for p in metrics.aging_trend(as_of=D, months=3)[1:]] == ["ledger", "ledger"]
