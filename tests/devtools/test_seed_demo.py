import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from devtools.demo.people import COLLECTORS
from ledger.models import Application, Contact, CreditNote, Customer, FxRate, Invoice, Payment, WriteOff
from ledger.selectors import visible_customers
from portfolios.access import roles_of
from portfolios.models import Assignment, Portfolio, Role, Team
from work.models import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay

AS_OF = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(customers=150, seed=7, **options):
    call_command("seed_demo", customers=customers, seed=seed, as_of=AS_OF, stdout=io.StringIO(), **options)


def exact_ledger_differences() -> int:
    """The ledger rule recomputed in Python Decimals (exact on every database)."""
    by_invoice, by_payment, by_credit = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    for invoice_id, payment_id, credit_id, amount in Application.objects.values_list(
        "invoice_id", "payment_id", "credit_note_id", "amount"
    ):
        by_invoice[invoice_id] += amount
        if payment_id:
            by_payment[payment_id] += amount
        else:
            by_credit[credit_id] += amount
    for invoice_id, amount in WriteOff.objects.values_list("invoice_id", "amount"):
        by_invoice[invoice_id] += amount
    wrong = 0
    for pk, amount, open_amount, status in Invoice.objects.values_list("pk", "amount", "open_amount", "status"):
        expected = Decimal(0) if status == Invoice.Status.VOID else amount - by_invoice[pk]
        wrong += expected != open_amount or (status == Invoice.Status.PAID) != (open_amount == 0 and status != "void")
    for pk, amount, unapplied in Payment.objects.values_list("pk", "amount", "unapplied_amount"):
        wrong += amount - by_payment[pk] != unapplied
    for pk, amount, unapplied in CreditNote.objects.values_list("pk", "amount", "unapplied_amount"):
        wrong += amount - by_credit[pk] != unapplied
    return wrong


def fingerprint():
    return (
        list(Customer.objects.order_by("external_id").values_list("external_id", "name", "segment", "currency")),
        list(Invoice.objects.order_by("external_id").values_list("external_id", "amount", "open_amount", "closed_on")),
        list(Payment.objects.order_by("external_id").values_list("external_id", "amount", "unapplied_amount")),
        sorted(PromiseToPay.objects.values_list("amount", "pay_by", "status")),
        Activity.objects.count(),
        sorted(Dispute.objects.values_list("amount", "root_cause", "status")),
    )


def test_seeded_book_balances_to_the_cent(ledger_balances):
    seed()
    assert Invoice.objects.count() > 1000
    assert exact_ledger_differences() == 0
    ledger_balances()


def test_same_seed_gives_the_same_book_and_another_seed_another():
    with transaction.atomic():
        seed(customers=40)
        first = fingerprint()
        transaction.set_rollback(True)
    with transaction.atomic():
        seed(customers=40)
        assert fingerprint() == first
        transaction.set_rollback(True)
    seed(customers=40, seed=8)
    assert fingerprint() != first


def test_demo_team_roles_and_portfolios():
    seed(customers=120)
    for username, role in [("manager", Role.MANAGER), ("finance", Role.FINANCE), ("alice", Role.COLLECTOR)]:
        user = User.objects.get(username=username)
        assert user.check_password("workbench")
        assert role in roles_of(user)
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="manager").is_staff
    team = Team.objects.get(name="Collections")
    assert team.manager.username == "manager"
    portfolios = Portfolio.objects.select_related("collector__collector_profile")
    assert sorted(p.collector.username for p in portfolios) == sorted(c.username for c in COLLECTORS)
    profiles = [p.collector.collector_profile for p in portfolios]
    assert all(profile.team == team and profile.signature for profile in profiles)
    assert all(p.customers.exists() for p in portfolios)
    current = dict(Assignment.objects.filter(ends_on__isnull=True).values_list("customer_id", "portfolio_id"))
    assert current == dict(Customer.objects.values_list("pk", "portfolio_id"))
    assert Assignment.objects.filter(ends_on__isnull=False).exists(), "some accounts changed hands during the year"
    alice = User.objects.get(username="alice")
    assert set(visible_customers(alice)) == set(Customer.objects.filter(portfolio__collector=alice))


