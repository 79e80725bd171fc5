"""One bad template or one bad account never stops a run: the dunning pass fails that customer's
message (recorded, visible, a task for the collector) and goes on; a statement batch records the
account that failed, completes, and retries it when started again."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reminders import statements
from reminders.models import DunningStep, MessageTemplate, OutboundMessage, Statement, StatementFailure, StatementRun
from reminders.statements import statement_run
from tests.factories import manager
from tests.reminders.factories import account, invoice, policy
from work.models import QueueTask

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def one_broken_template():
    """Mid-market accounts use a good template; enterprise accounts one saved before the sandbox,
    which includes a file that does not exist."""
    policy(name="Good", segment="mid-market")
    broken_policy = policy(name="Broken", segment="enterprise")
    broken = MessageTemplate.objects.create(name="Broken", subject="Reminder {{ customer_name }}",
                                            body='Dear {{ contact_name }}\n{% include "missing.html" %}')
    DunningStep.objects.filter(policy=broken_policy, action=DunningStep.Action.EMAIL).update(template=broken)
    return broken


def test_a_broken_template_fails_one_customer_and_the_pass_goes_on(one_broken_template, run_dunning):
    good = [account() for _ in range(3)]
    bad = account(segment="enterprise")
    for customer in (*good, bad):
        invoice(customer, due=TODAY - timedelta(days=4))

    run = run_dunning(TODAY)

    assert run.finished_at is not None
    assert run.messages_queued == 3 and run.messages_failed == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"ap@{c.external_id.lower()}.test" for c in good)
    failed = OutboundMessage.objects.get(customer=bad)
    assert failed.status == OutboundMessage.Status.FAILED and failed.run == run
    assert "Broken" in failed.error and "include" in failed.error
    task = QueueTask.objects.get(customer=bad, key=f"{failed.key}:failed")
    assert task.status == QueueTask.Status.OPEN and "Broken" in task.detail
    assert not bad.invoices.get().dunning_steps.filter(outcome="sent").exists()  # not recorded: tried again


def test_once_the_template_is_fixed_the_same_days_pass_sends_the_failed_message(one_broken_template, run_dunning):
    bad = account(segment="enterprise")
    invoice(bad, due=TODAY - timedelta(days=4))
    run_dunning(TODAY)
    MessageTemplate.objects.filter(pk=one_broken_template.pk).update(body="Dear {{ contact_name }}, fixed.")

    second = run_dunning(TODAY)

    message = OutboundMessage.objects.get(customer=bad)
    assert message.status == OutboundMessage.Status.SENT and "fixed" in message.body
    assert second.messages_queued == 1 and second.messages_failed == 0
    assert len(mail.outbox) == 1


def test_the_dunning_page_counts_the_failed_messages(client, one_broken_template, run_dunning):
    bad = account(segment="enterprise")
    invoice(bad, due=TODAY - timedelta(days=4))
    run_dunning(TODAY)
    client.force_login(manager())
    page = client.get(reverse("dunning")).content.decode()
    assert '?status=failed">1</a>' in page


@pytest.fixture
def four_accounts_one_failing(monkeypatch):
    customers = [account() for _ in range(4)]
    for customer in customers:
        invoice(customer, due=TODAY - timedelta(days=10))
    bad = customers[1]
    real_pdf = statements.statement_pdf

    def pdf(data, link, *args, **kwargs):
        if data.customer.pk == bad.pk:
            raise ValueError("paraparser: syntax error: No content allowed in img tag")
        return real_pdf(data, link, *args, **kwargs)

    monkeypatch.setattr(statements, "statement_pdf", pdf)
    return customers, bad, real_pdf


def test_one_failing_account_does_not_stop_the_statement_batch(four_accounts_one_failing,
                                                               django_capture_on_commit_callbacks):
    customers, bad, _ = four_accounts_one_failing
    month = date(2026, 11, 1)

    with django_capture_on_commit_callbacks(execute=True):
        statement_run(month=month)

    run = StatementRun.objects.get(month=month)
    assert set(Statement.objects.values_list("customer_id", flat=True)) == {c.pk for c in customers if c != bad}
    assert run.status == StatementRun.Status.DONE and (run.done, run.failed, run.total) == (3, 1, 4)
    failure = StatementFailure.objects.get(run=run)
    assert failure.customer == bad and "No content allowed in img tag" in failure.error
    assert len(mail.outbox) == 3


def test_the_run_status_shows_the_failed_account_and_a_new_start_retries_it(
        client, four_accounts_one_failing, django_capture_on_commit_callbacks, monkeypatch):
    customers, bad, real_pdf = four_accounts_one_failing
    month = date(2026, 11, 1)
    with django_capture_on_commit_callbacks(execute=True):
        run = statement_run(month=month)
    client.force_login(manager())

    row = client.get(reverse("statement_run_status", args=[run.pk])).content.decode()
    assert "1 failed" in row and bad.name in row and "No content allowed in img tag" in row

    monkeypatch.setattr(statements, "statement_pdf", real_pdf)  # the cause is fixed
    with django_capture_on_commit_callbacks(execute=True):
        statement_run(month=month)
    run.refresh_from_db()
    assert Statement.objects.filter(month=month).count() == 4
    assert (run.done, run.failed, run.status) == (4, 0, StatementRun.Status.DONE)
    assert not StatementFailure.objects.exists()
