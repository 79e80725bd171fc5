"""The learned pay-date model: thin history falls back, training stores the model with its score, the
default method follows the backtest unless pinned, per-invoice dates and probabilities, the queue signal
for large invoices predicted to slip, and the forecast page and drill-down showing them."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from ledger.models import Customer
from reporting import forecast_methods
from reporting.forecast import forecast
from reporting.forecast_methods import pointer
from reporting.models import PayModel
from reporting.not_yet_issued import not_yet_issued_to
from reporting.pay_model import LateDays, history, train
from team.selectors import target_rows, target_totals
from tests.factories import PortfolioFactory, collector, finance
from tests.reporting.test_backtest import AS_OF, build_book
from work.models import QueueTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_model_pointer_left():
    """The stored model's pointer lives in VAR_DIR, beside the database: no test leaves one behind."""
    yield
    pointer().unlink(missing_ok=True)


@pytest.fixture
def book(settings):
    settings.FORECAST_MODEL_MIN_CLOSED = 20
    return build_book(customers=3)


def test_thin_history_gives_no_model(settings):
    settings.FORECAST_MODEL_MIN_CLOSED = 20
    build_book(customers=1, as_of=date(2025, 7, 31))  # a few invoices closed: below the minimum
    hist = history(date(2025, 5, 1), date(2025, 7, 31))
    assert train(hist, date(2025, 7, 31)) is None
    trained = forecast_methods.pay_model_train(as_of=date(2025, 7, 31), months=2)
    assert trained.row is None and not PayModel.objects.exists()
    assert forecast_methods.default_method() == "rule"


def test_training_stores_the_model_with_its_score_and_predicts(book, settings):
    trained = forecast_methods.pay_model_train(as_of=AS_OF, months=2)
    row = trained.row
    assert row is not None and row.as_of == AS_OF and row.rows > 0 and row.blob
    assert set(row.score["methods"]) == {"rule", "model"} and row.score["last_month"] == "2026-06-30"
    assert forecast_methods.default_method() == row.score["best"]
    settings.FORECAST_DEFAULT_METHOD = "rule"
    assert forecast_methods.default_method() == "rule"
    # The next night's training in the same month carries the score over (no second backtest).
    again = forecast_methods.pay_model_train(as_of=AS_OF, months=2)
    assert again.backtest is None and again.row.score == row.score
    stored, model = forecast_methods.stored_model()
    assert stored.pk == again.row.pk
    figures = forecast_methods.model_figures_of(model, stored, as_of=AS_OF, horizon_end=date(2026, 7, 31))
    invoices = figures.forecast.invoices
    assert len(invoices) > 0
    assert ((invoices["probability"] >= 0) & (invoices["probability"] <= 1)).all()
    assert figures.forecast.p10 <= figures.forecast.expected <= figures.forecast.p90
    late = invoices[invoices["predicted_date"].notna()]
    assert all(d > AS_OF for d in late["predicted_date"])


def test_not_yet_issued_follows_billing_and_same_month_payment(book):
    line = not_yet_issued_to(date(2026, 5, 31), date(2026, 6, 30))
    assert line.billing > 0  # the book invoices every 12 days per customer
    # The prompt payer pays two days before a 30-day due date: invoices of the month's first days are paid
    # in their own month, the later ones are not.
    assert 0 < line.from_new_invoices < line.billing / 2
    empty = not_yet_issued_to(date(2025, 1, 31), date(2025, 2, 28))
    assert empty.billing == 0 and empty.total == 0


def test_large_invoices_predicted_to_slip_raise_one_task_each(book, settings):
    forecast_methods.pay_model_train(as_of=AS_OF - timedelta(days=1), months=1)
    settings.FORECAST_SLIP_AMOUNT = 1000
    raised = forecast_methods.forecast_slips_raise(as_of=AS_OF - timedelta(days=20))
    assert raised, "the slow payers' invoices are predicted past month end"
    assert {t.kind for t in raised} == {QueueTask.Kind.FORECAST_SLIP}
    assert all(t.key.startswith("forecast_slip:") and t.key.endswith(":2026-06") for t in raised)
    again = forecast_methods.forecast_slips_raise(as_of=AS_OF - timedelta(days=20))
    assert QueueTask.objects.filter(kind=QueueTask.Kind.FORECAST_SLIP).count() == len(raised) == len(again)
    settings.FORECAST_SLIP_AMOUNT = 10**9
    assert forecast_methods.forecast_slips_raise(as_of=AS_OF - timedelta(days=20)) == []


