"""The forecast backtest (METRICS.md "Forecast accuracy"): the rule's figures unchanged, no leakage, MAPE and
bias as defined, the command, the API and the page, and an empty book."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from ledger.models import Application, Invoice
from reporting import metrics
from reporting.backtest import bias, mape, run
from reporting.forecast import months_computed
from reporting.forecast_methods import pointer
from tests.factories import CustomerFactory, collector, finance
from tests.reporting.factories import issue, pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_model_pointer_left():
    """The stored model's pointer lives in VAR_DIR, beside the database: no test leaves one behind."""
    yield
    pointer().unlink(missing_ok=True)
AS_OF = date(2026, 6, 30)
START = date(2025, 5, 5)
# days late of each kind of payer; each customer bills every 12 days
LAGS = {"prompt": -2, "late": 18, "slow": 45}


def build_book(as_of: date = AS_OF, customers: int = 6) -> list:
    """A small book with a year of history: customers of three kinds, each paying every invoice a fixed
    number of days after its due date (if that day has come by `as_of`)."""
    made = []
    for n in range(customers):
        kind = list(LAGS)[n % len(LAGS)]
        customer = CustomerFactory(segment="mid-market" if n % 2 else "enterprise")
        day, k = START + timedelta(days=n), 0
        while day <= as_of:
            amount = Decimal(1000 + 250 * ((n * 7 + k * 3) % 9))
            invoice = issue(customer, day.isoformat(), str(amount))
            paid_on = invoice.due_date + timedelta(days=LAGS[kind] + (k % 3))
            if paid_on <= as_of:
                pay(customer, paid_on.isoformat(), str(amount), (invoice, str(amount)))
            day += timedelta(days=12)
            k += 1
        made.append(customer)
    return made


@pytest.fixture
def small_model(settings):
    settings.FORECAST_MODEL_MIN_CLOSED = 20


@pytest.fixture
def book(small_model):
    return build_book(customers=3)


def test_mape_and_bias_as_defined():
    errors, actuals = [Decimal(10), Decimal(-30), Decimal(5)], [Decimal(100), Decimal(150), Decimal(0)]
    assert mape(errors, actuals) == (Decimal(10) + Decimal(20)) / 2  # the month with actual 0 is left out
    assert bias(errors, actuals) == Decimal(-15) / Decimal(250) * 100
    assert mape([], []) is None and bias([Decimal(1)], [Decimal(0)]) is None


def test_rule_figures_are_the_rules(book):
    result = run(as_of=AS_OF, months=4)
    computed = months_computed(result.months)
    for row in result.rows["rule"]:
        assert row.forecast == computed[row.end]["forecast"]
        assert row.forecast == metrics.forecast(as_of=row.made_on, horizon_end=row.end).forecast
        assert row.actual_total == computed[row.end]["actual"]  # Collected(M)
        assert not row.fallback


def test_model_is_trained_and_beats_nothing_silently(book):
    result = run(as_of=AS_OF, months=4)
    model_rows = result.rows["model"]
    assert not any(r.fallback for r in model_rows)
    for row in model_rows:
        assert row.p10 <= row.forecast <= row.p90
        assert row.forecast_total == row.forecast + row.not_yet_issued + row.other_receipts
    summary = result.summary("model")
    assert summary["mape"] is not None and summary["months"] == 4
    assert result.best() in ("rule", "model")


def test_actual_from_open_ar_is_cash_applied_in_the_month_to_invoices_open_then(book):
    result = run(as_of=AS_OF, months=1, methods=("rule",))
    row = result.rows["rule"][0]
    open_then = set(metrics.open_invoices(row.made_on)["invoice_id"])
    expected = sum((a.amount for a in Application.objects.filter(
        invoice_id__in=open_then, applied_on__range=(row.start, row.end), payment__isnull=False)), Decimal(0))
    assert row.actual == expected


def test_no_leakage_a_later_payment_changes_no_forecast(book, small_model):
    before = run(as_of=AS_OF, months=2)
    month = before.rows["model"][1]  # June: made on May 31
    open_then = set(metrics.open_invoices(month.made_on)["invoice_id"])
    invoice = Invoice.objects.filter(pk__in=open_then, open_amount__gt=0).order_by("-open_amount").first()
    paid_on = (month.made_on + timedelta(days=3)).isoformat()  # after the as-of day of June's forecast
    pay(invoice.customer, paid_on, str(invoice.open_amount), (invoice, str(invoice.open_amount)))
    after = run(as_of=AS_OF, months=2)
    for method in ("rule", "model"):
        for old, new in zip(before.rows[method], after.rows[method], strict=True):
            assert new.forecast == old.forecast, (method, old.month)
            assert new.not_yet_issued == old.not_yet_issued and new.other_receipts == old.other_receipts
    june_before, june_after = before.rows["rule"][1], after.rows["rule"][1]
    assert june_after.actual > june_before.actual  # the payment is in June's actual, not in its forecast


def test_empty_book_falls_back_cleanly(client):
    result = run(as_of=AS_OF, months=3)
    assert all(r.fallback for r in result.rows["model"])
    assert all(r.forecast == 0 and r.actual == 0 for r in result.rows["rule"])
    assert result.summary("rule")["mape"] is None and result.best() == "rule"


def test_command_prints_per_month_and_method(book):
    out = io.StringIO()
    call_command("ar_report", "forecast_backtest", "--months", "2", "--as-of", AS_OF.isoformat(), "--json",
                 stdout=out)
    payload = json.loads(out.getvalue())
    assert set(payload["methods"]) == {"rule", "model"}
    for method in payload["methods"].values():
        assert {"mape", "bias", "mape_total", "bias_total"} <= set(method)
        assert [r["month"] for r in method["rows"]] == ["2026-05", "2026-06"]
        assert {"forecast", "actual", "error"} <= set(method["rows"][0])
    out = io.StringIO()
    call_command("ar_report", "forecast_backtest", "--months", "1", "--as-of", AS_OF.isoformat(),
                 "--method", "rule", stdout=out)
    assert "rule: mape" in out.getvalue() and "model" not in out.getvalue()


def test_api_and_page(book, client):
    client.force_login(collector())
    assert client.get(reverse("api_reports_forecast_backtest")).status_code == 403
    client.force_login(finance())
    response = client.get(reverse("api_reports_forecast_backtest"), {"as_of": AS_OF.isoformat(), "months": "2",
                                                                      "method": "rule"})
    assert response.status_code == 200 and list(response.json()["methods"]) == ["rule"]
    assert client.get(reverse("api_reports_forecast_backtest"), {"months": "99"}).status_code == 400
    assert client.get(reverse("api_reports_forecast_backtest"), {"method": "magic"}).status_code == 400
    page = client.get(reverse("forecast_accuracy"), {"as_of": AS_OF.isoformat(), "months": "2"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="mape-rule"' in html and 'data-figure="mape-model"' in html and "2026-06" in html
    bad = client.get(reverse("forecast_accuracy"), {"as_of": AS_OF.isoformat(), "months": "x"})
    assert bad.status_code == 400 and "Months" in bad.content.decode()
