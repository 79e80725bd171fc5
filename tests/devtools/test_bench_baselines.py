"""The bench's single-statement baselines (devtools.benchmarks.baselines) give the engine's figures to
the cent on a book that exercises every rule they restate, on SQLite and PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from devtools.benchmarks import baselines
from devtools.benchmarks.reports import _cents
from ledger.services import payment_reverse
from tests.factories import CustomerFactory, PortfolioFactory, collector
from tests.reporting.factories import dispute, issue, pay, promise, rate
from work.models import Activity, PromiseToPay
from work.plans.services import plan_create
from work.services import activity_log, follow_up_set

pytestmark = pytest.mark.django_db
D = Decimal


HORIZON_DAYS = 30  # the tests' horizon: D + 30 days, whatever day of the month the tests run on


def forecast_book():
    """Two collectors and an unassigned account; history with and without, one halfway between two
    days; a promise open, one settled since D, one settled on D and one cancelled; disputes open on a
    root cause with a cycle time and on one without (the overall mean); a payment plan of three
    installments; euros at the rate before the issue day and at the first rate after it. Each rule
    decides on which side of D or of the horizon an invoice falls."""
    today = timezone.localdate()

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    rate("EUR", ago(200), "1.10000000")
    rate("EUR", ago(100), "1.23456789")
    ann, bob = collector("bl_ann"), collector("bl_bob")
    slow = CustomerFactory(portfolio=PortfolioFactory(collector=ann))
    halfway = CustomerFactory(portfolio=PortfolioFactory(collector=ann))
    new = CustomerFactory(portfolio=PortfolioFactory(collector=bob))
    stray = CustomerFactory(portfolio=None)
    # Slow: 1,000.00 paid 9 days late and 3,000.00 2 days late, weighted 3.75 → 4 days (unweighted 6).
    # Halfway: 2 and 3 days late on equal amounts, 2.5 → 3 days (halves away from zero).
    for customer, amount, late in ((slow, "1000.00", 9), (slow, "3000.00", 2), (halfway, "100.00", 2),
                                   (halfway, "100.00", 3)):
        paid = issue(customer, ago(80), amount, due=ago(50))
        pay(customer, ago(50 - late), amount, (paid, amount))
    # Disputes resolved in the window: pricing in 12 days, quantity in 40 (overall 26).
    for cause, opened, resolved in (("pricing", 40, 28), ("quantity", 70, 30)):
        settled = issue(stray, ago(120), "10.00", due=ago(90))
        dispute(stray, [settled], cause, opened_on=ago(opened), resolved_on=ago(resolved))
        pay(stray, ago(resolved), "10.00", (settled, "10.00"))
    invoices = {
        "weighted": issue(slow, ago(20), "250.00", due=ago(-25)),  # +29 in (unweighted: +31 beyond)
        "long late": issue(slow, ago(90), "400.00", due=ago(60)),  # at risk
        "half": issue(halfway, ago(5), "88.88", due=ago(-28)),  # +31 beyond (rounded half to even: +30 in)
        "far": issue(new, ago(1), "700.00", due=ago(-60)),  # beyond
        "euros before": issue(new, ago(150), "300.00", due=ago(-2), currency="EUR"),  # at 1.10
        "euros after": issue(stray, ago(250), "50.00", due=ago(220), currency="EUR"),  # first rate after: 1.10
        "promised": issue(new, ago(40), "123.45", due=ago(10)),  # promised +1 in (history: at risk)
        "settled later": issue(slow, ago(45), "77.77", due=ago(15)),  # promised +9 in
        "settled on D": issue(slow, ago(46), "55.55", due=ago(16)),  # history: at risk
        "cancelled promise": issue(new, ago(35), "66.66", due=ago(5)),  # history: at risk
        "book's habit": issue(new, ago(30), "44.44", due=ago(2)),  # no history: the book's 3.96 days, +2 in
        "pricing": issue(slow, ago(33), "999.99", due=ago(-10)),  # +10 + 12 + 4 = +26 in (overall: beyond)
        "no cycle of its own": issue(slow, ago(60), "333.33", due=ago(31)),  # −31 + 26 + 4 = −1 at risk (30: in)
        "planned old": issue(new, ago(70), "600.00", due=ago(40)),  # second installment, +20 in
        "planned new": issue(new, ago(50), "400.00", due=ago(20)),  # third installment, +40 beyond
    }
    # Broken after D (so open at D) and followed by another one: the latest decides.
    older = promise(new, ago(-40), "123.45", [invoices["promised"]], made_on=ago(4))
    PromiseToPay.objects.filter(pk=older.pk).update(status=PromiseToPay.Status.BROKEN,
                                                    settled_on=today + timedelta(days=1))
    promise(new, ago(-1), "123.45", [invoices["promised"]], made_on=ago(0))  # made on D: open at its end
    for key, status, settled_on in (("settled later", PromiseToPay.Status.BROKEN, today + timedelta(days=1)),
                                    ("settled on D", PromiseToPay.Status.KEPT, today),
                                    ("cancelled promise", PromiseToPay.Status.CANCELLED, today)):
        made = promise(invoices[key].customer, ago(-9), str(invoices[key].amount), [invoices[key]], made_on=ago(3))
        PromiseToPay.objects.filter(pk=made.pk).update(status=status, settled_on=settled_on)
    dispute(slow, [invoices["pricing"]], "pricing", opened_on=ago(2))
    dispute(slow, [invoices["no cycle of its own"]], "tax", opened_on=ago(2))
    plan_create(invoices=[invoices["planned old"], invoices["planned new"]], installments=[
        (today + timedelta(days=n), D(amount)) for n, amount in ((1, "300.00"), (20, "300.00"), (40, "400.00"))])
    return today, invoices


def same(as_of, horizon_end=None) -> tuple:
    """(statement's figures, engine's figures), to the cent."""
    return (_cents(baselines.sql_forecast(as_of, horizon_end).as_tuple()),
            _cents(baselines.engine_forecast(as_of, horizon_end).as_tuple()))


def test_the_forecast_statement_gives_the_engines_forecast_to_the_cent():
    today, _ = forecast_book()
    horizon = today + timedelta(days=HORIZON_DAYS)

    sql, engine = same(today, horizon)

    assert sql == engine
    assert all(sql[:3])  # forecast, at risk and beyond each hold invoices
    assert {row[0] for row in sql[3]} == {"bl_ann", "bl_bob", "(unassigned)"}
    assert same(today) == same(today)[::-1]  # the default horizon, D's month end
    longer = same(today, today + timedelta(days=45))  # another horizon moves invoices between the parts
    assert longer[0] == longer[1] != sql


def test_without_a_resolved_dispute_a_disputed_invoice_takes_thirty_days():
    today = timezone.localdate()
    customer = CustomerFactory()
    disputed = issue(customer, (today - timedelta(days=40)).isoformat(), "45.00", due=(today - timedelta(days=25))
                     .isoformat())
    dispute(customer, [disputed], "po", opened_on=(today - timedelta(days=1)).isoformat())
    sql, engine = same(today, today + timedelta(days=HORIZON_DAYS))
    assert sql == engine and sql[0] == D("45.00")  # −25 + 30: in (without the dispute: at risk)


@pytest.mark.parametrize("days_back", [1, 30])
def test_the_forecast_statement_follows_the_engine_at_an_earlier_date(days_back):
    """Earlier, the plan did not exist yet and cash received since was still open: other bases."""
    today, _ = forecast_book()
    then = today - timedelta(days=days_back)
    sql, engine = same(then, then + timedelta(days=HORIZON_DAYS))
    assert sql == engine


def team_book():
    """The forecast's book, with cash this month (euros, an unapplied payment, a reversed one) and the
    plans the dashboard counts: an open promise not yet due, a follow-up on an account, a next
    action on an activity, and invoices past due beyond 30 days without any."""
    today, invoices = forecast_book()
    slow, new = invoices["long late"].customer, invoices["far"].customer
    pay(slow, today.isoformat(), "40.00", (invoices["weighted"], "40.00"))
    pay(new, today.isoformat(), "25.00", currency="EUR")  # unapplied, at today's rate (the latest before)
    bounced = pay(new, today.isoformat(), "1000.00")
    payment_reverse(payment=bounced, reason="bounced")

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    promised_late = issue(new, ago(80), "61.00", due=ago(45))
    promise(new, ago(0), "61.00", [promised_late], made_on=ago(1))  # each plan dated D: still a plan
    followed = CustomerFactory(portfolio=slow.portfolio)
    issue(followed, ago(90), "17.00", due=ago(50))
    follow_up_set(customer=followed, on=today)
    acted = CustomerFactory(portfolio=new.portfolio)
    issue(acted, ago(90), "19.00", due=ago(50))
    activity_log(customer=acted, kind=Activity.Kind.CALL, next_action_on=today)
    issue(acted, ago(95), "23.00", due=ago(65), currency="EUR")  # the same account: still planned
    return today, invoices


def test_the_collected_and_targets_statements_give_the_engines_figures_to_the_cent():
    today, _ = team_book()

    collected = _cents(baselines.sql_collected(today))
    assert collected == _cents(baselines.engine_collected(today))
    assert dict(collected)["bl_bob"] == D("30.86")  # 25.00 EUR at 1.23456789; the reversed payment left out
    targets = _cents(baselines.sql_targets(today))
    assert targets == _cents(baselines.engine_targets(today))
    assert [row[0] for row in targets] == ["bl_ann", "bl_bob"] and all(row[1] and row[2] for row in targets)


def test_the_dashboard_statement_gives_the_engines_figures_to_the_cent():
    today, invoices = team_book()

    dashboard = _cents(baselines.sql_dashboard(today))
    assert dashboard == _cents(baselines.engine_dashboard(today))
    ann, bob = dashboard
    # Without a plan: Ann's "long late" (60 days), not the disputed one nor the account followed up;
    # Bob's "planned old" (40 days: a payment plan is not a promise), not the promised one nor the
    # account with a next action.
    assert ann[-3:] == (invoices["long late"].amount, 1, 1)
    assert bob[-3:] == (invoices["planned old"].amount, 1, 1)
    for row in dashboard:  # AR, past due, buckets: AR = the buckets' sum, past due = all but current
        assert row[1] == sum(row[3:8]) and row[2] == row[1] - row[3] and row[2]
