"""Late-payment fees and interest: the arithmetic on worked examples, the proposals of the dunning
pass, approval and waiver, and where a charge shows once it is on the ledger."""

import io
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from ledger.models import Invoice
from ledger.services import charge_issue, invoice_void, invoice_write_off, payment_receive
from portal.links import portal_token_for
from reminders.charge_decisions import charge_approve, charge_waive, charges_approve
from reminders.charges import charges_propose, interest_for, round_money
from reminders.models import ChargeProposal, DunningStep, InvoiceStepSent
from reminders.statements import statement_data, statement_pdf
from tests.factories import PortfolioFactory, collector, finance, manager
from tests.reminders.factories import account, invoice, policy
from work.models import QueueTask
from work.services import dispute_open

pytestmark = pytest.mark.django_db
D = Decimal


# The arithmetic -------------------------------------------------------------------------------


def test_interest_across_new_year_divides_each_day_by_its_own_years_length():
    """10,000.00 at 8 % a year, due 2023-12-15, through 2024-03-01.

    2023-12-16..2023-12-31: 16 days in a 365-day year: 10,000 × 0.08 × 16 / 365 = 35.068493…
    2024-01-01..2024-03-01: 31 + 29 + 1 = 61 days in a 366-day year: 10,000 × 0.08 × 61 / 366 = 133.333333…
    Total 168.401826… → 168.40."""
    interest = interest_for(amount=D("10000.00"), due_date=date(2023, 12, 15), rate=D("8"), through=date(2024, 3, 1))
    assert [(p.start, p.end, p.days, p.year_days) for p in interest.periods] == [
        (date(2023, 12, 16), date(2023, 12, 31), 16, 365), (date(2024, 1, 1), date(2024, 3, 1), 61, 366)]
    assert interest.exact == Fraction(12800, 365) + Fraction(48800, 366)
    assert interest.amount == D("168.40")
    assert interest.days == 77


def test_partial_payment_lowers_the_overdue_amount_from_the_next_day():
    """10,000.00 at 8 %, due 2024-01-31; 4,000.00 paid on 2024-02-29; statement date 2024-03-31 (leap year).

    2024-02-01..2024-02-29: 29 days on 10,000 (the payment day still owes the full amount):
        10,000 × 0.08 × 29 / 366 = 63.387978…
    2024-03-01..2024-03-31: 31 days on 6,000: 6,000 × 0.08 × 31 / 366 = 40.655737…
    Total 104.043715… → 104.04."""
    interest = interest_for(amount=D("10000.00"), due_date=date(2024, 1, 31), rate=D("8"), through=date(2024, 3, 31),
                            movements=[(date(2024, 2, 29), D("4000.00"))])
    assert [(p.days, p.overdue) for p in interest.periods] == [(29, D("10000.00")), (31, D("6000.00"))]
    assert interest.amount == D("104.04")


def test_grace_days_are_never_charged():
    """5,000.00 at 12 %, due 2025-01-31 with 10 grace days, through 2025-03-02: interest counts from
    2025-02-11: 18 days of February + 2 of March = 20 days; 5,000 × 0.12 × 20 / 365 = 32.876712… → 32.88."""
    interest = interest_for(amount=D("5000.00"), due_date=date(2025, 1, 31), rate=D("12"), through=date(2025, 3, 2),
                            grace_days=10)
    assert interest.start == date(2025, 2, 11)
    assert interest.days == 20
    assert interest.amount == D("32.88")


def test_days_under_the_minimum_balance_earn_no_interest():
    """10,000.00 at 8 % due 2025-01-31, 9,500.00 paid 2025-02-10, minimum balance 1,000.00, through
    2025-03-02: only 2025-02-01..02-10 counts (10 days on 10,000): 10,000 × 0.08 × 10 / 365 = 21.917808… →
    21.92; the 500.00 left after is under the minimum."""
    interest = interest_for(amount=D("10000.00"), due_date=date(2025, 1, 31), rate=D("8"), through=date(2025, 3, 2),
                            movements=[(date(2025, 2, 10), D("9500.00"))], min_balance=D("1000.00"))
    assert interest.days == 10
    assert interest.amount == D("21.92")


