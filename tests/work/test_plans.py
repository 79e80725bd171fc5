"""Payment plans: creation rules, settlement of installments from the cash that reaches the plan's
invoices (early, exact, late, partial, missed), renegotiation, cancellation and the timeline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger import services
from ledger.models import Invoice
from tests.factories import CustomerFactory, PaymentPlanFactory, past_due_invoice
from work.models import QueueTask
from work.plans.models import PaymentPlan, PlanInstallment
from work.plans.schedule import Interval, equal_amounts, equal_schedule, installment_dates
from work.plans.services import PlanError, plan_cancel, plan_create, plan_renegotiate, plans_settle
from work.queue.models import QueueEntry
from work.settlement import money_moved
from work.timeline import timeline_for

pytestmark = pytest.mark.django_db

D = Decimal


def today():
    return timezone.localdate()


def pay(customer, invoice, amount, on, ref="P"):
    """Cash received on `on` and applied to the invoice that day, then the money-moved step."""
    payment = services.payment_receive(customer=customer, external_id=f"{ref}-{invoice.pk}-{on}-{amount}",
                                       received_date=on, amount=amount, currency=invoice.currency,
                                       applications=[(invoice, D(amount))])
    money_moved(invoice_ids=[invoice.pk])
    return payment


def installments(plan):
    return list(plan.installments.order_by("number"))


# The schedule ------------------------------------------------------------------------------------

def test_equal_split_puts_the_remainder_cents_on_the_last_installment():
    assert equal_amounts(D("1000.00"), 3) == [D("333.33"), D("333.33"), D("333.34")]
    assert equal_amounts(D("0.05"), 3) == [D("0.01"), D("0.01"), D("0.03")]
    assert sum(equal_amounts(D("12345.67"), 7)) == D("12345.67")


def test_monthly_dates_keep_the_day_and_clip_to_short_months():
    first = today().replace(year=today().year + 1, month=1, day=31)
    assert installment_dates(first_due=first, count=3, interval=Interval.MONTHLY) == [
        first, first.replace(month=2, day=28 if first.year % 4 else 29), first.replace(month=3, day=31)]
    assert installment_dates(first_due=first, count=2, interval=Interval.FORTNIGHTLY)[1] == first + timedelta(14)


# Creating a plan ---------------------------------------------------------------------------------

def test_plan_covers_the_open_amount_in_dated_installments():
    customer = CustomerFactory()
    first = past_due_invoice(customer, "600.00", days=40)
    second = past_due_invoice(customer, "400.00", days=10)
    schedule = equal_schedule(total=D("1000.00"), count=3, first_due=today() + timedelta(days=3),
                              interval=Interval.MONTHLY)

    plan = plan_create(invoices=[first, second], installments=[(p.due_on, p.amount) for p in schedule])

    assert plan.status == PaymentPlan.Status.ACTIVE and plan.total_amount == D("1000.00")
    assert plan.customer == customer and plan.currency == "USD" and plan.starts_on == today()
    assert [(i.number, i.amount, i.status) for i in installments(plan)] == [
        (1, D("333.33"), "open"), (2, D("333.33"), "open"), (3, D("333.34"), "open")]
    assert set(plan.invoices.all()) == {first, second}
    assert plan.activity.subject.startswith("Payment plan agreed: 3 installment(s), 1,000.00 USD")


def test_offering_a_plan_completes_todays_queue_item():
    customer = CustomerFactory()
    invoice = past_due_invoice(customer, "300.00", days=20)
    entry = QueueEntry.objects.create(day=today(), customer=customer, score=10)

    plan_create(invoices=[invoice], installments=[(today() + timedelta(days=5), D("300.00"))])

    entry.refresh_from_db()
    assert entry.status == QueueEntry.Status.DONE


@pytest.mark.parametrize("problem, message", [
    ("sum", "add up to 900.00"),
    ("past", "cannot be in the past"),
    ("order", "ascending order"),
    ("same_day", "ascending order"),
    ("cents", "in cents"),
    ("none", "between 1 and"),
])
def test_schedule_rules(problem, message):
    invoice = past_due_invoice(CustomerFactory(), "1000.00", days=15)
    soon, later = today() + timedelta(days=2), today() + timedelta(days=30)
    schedule = {
        "sum": [(soon, D("500.00")), (later, D("400.00"))],
        "past": [(today() - timedelta(days=1), D("500.00")), (later, D("500.00"))],
        "order": [(later, D("500.00")), (soon, D("500.00"))],
        "same_day": [(soon, D("500.00")), (soon, D("500.00"))],
        "cents": [(soon, D("500.005")), (later, D("499.995"))],
        "none": [],
    }[problem]
    with pytest.raises(PlanError, match=message):
        plan_create(invoices=[invoice], installments=schedule)
    assert not PaymentPlan.objects.exists()


def test_invoice_rules_open_one_family_one_currency_one_live_plan():
    head = CustomerFactory()
    child = CustomerFactory(parent=head)
    stranger = CustomerFactory()
    a, b = past_due_invoice(head, "100.00", days=5), past_due_invoice(child, "200.00", days=5)
    one_date = [(today() + timedelta(days=1), D("300.00"))]

    family_plan = plan_create(invoices=[a, b], installments=one_date)
    assert family_plan.customer == head

    with pytest.raises(PlanError, match="Already in a live payment plan: .*"):
        plan_create(invoices=[a], installments=[(today() + timedelta(days=1), D("100.00"))])
    other = past_due_invoice(stranger, "200.00", days=5)
    mine = past_due_invoice(head, "100.00", days=5)
    with pytest.raises(PlanError, match="one customer or one account family"):
        plan_create(invoices=[mine, other], installments=one_date)
    euro = past_due_invoice(head, "200.00", days=5, currency="EUR")
    with pytest.raises(PlanError, match="one currency"):
        plan_create(invoices=[mine, euro], installments=one_date)
    pay(head, mine, "100.00", today())
    with pytest.raises(PlanError, match="is not open"):
        plan_create(invoices=[mine], installments=[(today() + timedelta(days=1), D("100.00"))])
    assert PaymentPlan.objects.count() == 1


# Settlement --------------------------------------------------------------------------------------

def three_installments(amount="900.00", first_in=10, every=30):
    customer = CustomerFactory()
    invoice = past_due_invoice(customer, amount, days=45)
    total = D(amount)
    dates = [today() + timedelta(days=first_in + every * n) for n in range(3)]
    plan = plan_create(invoices=[invoice], installments=list(zip(dates, equal_amounts(total, 3), strict=True)))
    return customer, invoice, plan


def test_early_payment_keeps_the_first_installment_at_once():
    customer, invoice, plan = three_installments()

    pay(customer, invoice, "300.00", today())

    first, second, _ = installments(plan)
    assert (first.status, first.amount_paid, first.settled_on) == ("kept", D("300.00"), today())
    assert second.status == "open" and second.amount_paid == 0
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE


def test_payment_on_the_due_date_keeps_it():
    customer, invoice, plan = three_installments()
    due = installments(plan)[0].due_on

    pay(customer, invoice, "300.00", due)
    plans_settle(on=due + timedelta(days=1))

    assert installments(plan)[0].status == "kept"
    assert installments(plan)[0].settled_on == due


def test_one_payment_can_cover_several_installments_oldest_first():
    customer, invoice, plan = three_installments()

    pay(customer, invoice, "650.00", today())

    assert [(i.status, i.amount_paid) for i in installments(plan)] == [
        ("kept", D("300.00")), ("kept", D("300.00")), ("open", D("50.00"))]


def test_partial_payment_then_the_due_date_passes_misses_the_installment():
    customer, invoice, plan = three_installments()
    first_due = installments(plan)[0].due_on
    pay(customer, invoice, "120.00", today())
    assert installments(plan)[0].status == "open" and installments(plan)[0].amount_paid == D("120.00")

    changed = plans_settle(on=first_due)  # on the due date itself it is not missed yet
    assert changed == 0 and installments(plan)[0].status == "open"

    assert plans_settle(on=first_due + timedelta(days=1)) == 1

    first = installments(plan)[0]
    assert (first.status, first.amount_paid, first.missed_on) == ("missed", D("120.00"), first_due + timedelta(1))
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.BROKEN
    task = QueueTask.objects.get(customer=customer, kind=QueueTask.Kind.PLAN_MISSED)
    assert task.title.startswith("Plan installment 1 missed: 180.00 USD of 300.00")


def test_a_late_payment_is_late_and_puts_the_plan_back_on_track():
    customer, invoice, plan = three_installments()
    first_due = installments(plan)[0].due_on
    plans_settle(on=first_due + timedelta(days=1))
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.BROKEN

    pay(customer, invoice, "300.00", first_due + timedelta(days=3))
    plans_settle(on=first_due + timedelta(days=3))

    first = installments(plan)[0]
    assert (first.status, first.settled_on, first.missed_on) == (
        "late", first_due + timedelta(days=3), first_due + timedelta(days=1))
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert QueueTask.objects.get(kind=QueueTask.Kind.PLAN_MISSED).status == QueueTask.Status.DONE


def test_missed_installment_is_settled_once_however_often_settlement_runs():
    customer, invoice, plan = three_installments()
    day_after = installments(plan)[0].due_on + timedelta(days=1)

    assert plans_settle(on=day_after) == 1
    assert plans_settle(on=day_after) == 0
    assert plans_settle(on=day_after + timedelta(days=1)) == 0

    assert QueueTask.objects.filter(kind=QueueTask.Kind.PLAN_MISSED).count() == 1
    assert installments(plan)[0].missed_on == day_after


def test_plan_is_completed_when_every_installment_is_paid():
    customer, invoice, plan = three_installments()
    last_due = installments(plan)[2].due_on

    pay(customer, invoice, "600.00", today())
    pay(customer, invoice, "300.00", last_due)
    plans_settle(on=last_due)  # what the morning run finds that day

    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED and plan.ended_on == last_due
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_cash_before_the_plan_started_does_not_count():
    customer = CustomerFactory()
    invoice = past_due_invoice(customer, "1000.00", days=45)
    pay(customer, invoice, "400.00", today() - timedelta(days=3))
    plan = plan_create(invoices=[invoice], installments=[(today() + timedelta(days=7), D("600.00"))])

    plans_settle(on=today())

    assert installments(plan)[0].amount_paid == 0


def test_a_reversed_payment_reopens_the_installment(ledger_balances):
    customer, invoice, plan = three_installments()
    payment = pay(customer, invoice, "300.00", today())
    assert installments(plan)[0].status == "kept"

    services.payment_reverse(payment=payment, reason="cheque bounced")
    money_moved(invoice_ids=[invoice.pk])

    assert (installments(plan)[0].status, installments(plan)[0].amount_paid) == ("open", 0)
    ledger_balances()


def test_credit_notes_count_towards_the_installments():
    customer, invoice, plan = three_installments()

    services.credit_note_issue(customer=customer, external_id="CN-1", issue_date=today(), amount="300.00",
                               currency="USD", invoice=invoice)
    money_moved(invoice_ids=[invoice.pk])

    assert installments(plan)[0].status == "kept"


def test_settlement_runs_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    for _ in range(12):
        customer, invoice, plan = three_installments()
        pay(customer, invoice, "300.00", today())
    with django_assert_max_num_queries(12):
        plans_settle(on=today() + timedelta(days=5))


# Renegotiation and cancellation ------------------------------------------------------------------

def test_renegotiating_keeps_the_old_plan_as_history_and_plans_what_is_still_open():
    customer, invoice, plan = three_installments()
    pay(customer, invoice, "300.00", today())
    new_dates = [(today() + timedelta(days=20), D("100.00")), (today() + timedelta(days=50), D("500.00"))]

    new = plan_renegotiate(plan=plan, installments=new_dates, note="Customer lost a big contract")

    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.RENEGOTIATED and plan.ended_on == today()
    assert [i.status for i in installments(plan)] == ["kept", "cancelled", "cancelled"]
    assert new.replaces == plan and new.total_amount == D("600.00") and new.status == PaymentPlan.Status.ACTIVE
    assert list(new.invoices.all()) == [invoice]
    with pytest.raises(PlanError, match="only a live plan"):
        plan_renegotiate(plan=plan, installments=new_dates)


def test_cancelling_needs_a_reason_and_ends_the_plan():
    customer, invoice, plan = three_installments()
    with pytest.raises(PlanError, match="Say why"):
        plan_cancel(plan=plan, reason=" ")

    plan_cancel(plan=plan, reason="Paid through the parent company")

    plan.refresh_from_db()
    assert (plan.status, plan.end_reason) == (PaymentPlan.Status.CANCELLED, "Paid through the parent company")
    assert {i.status for i in installments(plan)} == {PlanInstallment.Status.CANCELLED}
    # The invoice is free for a new plan.
    plan_create(invoices=[invoice], installments=[(today() + timedelta(days=3), D("900.00"))])


def test_timeline_shows_the_plan_and_its_installments():
    customer, invoice, plan = three_installments()
    pay(customer, invoice, "300.00", today())
    plans_settle(on=installments(plan)[1].due_on + timedelta(days=1))
    plan_cancel(plan=plan, reason="Going to an agency")

    titles = [e.title for e in timeline_for(customer, kinds=["plan"])]

    assert "Payment plan agreed: 3 installment(s)" in titles
    assert "Payment plan cancelled" in titles
    assert any(t.startswith("Plan installment 1 paid") for t in titles)
    assert any(t.startswith("Plan installment 2 missed") for t in titles)


def test_factory_builds_a_live_plan():
    plan = PaymentPlanFactory()
    assert plan.is_live and plan.installments.count() == 3
    assert sum(i.amount for i in plan.installments.all()) == plan.total_amount


def test_demo_book_has_plans_on_track_and_broken(ledger_balances, settings):
    import io
    from datetime import date

    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", customers=150, seed=7, as_of=date(2026, 11, 23), stdout=io.StringIO())

    statuses = set(PaymentPlan.objects.values_list("status", flat=True))
    assert {PaymentPlan.Status.ACTIVE, PaymentPlan.Status.BROKEN} <= statuses
    assert PlanInstallment.objects.filter(status=PlanInstallment.Status.KEPT).exists()
    assert not PaymentPlan.objects.filter(by__isnull=True).exists()
    ledger_balances()


def test_a_reversal_after_the_plan_was_completed_reopens_it(ledger_balances):
    customer, invoice, plan = three_installments()
    last_due = installments(plan)[2].due_on
    pay(customer, invoice, "600.00", today())
    final = pay(customer, invoice, "300.00", today())
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED and plan.ended_on

    services.payment_reverse(payment=final, reason="cheque bounced")
    money_moved(invoice_ids=[invoice.pk])

    plan.refresh_from_db()
    assert (plan.status, plan.ended_on) == (PaymentPlan.Status.ACTIVE, None)  # the last installment is not due yet
    assert [i.status for i in installments(plan)] == ["kept", "kept", "open"]
    plans_settle(on=last_due + timedelta(days=1))
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.BROKEN
    ledger_balances()


def test_a_settlement_that_changes_nothing_writes_no_installment():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer, invoice, plan = three_installments()
    pay(customer, invoice, "300.00", today())
    with CaptureQueriesContext(connection) as queries:
        plans_settle()
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "planinstallment" in q["sql"]]
    pay(customer, invoice, "100.00", today(), ref="Q")  # the second installment moves: written
    assert installments(plan)[1].amount_paid == D("100.00")
