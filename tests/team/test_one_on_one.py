"""Weekly one-on-ones: the generated summary, saving notes per week with history, access, the Monday email."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from portfolios.models import Team
from team import one_on_one
from team.models import HelpRequest, OneOnOne, WeeklyDigest
from team.one_on_one import last_week, one_on_one_summary
from team.services import help_request_raise, one_on_one_save
from team.tasks import weekly_digests_send
from tests.factories import CustomerFactory, PortfolioFactory, finance, manager
from tests.portfolios.factories import at
from tests.reporting.factories import d, dispute, issue, pay
from work.models import Activity, Escalation, EscalationLevel, PromiseToPay

pytestmark = pytest.mark.django_db
WEEK = "2026-10-12"  # Monday; the week runs to Sunday 2026-10-18


def busy_week():
    """One collector's week with one of everything the summary reports, and noise around it."""
    portfolio = PortfolioFactory()
    person = portfolio.collector

    def account(name):
        return CustomerFactory(portfolio=portfolio, name=name)

    current_again = account("Brought Current Ltd")
    late = issue(current_again, "2026-09-01", "800.00", due="2026-10-01")
    pay(current_again, "2026-10-14", "800.00", (late, "800.00"))
    pay(account("Cash Only"), "2026-10-16", "200.00")
    pay(account("Too Early"), "2026-10-11", "999.00")  # the Sunday before: not this week
    aged = account("Aged Into 61")
    issue(aged, "2026-07-16", "1200.00", due="2026-08-15")  # 57 days past due on 10-11, 64 on 10-18
    issue(account("Long Overdue"), "2026-06-01", "300.00", due="2026-07-01")  # already 61+ before the week
    promiser = account("Promiser")
    PromiseToPay.objects.create(customer=promiser, amount=Decimal("400"), pay_by=d("2026-10-15"),
                                status=PromiseToPay.Status.KEPT, amount_paid=Decimal("400"))
    PromiseToPay.objects.create(customer=promiser, amount=Decimal("500"), pay_by=d("2026-10-13"),
                                status=PromiseToPay.Status.PARTIALLY_KEPT, amount_paid=Decimal("100"))
    PromiseToPay.objects.create(customer=promiser, amount=Decimal("50"), pay_by=d("2026-10-20"),
                                status=PromiseToPay.Status.BROKEN)  # next week
    disputer = account("Disputer")
    inv = issue(disputer, "2026-09-01", "700.00", due="2026-10-01")
    dispute(disputer, [inv], "damaged", opened_on="2026-10-06", resolved_on="2026-10-16")
    dispute(disputer, [issue(disputer, "2026-08-01", "650.00")], "tax", opened_on="2026-09-01")  # 47 days open
    dispute(disputer, [issue(disputer, "2026-10-01", "90.00")], "po", opened_on="2026-10-10")  # young
    level = EscalationLevel.objects.get_or_create(order=90, defaults={"name": "Controller"})[0]
    Escalation.objects.create(customer=disputer, level=level, reason="No answer", created_at=at("2026-10-01"))
    Escalation.objects.create(customer=disputer, level=level, reason="New", created_at=at("2026-10-15"))
    flag = help_request_raise(customer=aged, by=person, message="Customer asks for a payment plan")
    HelpRequest.objects.filter(pk=flag.pk).update(created_at=at("2026-10-13"))
    for day in ("2026-10-12", "2026-10-12", "2026-10-14"):
        Activity.objects.create(customer=aged, kind="call", by=person, occurred_at=at(day))
    other = PortfolioFactory()  # another collector's work never shows up
    pay(CustomerFactory(portfolio=other), "2026-10-14", "5000.00")
    return person