def test_rounding_is_half_up_and_done_once_on_the_total():
    """3,157.25 at 10 % for one day of 2025: 3,157.25 × 0.10 / 365 = 0.865 exactly → 0.87 (half up; banker's
    rounding would say 0.86). Two periods of 0.004 each (182.50 → 146.00 at 1 %, 365-day year … ) sum to
    0.008 → 0.01, where rounding each period would have given 0.00."""
    one_day = interest_for(amount=D("3157.25"), due_date=date(2025, 6, 1), rate=D("10"), through=date(2025, 6, 2))
    assert one_day.exact == Fraction(865, 1000)
    assert one_day.amount == D("0.87")
    assert round_money(Fraction(5, 1000)) == D("0.01")
    # 146.00 × 1 % × 1 / 365 = 0.004 per day; a payment splits the two days into two periods of 0.004.
    split = interest_for(amount=D("146.00"), due_date=date(2025, 6, 1), rate=D("1"), through=date(2025, 6, 3),
                         movements=[(date(2025, 6, 2), D("0.00"))])
    two = interest_for(amount=D("146.00"), due_date=date(2025, 6, 1), rate=D("1"), through=date(2025, 6, 3),
                       movements=[(date(2025, 6, 2), D("0.01"))])
    assert split.exact == Fraction(8, 1000) and split.amount == D("0.01")
    assert len(two.periods) == 2 and all(round_money(p.exact) == 0 for p in two.periods)
    assert two.amount == D("0.01")


def test_help_text_example_eight_percent_on_a_thousand_for_thirty_days():
    """1,000.00 × 8 / 100 × 30 / 365 = 6.575342… → 6.58 (the policy editor's example)."""
    assert interest_for(amount=D("1000.00"), due_date=date(2025, 4, 1), rate=D("8"),
                        through=date(2025, 5, 1)).amount == D("6.58")


def test_a_reversed_payment_is_owed_again_from_the_day_after_the_reversal():
    """1,000.00 at 10 %, due 2025-01-01; 1,000.00 paid 01-11 and reversed 01-21; through 01-31 (365 days):
    01-02..01-11 10 days on 1,000 and 01-22..01-31 10 days on 1,000: 20 × 1,000 × 0.10 / 365 = 5.479452… → 5.48."""
    interest = interest_for(amount=D("1000.00"), due_date=date(2025, 1, 1), rate=D("10"), through=date(2025, 1, 31),
                            movements=[(date(2025, 1, 11), D("1000.00")), (date(2025, 1, 21), D("-1000.00"))])
    assert interest.days == 20
    assert interest.amount == D("5.48")


# The proposals --------------------------------------------------------------------------------

AS_OF = date(2025, 3, 11)


@pytest.fixture
def charging_policy():
    """Steps +3 email, +10 email with a 25.00 fee and 8 % interest, +35 task."""
    p = policy(is_default=True, segment="mid-market", steps=((3, "email"), (10, "email"), (35, "task")))
    DunningStep.objects.filter(policy=p, offset_days=10).update(fee_amount=D("25.00"), interest_annual_rate=D("8"))
    return p


@pytest.fixture
def overdue(charging_policy):
    """10,000.00 due 2025-03-01: the +10 step falls on 2025-03-11."""
    customer = account()
    return invoice(customer, due=date(2025, 3, 1), amount="10000.00", external_id="INV-9001")