def test_book_looks_like_a_real_ledger():
    seed()
    assert Customer.objects.filter(parent__isnull=False).exists()
    assert set(Customer.objects.values_list("segment", flat=True)) == {
        "enterprise", "mid-market", "small business", "public sector"
    }
    assert set(Customer.objects.values_list("payment_terms_days", flat=True)) <= {15, 30, 45, 60}
    foreign = set(Customer.objects.exclude(currency="USD").values_list("currency", flat=True))
    assert foreign and foreign <= {"EUR", "GBP", "CAD"}
    for currency in foreign:
        assert FxRate.objects.filter(currency=currency, rate_date=AS_OF).exists()
        assert FxRate.objects.filter(currency=currency, rate_date=AS_OF - relativedelta(months=24)).exists()
    # Two years of invoices: the forecast backtest's first month (a year back) has a year before it.
    first_issue = Invoice.objects.order_by("issue_date").values_list("issue_date", flat=True).first()
    assert AS_OF - relativedelta(months=24) <= first_issue < AS_OF - relativedelta(months=23)
    assert set(Contact.objects.values_list("role", flat=True)) >= {"ap_clerk", "approver", "controller", "sales_rep"}
    assert Invoice.objects.filter(status="open", due_date__lt=AS_OF - timedelta(days=90)).exists()
    assert Invoice.objects.filter(status="open", due_date__gte=AS_OF).exists()
    assert Invoice.objects.filter(status="paid", closed_on__lt=F("due_date")).exists(), "early payers"
    assert Invoice.objects.filter(issue_date__gt=AS_OF).count() == 0
    assert CreditNote.objects.filter(unapplied_amount=0).exists() and CreditNote.objects.filter(
        unapplied_amount__gt=0).exists()
    assert Payment.objects.filter(unapplied_amount__gt=0).exists()
    assert WriteOff.objects.exists()
    assert Customer.objects.filter(status=Customer.Status.ON_HOLD).exists()
    assert Invoice.objects.filter(status="open", approval_requested_on__lt=AS_OF - timedelta(days=3)).exists()
    assert Invoice.objects.filter(status="open", opened_at__isnull=True, sent_at__isnull=False).exists()
    assert Contact.objects.filter(email_bounced_at__isnull=False).exists()


def test_collection_history_follows_the_ledger():
    seed()
    statuses = set(PromiseToPay.objects.values_list("status", flat=True))
    assert statuses >= {"kept", "partial", "broken", "open"}
    assert PromiseToPay.objects.filter(status="open", pay_by__gte=AS_OF).exists()
    assert PromiseToPay.objects.filter(status="broken", pay_by=AS_OF - timedelta(days=1)).exists()
    assert set(Activity.objects.values_list("kind", flat=True)) >= {"call", "email"}
    assert Activity.objects.filter(outcome="promised").exists()
    assert not Activity.objects.filter(occurred_at__date__gt=AS_OF).exists()
    assert Activity.objects.filter(by__isnull=True).count() == 0
    assert Dispute.objects.filter(status="resolved").exclude(resolution="").exists()
    assert Dispute.objects.exclude(status="resolved").exists()
    assert Dispute.objects.values("root_cause").distinct().count() >= 3
    assert EscalationLevel.objects.filter(order=1).exists()
    assert Escalation.objects.exists()
    # Every kept promise really was paid: cash applied to its invoices between its date and pay_by.
    for promise in PromiseToPay.objects.filter(status="kept").prefetch_related("invoices")[:50]:
        paid = sum(
            Application.objects.filter(
                invoice__in=promise.invoices.all(), applied_on__gte=promise.created_at.date(),
                applied_on__lte=promise.pay_by,
            ).values_list("amount", flat=True),
            Decimal(0),
        )
        assert paid >= promise.amount


def test_if_empty_leaves_a_loaded_book_alone():
    seed(customers=20)
    before = Invoice.objects.count()
    seed(customers=20, seed=99, if_empty=True)
    assert Invoice.objects.count() == before
    with pytest.raises(CommandError, match="already has customers"):
        seed(customers=20)


def test_demo_logins_lists_every_demo_user(capsys):
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "workbench" in out
    for username in ["alice", "bob", "chen", "dana", "elena", "farid", "manager", "finance", "admin"]:
        assert f" {username} " in out


def test_history_length_is_an_option():
    for months in (0, 11):
        with pytest.raises(CommandError, match="history-months must be at least 12"):
            call_command("seed_demo", customers=20, history_months=months, as_of=AS_OF, stdout=io.StringIO())
    seed(customers=20, history_months=12)
    first_issue = Invoice.objects.order_by("issue_date").values_list("issue_date", flat=True).first()
    assert AS_OF - relativedelta(months=12) <= first_issue < AS_OF - relativedelta(months=11)
    assert not FxRate.objects.filter(rate_date__lt=AS_OF - relativedelta(months=12) - timedelta(days=7)).exists()
