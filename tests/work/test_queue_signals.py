"""The daily queue's signals, one by one: each puts the account on the list with a readable reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.models import Contact
from ledger.services import payment_receive
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory
from work import promises
from work import services as work_services
from work.models import Activity, Dispute, PromiseToPay, QueueTask
from work.queue import scoring
from work.queue.models import QueueEntry, Snooze
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def account(portfolio=None, **kwargs):
    customer = CustomerFactory(portfolio=portfolio or PortfolioFactory(), **kwargs)
    ContactFactory(customer=customer, name="Pat Payables")
    return customer


def invoice(customer, *, days_past_due: int, amount="1000.00", **kwargs):
    due = today() - timedelta(days=days_past_due)
    return InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                          amount=Decimal(amount), **kwargs)


def entry_for(customer) -> QueueEntry | None:
    queue_build(on=today())
    return QueueEntry.objects.filter(day=today(), customer=customer).first()


def signals(entry) -> dict:
    return {r["signal"]: r["text"] for r in entry.reasons}


def test_broken_promise_tops_next_mornings_queue():
    portfolio = PortfolioFactory()
    big = account(portfolio)
    invoice(big, days_past_due=95, amount="90000.00")
    promised = account(portfolio)
    inv = invoice(promised, days_past_due=5, amount="4200.00")
    work_services.promise_record(customer=promised, amount="4200.00", pay_by=today() - timedelta(days=1),
                                 invoices=[inv])
    PromiseToPay.objects.update(created_at=timezone.now() - timedelta(days=5))
    promises.promises_settle(on=today())
    queue_build(on=today())
    entries = list(QueueEntry.objects.filter(day=today()).order_by("-score"))
    assert entries[0].customer == promised
    assert signals(entries[0])["promise_broken"] == "promise of $4,200 broken yesterday"
    assert entries[0].next_action.startswith("Call Pat Payables about the broken promise")


def test_promise_due_today_is_on_the_list():
    customer = account()
    inv = invoice(customer, days_past_due=-10, amount="800.00")
    work_services.promise_record(customer=customer, amount="800.00", pay_by=today(), invoices=[inv])
    assert signals(entry_for(customer))["promise_due"] == "promise of $800 due today"


def test_past_due_is_weighted_by_age_and_size():
    portfolio = PortfolioFactory()
    young, old, older_bigger = account(portfolio), account(portfolio), account(portfolio)
    invoice(young, days_past_due=10, amount="18000.00")
    invoice(old, days_past_due=70, amount="18000.00")
    invoice(older_bigger, days_past_due=70, amount="36000.00")
    queue_build(on=today())
    points = {e.customer_id: dict((r["signal"], r["points"]) for r in e.reasons)["past_due"]
              for e in QueueEntry.objects.filter(day=today())}
    assert points[young.pk] < points[old.pk] < points[older_bigger.pk]
    assert points[old.pk] == 18 * scoring.AGE_WEIGHTS["61–90"]


def test_reason_reads_bucket_amount_and_days_not_worked():
    customer = account()
    invoice(customer, days_past_due=70, amount="18000.00")
    work_services.activity_log(customer=customer, kind=Activity.Kind.CALL, outcome=Activity.Outcome.NO_ANSWER,
                               occurred_at=timezone.now() - timedelta(days=16))
    assert signals(entry_for(customer))["past_due"] == "61–90 days: $18,000, not worked for 16 days"


def test_top_past_due_accounts_of_the_portfolio():
    portfolio = PortfolioFactory()
    accounts = [account(portfolio) for _ in range(scoring.TOP_N + 2)]
    for n, customer in enumerate(accounts):
        invoice(customer, days_past_due=5, amount=f"{1000 + n * 100}.00")
    queue_build(on=today())
    in_top = set(QueueEntry.objects.filter(day=today(), reasons__icontains="top_past_due")
                 .values_list("customer_id", flat=True))
    assert in_top == {c.pk for c in accounts[2:]}


def test_account_in_a_top_family_counts_as_top():
    portfolio = PortfolioFactory()
    head = account(portfolio)
    child = account(portfolio, parent=head)
    others = [account(portfolio) for _ in range(scoring.TOP_N)]
    for customer in others:
        invoice(customer, days_past_due=5, amount="3000.00")
    invoice(head, days_past_due=5, amount="2000.00")
    invoice(child, days_past_due=5, amount="2000.00")  # 4,000 as a family beats every single account
    queue_build(on=today())
    assert "top_past_due" in signals(QueueEntry.objects.get(day=today(), customer=child))


def test_cadence_past_due_account_not_worked_in_14_days():
    customer = account()
    invoice(customer, days_past_due=20, amount="3000.00")
    work_services.activity_log(customer=customer, kind=Activity.Kind.CALL, outcome=Activity.Outcome.REACHED,
                               occurred_at=timezone.now() - timedelta(days=15))
    assert "not_worked" in signals(entry_for(customer))


def test_cadence_recently_worked_account_gets_no_cadence_points():
    customer = account()
    invoice(customer, days_past_due=20, amount="3000.00")
    work_services.activity_log(customer=customer, kind=Activity.Kind.CALL, outcome=Activity.Outcome.REACHED,
                               occurred_at=timezone.now() - timedelta(days=3))
    assert "not_worked" not in signals(entry_for(customer))


def test_high_balance_is_worked_more_often():
    customer = account()
    invoice(customer, days_past_due=20, amount="30000.00")
    work_services.activity_log(customer=customer, kind=Activity.Kind.CALL, outcome=Activity.Outcome.REACHED,
                               occurred_at=timezone.now() - timedelta(days=8))
    assert "not_worked" in signals(entry_for(customer))


def test_invoice_over_30_days_with_no_plan():
    customer = account()
    invoice(customer, days_past_due=45, amount="2500.00")
    assert signals(entry_for(customer))["no_plan"] == ("$2,500 over 30 days past due with no promise, dispute "
                                                      "or follow-up")


def test_a_promise_a_dispute_or_a_follow_up_is_a_plan():
    promised, disputed, followed = account(), account(), account()
    inv = invoice(promised, days_past_due=45)
    work_services.promise_record(customer=promised, amount="1000.00", pay_by=today() + timedelta(days=5),
                                 invoices=[inv])
    inv = invoice(disputed, days_past_due=45)
    work_services.dispute_open(customer=disputed, invoices=[inv], amount="1000.00", root_cause="pricing")
    invoice(followed, days_past_due=45)
    work_services.follow_up_set(customer=followed, on=today() + timedelta(days=3))
    queue_build(on=today())
    for customer in (promised, disputed, followed):
        entry = QueueEntry.objects.filter(day=today(), customer=customer).first()
        assert entry is None or "no_plan" not in signals(entry)


def test_dispute_with_no_update_for_n_days():
    customer = account()
    inv = invoice(customer, days_past_due=5)
    dispute = work_services.dispute_open(customer=customer, invoices=[inv], amount="1000.00", root_cause="pricing",
                                         owner=Dispute.Owner.SALES)
    Dispute.objects.filter(pk=dispute.pk).update(last_update_at=timezone.now() - timedelta(days=12))
    expected = "Pricing dispute of $1,000 with Sales: no update for 12 days"
    assert signals(entry_for(customer))["dispute_stale"] == expected


def test_invoice_awaiting_approval_for_more_than_3_days():
    customer = account()
    invoice(customer, days_past_due=2, external_id="INV-APPR", approval_requested_on=today() - timedelta(days=4))
    entry = entry_for(customer)
    assert signals(entry)["awaiting_approval"] == "invoice INV-APPR awaiting approval for 4 days"


def test_invoice_awaiting_approval_for_3_days_is_not_yet_a_signal():
    customer = account()
    invoice(customer, days_past_due=-20, approval_requested_on=today() - timedelta(days=3))
    entry = entry_for(customer)
    assert entry is None or "awaiting_approval" not in signals(entry)


def test_bounced_email_is_a_delivery_problem():
    customer = account()
    invoice(customer, days_past_due=-10)
    ContactFactory(customer=customer, name="Bo Unce", is_primary=False, email_bounced_at=timezone.now())
    assert signals(entry_for(customer))["email_bounced"] == "email to Bo Unce bounced"


def test_invoice_sent_but_not_opened_before_its_due_date():
    customer = account()
    invoice(customer, days_past_due=-3, external_id="INV-NOPEN", sent_at=timezone.now() - timedelta(days=20))
    assert signals(entry_for(customer))["not_opened"] == "invoice INV-NOPEN not opened, due in 3 days"


def test_opened_invoice_is_no_delivery_problem():
    customer = account()
    invoice(customer, days_past_due=-3, sent_at=timezone.now() - timedelta(days=20), opened_at=timezone.now())
    entry = entry_for(customer)
    assert entry is None or "not_opened" not in signals(entry)


@pytest.mark.parametrize("kind", [QueueTask.Kind.BOUNCE, QueueTask.Kind.NOT_OPENED,
                                  QueueTask.Kind.STATEMENT_UNDELIVERED, QueueTask.Kind.PORTAL_REQUEST,
                                  QueueTask.Kind.PORTAL_DISPUTE, QueueTask.Kind.DUNNING_STEP])
def test_open_tasks_raised_by_reminders_and_portal_put_the_account_on_the_list(kind):
    customer = account()
    work_services.queue_task_raise(customer=customer, kind=kind, title="Statement of October not delivered",
                                   key=f"t-{kind}")
    entry = entry_for(customer)
    assert f"task_{kind}" in signals(entry)
    assert "statement of October not delivered" in signals(entry)[f"task_{kind}"]


def test_done_tasks_are_not_signals():
    customer = account()
    task = work_services.queue_task_raise(customer=customer, kind=QueueTask.Kind.PORTAL_REQUEST, title="Copy")
    QueueTask.objects.filter(pk=task.pk).update(status=QueueTask.Status.DONE)
    assert entry_for(customer) is None


def test_unapplied_cash_to_discuss():
    customer = account()
    invoice(customer, days_past_due=-10)
    payment_receive(customer=customer, external_id="P-UN", received_date=today(), amount="700.00", currency="USD")
    assert signals(entry_for(customer))["unapplied"] == "$700 unapplied cash or credit to discuss"


def test_follow_up_due_brings_the_account_back():
    customer = account()
    invoice(customer, days_past_due=-10)
    work_services.follow_up_set(customer=customer, on=today(), note="call back after their board meeting")
    assert signals(entry_for(customer))["follow_up"] == "follow-up due today: call back after their board meeting"


def test_low_balance_account_in_good_standing_is_left_to_reminders():
    customer = account()
    invoice(customer, days_past_due=10, amount="300.00")
    assert entry_for(customer) is None


def test_low_balance_account_over_30_days_is_on_the_list():
    customer = account()
    invoice(customer, days_past_due=40, amount="300.00")
    assert entry_for(customer) is not None


def test_account_with_nothing_to_do_stays_off():
    customer = account()
    invoice(customer, days_past_due=-20, amount="9000.00")
    assert entry_for(customer) is None


def test_snoozed_account_stays_off_until_the_day():
    customer = account()
    invoice(customer, days_past_due=40, amount="3000.00")
    Snooze.objects.create(customer=customer, until=today() + timedelta(days=2), reason="AP clerk on holiday")
    assert entry_for(customer) is None
    Snooze.objects.update(until=today())
    assert entry_for(customer) is not None


def test_closed_and_unassigned_accounts_are_not_scored():
    closed = account(status="closed")
    invoice(closed, days_past_due=40, amount="3000.00")
    nobody = CustomerFactory(portfolio=None)
    invoice(nobody, days_past_due=40, amount="3000.00")
    queue_build(on=today())
    assert not QueueEntry.objects.filter(customer__in=[closed, nobody]).exists()


def test_rebuilding_keeps_what_was_done_today():
    customer = account()
    invoice(customer, days_past_due=40, amount="3000.00")
    entry = entry_for(customer)
    work_services.outcome_log(customer=customer, kind="call", outcome="no_answer", by=None)
    assert QueueEntry.objects.get(pk=entry.pk).status == QueueEntry.Status.DONE
    queue_build(on=today())
    assert list(QueueEntry.objects.filter(customer=customer).values_list("status", flat=True)) == ["done"]


def test_each_collector_gets_their_own_list():
    alice_book, bob_book = PortfolioFactory(), PortfolioFactory()
    a, b = account(alice_book), account(bob_book)
    invoice(a, days_past_due=40, amount="3000.00")
    invoice(b, days_past_due=40, amount="3000.00")
    queue_build(on=today())
    assert QueueEntry.objects.get(customer=a).collector == alice_book.collector
    assert QueueEntry.objects.get(customer=b).collector == bob_book.collector


def test_scoring_2000_accounts_is_a_fixed_number_of_queries():
    portfolio = PortfolioFactory()
    from ledger.models import Customer, Invoice

    Customer.objects.bulk_create(
        [Customer(external_id=f"BULK{n:05d}", name=f"Bulk {n}", portfolio=portfolio) for n in range(2000)]
    )
    customers = list(Customer.objects.filter(portfolio=portfolio))
    due = today() - timedelta(days=45)
    Invoice.objects.bulk_create([
        Invoice(external_id=f"BI{c.pk}-{k}", customer=c, issue_date=due - timedelta(days=30), due_date=due + timedelta(
            days=k * 20), amount=Decimal("1500.00"), open_amount=Decimal("1500.00"), currency="USD")
        for c in customers for k in range(2)
    ])
    Contact.objects.bulk_create([Contact(customer=c, name=f"AP {c.pk}") for c in customers])
    with CaptureQueriesContext(connection) as ctx:
        built = queue_build(on=today())
    assert built == 2000
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    inserts = statements.count("INSERT")
    # Reads: a fixed dozen or so whatever the size; writes: one INSERT per batch the backend allows.
    assert len(statements) - inserts <= 20
    assert inserts <= 2000 // 50