def test_dunning_run_proposes_the_fee_and_interest_of_the_step_reached_once(run_dunning, overdue):
    """At +10 the fee (25.00) and interest for 2025-03-02..03-11 (10 days: 10,000 × 0.08 × 10 / 365 =
    21.917808… → 21.92) are proposed, with one task for the collector; running again proposes nothing."""
    run = run_dunning(AS_OF)
    proposals = {p.kind: p for p in ChargeProposal.objects.filter(invoice=overdue)}
    assert proposals["fee"].amount == D("25.00") and proposals["fee"].run == run
    interest = proposals["interest"]
    assert (interest.amount, interest.period_start, interest.period_end) == (D("21.92"), date(2025, 3, 2), AS_OF)
    assert interest.basis["days"] == 10 and interest.basis["periods"][0]["year_days"] == 365
    task = QueueTask.objects.get(customer=overdue.customer, kind=QueueTask.Kind.CHARGE_APPROVAL)
    assert "2 charge(s)" in task.title and "46.92 USD" in task.title

    run_dunning(AS_OF)
    run_dunning(AS_OF + timedelta(days=1))
    assert ChargeProposal.objects.filter(invoice=overdue).count() == 2
    assert QueueTask.objects.filter(kind=QueueTask.Kind.CHARGE_APPROVAL).count() == 1
    # Run by hand a day later: no second fee, and interest for the one new day only (2.191780… → 2.19).
    result = charges_propose(as_of=AS_OF + timedelta(days=1))
    assert (result.fees, result.interest) == (0, 1)
    assert ChargeProposal.objects.get(invoice=overdue, period_start=AS_OF + timedelta(days=1)).amount == D("2.19")


def test_statement_run_proposes_interest_after_the_last_period_and_then_the_final_one(run_dunning, overdue):
    """After the +10 proposal (through 03-11, waived), 4,000.00 is paid on 03-20. Statement date 03-31:
    03-12..03-20 9 days on 10,000 = 19.726027…, 03-21..03-31 11 days on 6,000 = 14.465753… → 34.19.
    The rest is paid on 04-10: the final period 04-01..04-10, 10 days on 6,000 = 13.150684… → 13.15."""
    run_dunning(AS_OF)
    boss = manager()
    first = ChargeProposal.objects.get(invoice=overdue, kind="interest")
    charge_waive(proposal=first, reason="Goodwill, first late payment", by=boss)
    payment_receive(customer=overdue.customer, external_id="PAY-1", received_date=date(2025, 3, 20),
                    amount="4000.00", currency="USD", applications=[(overdue, D("4000.00"))])

    result = charges_propose(as_of=date(2025, 3, 31))
    assert result.interest == 1
    second = ChargeProposal.objects.filter(invoice=overdue, kind="interest").exclude(pk=first.pk).get()
    assert (second.period_start, second.period_end, second.amount) == (date(2025, 3, 12), date(2025, 3, 31),
                                                                       D("34.19"))
    assert charges_propose(as_of=date(2025, 3, 31)).created == 0

    payment_receive(customer=overdue.customer, external_id="PAY-2", received_date=date(2025, 4, 10),
                    amount="6000.00", currency="USD", applications=[(overdue, D("6000.00"))])
    charges_propose(as_of=date(2025, 4, 15))
    final = ChargeProposal.objects.filter(invoice=overdue, kind="interest").order_by("period_start").last()
    assert (final.period_start, final.period_end, final.amount) == (date(2025, 4, 1), date(2025, 4, 10), D("13.15"))
    assert charges_propose(as_of=date(2025, 5, 31)).created == 0


def test_fee_needs_the_minimum_balance_and_no_fee_once_paid(run_dunning, charging_policy):
    DunningStep.objects.filter(policy=charging_policy, offset_days=10).update(charge_min_balance=D("500.00"))
    customer = account()
    small = invoice(customer, due=date(2025, 3, 1), amount="400.00")
    big = invoice(customer, due=date(2025, 3, 1), amount="800.00")
    run_dunning(AS_OF)
    assert not ChargeProposal.objects.filter(invoice=small).exists()
    assert ChargeProposal.objects.filter(invoice=big, kind="fee").exists()


def test_charges_are_never_charged_a_fee_or_interest(run_dunning, overdue, ledger_balances):
    run_dunning(AS_OF)
    boss = manager()
    for proposal in ChargeProposal.objects.filter(invoice=overdue):
        charge_approve(proposal=proposal, by=boss, on=AS_OF)
    step = DunningStep.objects.get(policy__is_default=True, offset_days=10)
    for charge in Invoice.objects.filter(charge_for=overdue):
        InvoiceStepSent.objects.create(invoice=charge, step=step, offset_days=10, outcome="sent", on=AS_OF)
    assert charges_propose(as_of=AS_OF + timedelta(days=60)).fees == 0
    assert not ChargeProposal.objects.filter(invoice__charge_for__isnull=False).exists()
    with pytest.raises(ValidationError):
        charge_issue(source=Invoice.objects.filter(charge_for=overdue).first(), kind="interest", amount="1.00",
                     on=AS_OF)
    ledger_balances()


