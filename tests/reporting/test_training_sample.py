"""A big book's training snapshots are samples (bounded training, issue 21): a day with more open
invoices than SNAPSHOT_ROWS keeps a random sample, the same one each time, taken before any
per-invoice work; the days a forecast is made on stay whole, and figures never sample."""

from datetime import date

import pytest

from reporting import pay_model
from reporting.frames import open_invoices_at
from tests.factories import CustomerFactory
from tests.reporting.factories import issue

pytestmark = pytest.mark.django_db
DAYS = [date(2026, 3, 31), date(2026, 4, 15)]


@pytest.fixture
def eleven_open():
    customer = CustomerFactory()
    return sorted(issue(customer, f"2026-03-{n:02d}", f"{100 + n}.00").pk for n in range(1, 12))


def test_a_sampled_day_keeps_that_many_open_invoices_the_same_each_time_and_whole_days_stay_whole(eleven_open):
    sampled = open_invoices_at(DAYS, sample=4, whole=[DAYS[1]])
    again = open_invoices_at(DAYS, sample=4, whole=[DAYS[1]])
    assert len(sampled[DAYS[0]]) == 4 and set(sampled[DAYS[0]]["invoice_id"]) <= set(eleven_open)
    assert list(sampled[DAYS[0]]["invoice_id"]) == list(again[DAYS[0]]["invoice_id"])
    assert sorted(sampled[DAYS[1]]["invoice_id"]) == eleven_open
    whole = open_invoices_at(DAYS)[DAYS[0]].set_index("invoice_id")
    for row in sampled[DAYS[0]].itertuples():  # a sampled invoice's figures are its own
        assert (row.open, row.open_base, row.days_past_due) == tuple(whole.loc[row.invoice_id, ["open", "open_base",
                                                                                                  "days_past_due"]])


def test_training_history_samples_its_days_but_not_the_forecasts(eleven_open, monkeypatch):
    monkeypatch.setattr(pay_model, "SNAPSHOT_ROWS", 5)
    hist = pay_model.history(DAYS[0], DAYS[1], extra_days=[DAYS[1]])
    assert len(hist.snapshots[DAYS[0]].frame) == 5
    assert len(hist.snapshots[DAYS[1]].frame) == 11  # a forecast is made on it
    rows = hist.training_rows(date(2026, 6, 30))
    assert set(rows.groupby(["snap_day", "horizon_end"]).size()) == {5}  # the whole day is trained on a sample too
    assert set(rows["snap_day"]) == set(DAYS)