def test_pages_show_the_model_beside_the_rule(book, client):
    client.force_login(finance())
    before = client.get(reverse("forecast"), {"as_of": AS_OF.isoformat()}).content.decode()
    assert "not trained yet" in before and 'data-figure="default-method">rule<' in before
    forecast_methods.pay_model_train(as_of=AS_OF, months=2)
    page = client.get(reverse("forecast"), {"as_of": AS_OF.isoformat(), "fresh": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-figure="model-forecast"' in html and "trained as of" in html
    drill = client.get(reverse("reports_aging_invoices"), {"as_of": AS_OF.isoformat()})
    assert drill.status_code == 200 and "P(by month end)" in drill.content.decode()
    assert " %</td>" in drill.content.decode()  # a probability per invoice


def test_late_days_share_is_conditional_on_still_being_open_and_reads_only_closed_by_the_day():
    day = date(2026, 6, 30)
    closed = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 1],
        "days_late": [0, 5, 10, 20, 40, 1],
        "closed_on": [day - timedelta(days=n) for n in (50, 40, 30, 20, 10)] + [day + timedelta(days=1)],
    })
    late = LateDays.of(day, closed)  # the last row closed after the day: not read
    share, still_open, book = late.conditional(pd.Series([1, 1, 3]), np.array([3, -10, 3]), np.array([12, 0, 12]))
    # Customer 1: of 0, 5, 10, 20 days late, those later than 3 are 5, 10, 20; two of them by 12.
    assert share[0] == pytest.approx(2 / 3) and still_open[0] == 3
    assert share[1] == pytest.approx(1 / 4) and still_open[1] == 4  # later than -10: all four; by 0: one
    assert np.isnan(share[2]) and still_open[2] == 0  # a customer with nothing closed: no share of its own
    assert book[2] == pytest.approx(2 / 4)  # the book: 5, 10, 20, 40 later than 3; 5 and 10 by 12
    empty = LateDays.of(day, None)
    share, still_open, book = empty.conditional(pd.Series([1]), np.array([0]), np.array([5]))
    assert np.isnan(share[0]) and still_open[0] == 0 and np.isnan(book[0])


def test_the_dashboard_forecast_follows_the_default_method(book, settings):
    user = collector("cora")
    Customer.objects.update(portfolio=PortfolioFactory(collector=user))
    rule_rows = forecast(as_of=AS_OF, horizon_end=date(2026, 7, 31)).by_collector
    # No model stored yet (a cold start): the rule's figures.
    (row,) = target_rows(collectors=[user], as_of=AS_OF + timedelta(days=1))
    assert row.method == "rule" and target_totals([row]).method == "rule"
    forecast_methods.pay_model_train(as_of=AS_OF, months=2)
    settings.FORECAST_DEFAULT_METHOD = "model"
    method, figures = forecast_methods.forecast_by_collector(as_of=AS_OF, horizon_end=date(2026, 7, 31))
    model = forecast_methods.model_figures(as_of=AS_OF, horizon_end=date(2026, 7, 31))
    assert method == "model" and set(figures) == {"cora"}
    assert float(figures["cora"]) == pytest.approx(model.forecast.expected, abs=0.01)
    (row,) = target_rows(collectors=[user], as_of=AS_OF + timedelta(days=1))
    assert row.method == "model" and target_totals([row]).method == "model"
    settings.FORECAST_DEFAULT_METHOD = "rule"
    method, figures = forecast_methods.forecast_by_collector(as_of=AS_OF, horizon_end=date(2026, 7, 31))
    assert method == "rule" and figures == {r["collector"]: r["forecast"] for r in rule_rows}