def test_a_disputed_invoice_gets_no_interest_proposed_by_hand(run_dunning, overdue):
    run_dunning(AS_OF)
    dispute_open(customer=overdue.customer, invoices=[overdue], amount=overdue.amount, root_cause="pricing",
                 by=manager())
    assert charges_propose(as_of=date(2025, 3, 31)).interest == 0


# Approval and waiver --------------------------------------------------------------------------


def _proposal(customer, *, kind="fee", amount="25.00", due=date(2025, 3, 1), **kwargs) -> ChargeProposal:
    source = invoice(customer, due=due, **kwargs)
    return ChargeProposal.objects.create(customer=customer, invoice=source, kind=kind, amount=D(amount),
                                         currency=source.currency, key=f"{kind}:{source.pk}:test",
                                         basis={"step": "Final reminder", "days": 10, "rate": "8", "periods": []})


def test_approving_a_fee_issues_a_charge_and_leaves_the_invoice_alone(ledger_balances):
    customer = account(payment_terms_days=14)
    proposal = _proposal(customer, external_id="INV-77")
    source_before = Invoice.objects.filter(pk=proposal.invoice_id).values().get()
    QueueTask.objects.create(customer=customer, kind=QueueTask.Kind.CHARGE_APPROVAL, title="approve")

    approved = charge_approve(proposal=proposal, by=manager(), on=date(2025, 4, 1))
    charge = approved.charge
    assert (charge.external_id, charge.document_type, charge.charge_for_id) == ("INV-77-FEE-1", "late_fee",
                                                                               proposal.invoice_id)
    assert (charge.amount, charge.open_amount, charge.issue_date, charge.due_date) == (
        D("25.00"), D("25.00"), date(2025, 4, 1), date(2025, 4, 15))
    assert Invoice.objects.filter(pk=proposal.invoice_id).values().get() == source_before
    assert QueueTask.objects.get(customer=customer).status == QueueTask.Status.DONE
    ledger_balances()


def test_approving_twice_charges_once(client):
    customer = account()
    proposal = _proposal(customer)
    boss = manager()
    charge_approve(proposal=proposal, by=boss)
    charge_approve(proposal=proposal, by=boss)
    client.force_login(boss)
    assert client.post(reverse("charge_approve", args=[proposal.pk])).status_code == 302
    assert Invoice.objects.filter(charge_for=proposal.invoice).count() == 1
    with pytest.raises(ValidationError):
        charge_waive(proposal=proposal, reason="too late", by=boss)


def test_interest_charge_id_names_the_last_day_it_covers():
    customer = account()
    proposal = _proposal(customer, kind="interest", external_id="INV-88")
    ChargeProposal.objects.filter(pk=proposal.pk).update(period_start=date(2025, 3, 2), period_end=date(2025, 3, 31))
    proposal.refresh_from_db()
    assert charge_approve(proposal=proposal, by=manager()).charge.external_id == "INV-88-INT-20250331"