def test_summary_lists_the_weeks_successes_pain_points_and_help(ledger_balances):
    person = busy_week()

    s = one_on_one_summary(collector=person, week_start=d(WEEK))

    assert s["week_start"] == WEEK and s["week_end"] == "2026-10-18"
    assert Decimal(s["successes"]["collected"]) == Decimal("1000.00")
    assert [p["amount"] for p in s["successes"]["promises_kept"]] == ["400.00"]
    assert s["successes"]["promise_kept_rate_count"] == "50.0"
    assert s["successes"]["promise_kept_rate_amount"] == "55.6"  # (400 + 100) ÷ 900
    assert [(x["customer"], x["days"]) for x in s["successes"]["disputes_resolved"]] == [("Disputer", 10)]
    assert [x["customer"] for x in s["successes"]["brought_current"]] == ["Brought Current Ltd"]
    assert [(p["customer"], p["status"]) for p in s["pain_points"]["promises_broken"]] == [
        ("Promiser", "Partially kept")]
    assert [x["customer"] for x in s["pain_points"]["aged_into_61"]] == ["Aged Into 61"]
    assert [(x["customer"], x["days"]) for x in s["pain_points"]["escalations_stuck"]] == [("Disputer", 17)]
    assert [(x["root_cause"], x["days"]) for x in s["pain_points"]["disputes_aging"]] == [("Tax", 47)]
    assert [h["message"] for h in s["help_needed"]] == ["Customer asks for a payment plan"]
    assert s["kpis"]["touches"] == 3
    ledger_balances()


def test_summary_reads_only_the_collectors_invoices_both_dates_at_once(monkeypatch):
    """The book's other portfolios are never read: one read of the collector's open invoices for
    the week's eve and its end (on the large book 3.5 s -> 0.9 s)."""
    person = busy_week()
    other = PortfolioFactory()
    issue(CustomerFactory(portfolio=other), "2026-09-01", "777.00", due="2026-10-01")  # past due, not theirs
    reads = []
    real = one_on_one.open_invoices_at

    def spy(dates, scope, **kwargs):
        frames = real(dates, scope, **kwargs)
        reads.append((list(dates), scope, {day: set(frame["collector_id"]) for day, frame in frames.items()}))
        return frames

    monkeypatch.setattr(one_on_one, "open_invoices_at", spy)
    summary = one_on_one_summary(collector=person, week_start=d(WEEK))
    [(dates, scope, collectors)] = reads
    assert dates == [d("2026-10-11"), d("2026-10-18")]
    assert scope.collector == person.pk
    assert all(found <= {person.pk} for found in collectors.values())
    assert "777.00" not in str(summary)


def test_manager_saves_notes_per_week_and_sees_previous_weeks(client):
    person = busy_week()
    boss = manager()
    client.force_login(boss)
    url = reverse("one_on_one", args=[person.username])

    first = client.post(f"{url}?week=2026-10-05", {"notes": "Good start", "action_items": "Call Disputer"})
    second = client.post(f"{url}?week={WEEK}", {"notes": "Payment plan for Aged", "action_items": "Draft plan"})
    again = client.post(f"{url}?week={WEEK}", {"notes": "Payment plan agreed", "action_items": "Send plan"})

    assert first.status_code == second.status_code == again.status_code == 302
    records = list(OneOnOne.objects.filter(collector=person).order_by("week_start"))
    assert [(r.week_start.isoformat(), r.notes) for r in records] == [
        ("2026-10-05", "Good start"), (WEEK, "Payment plan agreed")]
    assert records[1].saved_by == boss
    assert Decimal(records[1].summary["successes"]["collected"]) == Decimal("1000.00")
    page = client.get(url, {"week": WEEK})
    assert page.status_code == 200
    assert [h.week_start.isoformat() for h in page.context["history"]] == [WEEK, "2026-10-05"]
    assert b"Payment plan agreed" in page.content and b"Brought Current Ltd" in page.content