def test_a_waiver_needs_a_reason(client):
    customer = account()
    proposal = _proposal(customer)
    with pytest.raises(ValidationError):
        charge_waive(proposal=proposal, reason="  ", by=manager())
    client.force_login(customer.portfolio.collector)
    response = client.post(reverse("charge_waive", args=[proposal.pk]), {"reason": ""}, HTTP_HX_REQUEST="true")
    assert "Say why the charge is waived." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "proposed"
    client.post(reverse("charge_waive", args=[proposal.pk]), {"reason": "Customer's first delay"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.waive_reason, proposal.decided_by) == (
        "waived", "Customer's first delay", customer.portfolio.collector)
    assert not Invoice.objects.filter(charge_for=proposal.invoice).exists()


def test_a_collector_cannot_see_or_decide_another_portfolios_charges(client):
    mine = account(portfolio=PortfolioFactory(collector=collector("mine")))
    theirs = account(portfolio=PortfolioFactory(collector=collector("theirs")))
    _proposal(mine, external_id="INV-MINE")
    other = _proposal(theirs, external_id="INV-THEIRS")
    client.force_login(mine.portfolio.collector)
    page = client.get(reverse("charges")).content.decode()
    assert "INV-MINE" in page and "INV-THEIRS" not in page
    assert client.post(reverse("charge_approve", args=[other.pk])).status_code == 404
    assert client.post(reverse("charge_waive", args=[other.pk]), {"reason": "x"}).status_code == 404
    client.post(reverse("charges_approve_selected"), {"proposal": [other.pk]})
    other.refresh_from_db()
    assert other.status == "proposed"


def test_finance_cannot_approve_charges(client):
    proposal = _proposal(account())
    client.force_login(finance())
    assert client.post(reverse("charge_approve", args=[proposal.pk])).status_code == 403


def test_approve_selected_with_htmx_issues_each_and_refreshes_the_list(client, ledger_balances):
    customer = account()
    chosen = [_proposal(customer, amount=a) for a in ("10.00", "20.00")]
    left = _proposal(customer, amount="30.00", external_id="INV-LEFT")
    client.force_login(manager())
    response = client.post(reverse("charges_approve_selected"), {"proposal": [p.pk for p in chosen]},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="proposals">') and "INV-LEFT" in body
    assert Invoice.objects.filter(document_type="late_fee").count() == 2
    left.refresh_from_db()
    assert left.status == "proposed"
    ledger_balances()


def test_bulk_approval_is_all_or_nothing():
    customer = account()
    good, bad = _proposal(customer), _proposal(customer)
    invoice_void(invoice=bad.invoice, reason="raised in error")
    with pytest.raises(ValidationError):
        charges_approve(proposals=[good, bad], by=manager())
    good.refresh_from_db()
    assert good.status == "proposed" and not Invoice.objects.filter(document_type="late_fee").exists()


def test_approvals_page_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    boss = manager()
    portfolios = [PortfolioFactory() for _ in range(3)]
    for n in range(60):
        _proposal(account(portfolio=portfolios[n % 3], email=False), kind="interest" if n % 2 else "fee")
    client.force_login(boss)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("charges"))
    assert response.content.decode().count('name="proposal"') == 60
    with django_assert_max_num_queries(10):
        client.get(reverse("charges"), {"kind": "fee", "collector": portfolios[0].collector_id})


def test_waiver_report_per_collector_and_month_with_csv(client):
    customer = account(portfolio=PortfolioFactory(collector=collector("ann")))
    boss = manager("boss")
    for amount in ("10.00", "15.50"):
        charge_waive(proposal=_proposal(customer, amount=amount), reason="Goodwill", by=boss)
    _proposal(customer, amount="99.00")  # still to decide: not a waiver
    client.force_login(boss)
    today = timezone.localdate()
    response = client.get(reverse("charge_waivers"), {"start": today - timedelta(days=1), "end": today})
    assert response.context["summary"] == [{"month": today.strftime("%Y-%m"), "collector": "ann", "currency": "USD",
                                            "waivers": 2, "amount": D("25.50")}]
    csv = client.get(reverse("charge_waivers"), {"start": today, "end": today, "export": "csv"}).content.decode()
    assert csv.count("Goodwill") == 2 and "boss" in csv and "99.00" not in csv


def test_policy_editor_saves_fee_interest_minimum_and_grace(client):
    p = policy(steps=((10, "task"),))
    step = p.steps.get()
    client.force_login(manager())
    form = client.get(reverse("dunning_step", args=[p.pk, step.pk])).content.decode()
    assert "= 6.58" in form
    client.post(reverse("dunning_step", args=[p.pk, step.pk]), {
        "offset_days": 10, "name": "Final", "action": "task", "template": "", "fee_amount": "40.00",
        "interest_annual_rate": "9.5", "charge_min_balance": "100.00", "charge_grace_days": 5})
    step.refresh_from_db()
    assert (step.fee_amount, step.interest_annual_rate, step.charge_min_balance, step.charge_grace_days) == (
        D("40.00"), D("9.5"), D("100.00"), 5)


# Where a charge shows -------------------------------------------------------------------------


@pytest.fixture
def charged():
    """An account with a fee approved on INV-500 (due 40 days ago) and an interest proposal pending."""
    customer = account()
    fee = _proposal(customer, due=timezone.localdate() - timedelta(days=40), external_id="INV-500")
    charge_approve(proposal=fee, by=manager())
    _proposal(customer, kind="interest", amount="12.34", external_id="INV-501")
    return customer


def test_statement_lists_the_fee_as_a_fee_on_its_invoice(charged):
    content = statement_pdf(statement_data(charged, timezone.localdate()), "https://x.test/")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "INV-500-FEE-1" in text and "Late fee on INV-500" in text


def test_workspace_shows_charges_with_a_constant_number_of_queries(client, charged):
    client.force_login(manager())
    url = reverse("account", args=[charged.pk])
    with CaptureQueriesContext(connection) as few:
        body = client.get(url).content.decode()
    assert 'id="charges"' in body and "INV-500-FEE-1" in body and "12.34" in body and ">late fee</span>" in body
    for n in range(6):
        charge_approve(proposal=_proposal(charged, amount=f"{n + 1}.00"), by=manager())
        _proposal(charged, kind="interest")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_aging_drilldown_portal_and_api_label_the_charge(client, charged):
    fee = Invoice.objects.get(external_id="INV-500-FEE-1")
    boss = manager()
    client.force_login(boss)
    aging = client.get(reverse("reports_aging_invoices")).content.decode()
    assert 'INV-500-FEE-1 <span class="badge">late fee</span>' in aging
    portal = client.get(reverse("portal_home", args=[portal_token_for(charged)])).content.decode()
    assert 'INV-500-FEE-1 <span class="badge">late fee</span>' in portal
    api = APIClient()
    api.force_authenticate(boss)
    data = api.get(f"/api/invoices/{fee.pk}/").json()
    assert (data["document_type"], data["charge_for"]) == ("late_fee", fee.charge_for_id)


def test_a_charge_is_aged_by_its_own_due_date():
    """A fee approved today on an invoice 40 days past due is current: due on the customer's terms."""
    from reporting.metrics import aging

    customer = account()
    fee = _proposal(customer, due=timezone.localdate() - timedelta(days=40))
    charge_approve(proposal=fee, by=manager())
    report = aging(as_of=timezone.localdate(), group_by="book")
    assert report.buckets["current"] == D("25.00") and report.buckets["31-60"] == D("1000.00")


def test_a_write_off_lowers_the_overdue_amount_like_a_payment(run_dunning, overdue, ledger_balances):
    """After the +10 proposal (through 03-11), 5,000.00 is written off on 03-20. Statement date 03-31:
    03-12..03-20 9 days on 10,000 = 19.726027…, 03-21..03-31 11 days on 5,000 = 12.054794… → 31.78."""
    run_dunning(AS_OF)
    invoice_write_off(invoice=overdue, amount="5000.00", reason="settlement", on=date(2025, 3, 20))
    charges_propose(as_of=date(2025, 3, 31))
    latest = ChargeProposal.objects.filter(invoice=overdue, kind="interest").order_by("period_start").last()
    assert (latest.period_start, latest.amount) == (date(2025, 3, 12), D("31.78"))
    ledger_balances()


def test_demo_book_has_charging_steps_and_a_few_decided_proposals(ledger_balances, settings):
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("seed_demo", customers=150, seed=7, as_of=date(2026, 11, 23), stdout=out)
    assert "Late-payment charges:" in out.getvalue()
    assert DunningStep.objects.filter(fee_amount__gt=0).exists()
    assert DunningStep.objects.filter(interest_annual_rate__gt=0).exists()
    statuses = set(ChargeProposal.objects.values_list("status", flat=True))
    assert statuses == {"proposed", "approved", "waived"}
    approved = ChargeProposal.objects.get(status="approved")
    assert approved.charge.charge_for_id == approved.invoice_id
    assert QueueTask.objects.filter(kind=QueueTask.Kind.CHARGE_APPROVAL).exists()
    ledger_balances()