def test_saving_over_htmx_redirects_to_the_notes_fragment(client):
    person = busy_week()
    client.force_login(manager())
    url = f"{reverse('one_on_one', args=[person.username])}?week={WEEK}"

    response = client.post(url, {"notes": "Fine", "action_items": ""}, HTTP_HX_REQUEST="true")

    assert response.status_code == 302 and response["Location"] == f"{url}&saved=1"  # a reload never posts again
    assert OneOnOne.objects.get().notes == "Fine"
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true")  # what htmx swaps in
    assert fragment.content.lstrip().startswith(b'<section class="card" id="notes">')
    assert b"Saved " in fragment.content and b"Fine" in fragment.content


def test_default_week_is_the_last_full_week():
    assert last_week(d("2026-11-23")) == d("2026-11-16")  # a Monday
    assert last_week(d("2026-11-22")) == d("2026-11-09")  # a Sunday: the week before it


def test_collector_opens_their_own_one_on_one_but_not_anothers(client):
    person = busy_week()
    colleague = PortfolioFactory().collector
    client.force_login(person)

    assert client.get(reverse("one_on_one", args=[person.username]), {"week": WEEK}).status_code == 200
    assert client.get(reverse("one_on_one", args=[colleague.username])).status_code == 403
    assert client.post(reverse("one_on_one", args=[person.username]), {"notes": "x"}).status_code == 403
    assert client.get(reverse("one_on_one", args=["nobody"])).status_code == 404


def test_finance_reads_but_cannot_save_notes(client):
    person = busy_week()
    client.force_login(finance())
    url = reverse("one_on_one", args=[person.username])

    assert client.get(url, {"week": WEEK}).status_code == 200
    assert client.post(f"{url}?week={WEEK}", {"notes": "x", "action_items": ""}).status_code == 403
    assert not OneOnOne.objects.exists()


def test_one_on_one_page_queries_are_bounded(client, django_assert_max_num_queries):
    person = busy_week()
    for n in range(6):
        one_on_one_save(collector=person, week_start=d(WEEK) - timedelta(days=7 * (n + 1)), notes=f"w{n}",
                        action_items="", by=None, summary={})
    client.force_login(manager())

    with django_assert_max_num_queries(25):
        response = client.get(reverse("one_on_one", args=[person.username]), {"week": WEEK})

    assert len(response.context["history"]) == 6


def test_summary_downloads_as_csv_and_xlsx(client):
    person = busy_week()
    client.force_login(manager())
    url = reverse("one_on_one", args=[person.username])
    for fmt in ("csv", "xlsx"):
        response = client.get(url, {"week": WEEK, "export": "summary", "format": fmt})
        assert response.status_code == 200
    assert b"Aged Into 61" in client.get(url, {"week": WEEK, "export": "summary", "format": "csv"}).content


def test_monday_email_goes_to_each_manager_once_per_week():
    person = busy_week()
    boss = manager(email="boss@example.com")
    manager(email="")  # no address: nothing to send
    team = Team.objects.create(name="North", manager=boss)
    person.collector_profile.team = team
    person.collector_profile.save()
    PortfolioFactory()  # a collector outside the boss's team

    weekly_digests_send(WEEK)
    weekly_digests_send(WEEK)  # a second beat run, a retry: nothing more

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com"]
    assert "Oct. 12, 2026" in message.subject  # the locale's date format, as on the pages
    assert "Customer asks for a payment plan" in message.body
    assert person.username in message.body
    assert WeeklyDigest.objects.get().sent_at is not None
    weekly_digests_send("2026-10-19")
    assert len(mail.outbox) == 2


def test_a_failed_send_gives_the_claim_back(monkeypatch):
    busy_week()
    manager(email="boss@example.com")

    def fail(self, *args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", fail)
    with pytest.raises(ConnectionError):
        weekly_digests_send(WEEK)
    assert not WeeklyDigest.objects.exists()
    monkeypatch.undo()
    weekly_digests_send(WEEK)
    assert len(mail.outbox) == 1


def test_beat_schedule_exists_for_monday_mornings():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="team.tasks.weekly_digests_send")
    assert (task.crontab.day_of_week, task.crontab.hour, task.crontab.minute) == ("1", "7", "0")
