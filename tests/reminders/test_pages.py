import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reminders.dunning import dunning_run
from reminders.models import CustomerDunningSettings, DunningPolicy, DunningStep, MessageTemplate, OutboundMessage
from reminders.statements import statement_issue
from tests.factories import PortfolioFactory, collector, finance, manager
from tests.reminders.factories import account, invoice, policy

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def book():
    """Two portfolios with 12 reminders each in the outbox."""
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    alice, bob = collector("alice"), collector("bob")
    mine, theirs = PortfolioFactory(collector=alice), PortfolioFactory(collector=bob)
    for portfolio in (mine, theirs):
        for _ in range(12):
            customer = account(portfolio=portfolio)
            invoice(customer, due=TODAY - timedelta(days=4))
            invoice(customer, due=TODAY - timedelta(days=12))
    dunning_run(as_of=TODAY)
    return {"alice": alice, "bob": bob, "mine": mine, "theirs": theirs}


def test_manager_sees_the_whole_outbox_in_bounded_queries(client, book, django_assert_max_num_queries):
    client.force_login(manager())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("outbox"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/reminders/outbox/') >= 24


def test_collector_sees_only_their_customers_messages(client, book):
    client.force_login(book["alice"])
    body = client.get(reverse("outbox")).content.decode()
    for message in OutboundMessage.objects.select_related("customer"):
        link = reverse("outbox_message", args=[message.pk])
        assert (f'href="{link}"' in body) == (message.customer.portfolio == book["mine"])
    other = OutboundMessage.objects.filter(customer__portfolio=book["theirs"]).first()
    assert client.get(reverse("outbox_message", args=[other.pk])).status_code == 404
    own = OutboundMessage.objects.filter(customer__portfolio=book["mine"]).first()
    page = client.get(reverse("outbox_message", args=[own.pk]))
    assert page.status_code == 200 and own.subject in page.content.decode()


def test_outbox_filter_returns_the_results_fragment_to_htmx(client, book):
    client.force_login(manager())
    response = client.get(reverse("outbox"), {"status": "queued"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and 'id="outbox-results"' in response.content.decode()


def test_dunning_page_shows_todays_dry_run_and_history(client, book, django_assert_max_num_queries):
    client.force_login(manager())
    with django_assert_max_num_queries(15):
        response = client.get(reverse("dunning"))
    body = response.content.decode()
    assert "Today's pass" in body and "History" in body
    assert OutboundMessage.objects.count() == 24  # the dry run wrote nothing


def test_manager_runs_todays_pass_from_the_page_and_it_is_in_the_history(client, book):
    boss = manager()
    client.force_login(boss)
    assert client.post(reverse("dunning_run_now"), {"confirm": "yes"}).status_code == 302
    from reminders.models import DunningRun

    run = DunningRun.objects.order_by("-pk").first()
    assert run.trigger == "manager" and run.by == boss and run.messages_queued == 0  # nothing new today
    assert "manager" in client.get(reverse("dunning")).content.decode()


@pytest.mark.parametrize("name", ["dunning", "dunning_policies", "statements"])
def test_manager_pages_refuse_collectors_and_finance(client, book, name):
    for user in (book["alice"], finance()):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_manager_edits_steps_and_templates_in_the_ui(client, book):
    client.force_login(manager())
    standard = DunningPolicy.objects.get(name="Standard")
    template = MessageTemplate.objects.first()
    response = client.post(reverse("dunning_step_new", args=[standard.pk]),
                           {"offset_days": 15, "name": "Mid reminder", "action": "email", "template": template.pk})
    assert response.status_code == 302
    assert standard.steps.filter(offset_days=15, name="Mid reminder").exists()
    response = client.post(reverse("dunning_step_new", args=[standard.pk]),
                           {"offset_days": 16, "name": "No template", "action": "email"})
    assert response.status_code == 200 and not standard.steps.filter(offset_days=16).exists()
    response = client.post(reverse("dunning_template", args=[template.pk]),
                           {"name": template.name, "kind": "dunning", "subject": "Hello {{ customer_name }}",
                            "body": "Dear {{ contact_name }}"})
    assert response.status_code == 302
    assert MessageTemplate.objects.get(pk=template.pk).subject == "Hello {{ customer_name }}"
    bad = client.post(reverse("dunning_template", args=[template.pk]),
                      {"name": template.name, "kind": "dunning", "subject": "{% if %}", "body": "x"})
    assert bad.status_code == 200 and "Placeholder syntax" in bad.content.decode()
    step = DunningStep.objects.get(offset_days=15)
    asked = client.post(reverse("dunning_step_delete", args=[step.pk]))
    assert asked.status_code == 200 and "Remove “Mid reminder” (day +15)" in asked.content.decode()
    assert DunningStep.objects.filter(pk=step.pk).exists()  # nothing removed before the confirmation
    client.post(reverse("dunning_step_delete", args=[step.pk]), {"confirm": "yes"})
    assert not DunningStep.objects.filter(pk=step.pk).exists()


def test_template_preview_fills_in_a_real_account(client, book):
    client.force_login(manager())
    customer = book["mine"].customers.first()
    template = MessageTemplate.objects.first()
    response = client.get(reverse("dunning_template_preview", args=[template.pk]), {"customer": customer.pk})
    body = response.content.decode()
    assert customer.name in body
    assert customer.invoices.first().external_id in body
    assert book["alice"].get_full_name() in body


def test_workspace_messages_panel_and_manual_sends(client, book, django_capture_on_commit_callbacks):
    customer = book["mine"].customers.first()
    client.force_login(book["alice"])
    panel = client.get(reverse("account_messages", args=[customer.pk]), headers={"HX-Request": "true"})
    assert panel.status_code == 200 and 'id="workspace-messages"' in panel.content.decode()
    other = book["theirs"].customers.first()
    assert client.get(reverse("account_messages", args=[other.pk])).status_code == 404
    assert client.post(reverse("account_statement_now", args=[other.pk])).status_code == 404
    nonce = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_statement_now", args=[customer.pk]), {"nonce": nonce})
        client.post(reverse("account_statement_now", args=[customer.pk]), {"nonce": nonce})  # double click
        inv = customer.invoices.first()
        client.post(reverse("account_invoice_copy", args=[customer.pk]), {"invoice": inv.pk, "nonce": nonce})
        contact = customer.contacts.first()
        client.post(reverse("account_compose", args=[customer.pk]),
                    {"contact": contact.pk, "subject": "About your account", "body": "Please call me.",
                     "nonce": str(uuid.uuid4()), "invoices": [inv.pk]})
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(mail.outbox) == 3
    assert "About your account" in subjects
    assert any(m.attachments and m.attachments[0][0].startswith("statement-") for m in mail.outbox)
    assert any(m.attachments and m.attachments[0][0] == f"invoice-{inv.external_id}.pdf" for m in mail.outbox)
    assert OutboundMessage.objects.filter(customer=customer, kind="manual", created_by=book["alice"]).exists()


def test_statement_download_and_pdf_are_limited_to_visible_accounts(client, book):
    customer = book["mine"].customers.first()
    other = book["theirs"].customers.first()
    statement = statement_issue(customer=other, month=date(2026, 11, 1), send=False)
    client.force_login(book["alice"])
    assert client.get(reverse("statement_download", args=[statement.pk])).status_code == 404
    response = client.get(reverse("account_statement_pdf", args=[customer.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(book["bob"])
    assert client.get(reverse("statement_download", args=[statement.pk])).status_code == 200


def test_statements_page_polls_a_running_run(client, book, django_capture_on_commit_callbacks):
    client.force_login(manager())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("statement_run_start"), {"month": "2026-11"})
    body = client.get(reverse("statements")).content.decode()
    assert "November 2026" in body
    from reminders.models import StatementRun

    run = StatementRun.objects.get()
    assert run.status == "done" and run.done == run.total == 24
    fragment = client.get(reverse("statement_run_status", args=[run.pk]), headers={"HX-Request": "true"})
    assert f'id="run-{run.pk}"' in fragment.content.decode() and "every 2s" not in fragment.content.decode()


def test_manager_sets_a_per_account_policy_or_pauses_reminders(client, book):
    customer = book["mine"].customers.first()
    lenient = policy(name="Lenient", steps=((30, "email"),))
    client.force_login(manager())
    client.post(reverse("customer_dunning_settings", args=[customer.pk]), {"policy": lenient.pk, "paused": "on"})
    row = CustomerDunningSettings.objects.get(customer=customer)
    assert row.policy == lenient and row.paused
    client.force_login(book["alice"])
    assert client.post(reverse("customer_dunning_settings", args=[customer.pk]), {}).status_code == 403


def test_manual_send_returns_only_to_a_local_page(client, book):
    customer = book["mine"].customers.first()
    client.force_login(book["alice"])
    url = reverse("account_statement_now", args=[customer.pk])
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == reverse("account_messages",
                                                                                        args=[customer.pk])
    assert client.post(url, {"next": f"/accounts/{customer.pk}/"})["Location"] == f"/accounts/{customer.pk}/"


def test_template_preview_shows_unsaved_edits_and_their_errors(client, book):
    client.force_login(manager())
    template = MessageTemplate.objects.first()
    customer = book["mine"].customers.first()
    url = reverse("dunning_template_preview", args=[template.pk])
    body = client.get(url, {"customer": customer.pk, "subject": "Nudge {{ customer_name }}", "body": "Hi"}).content
    assert f"Nudge {customer.name}" in body.decode()
    assert MessageTemplate.objects.get(pk=template.pk).subject != "Nudge {{ customer_name }}"
    bad = client.get(url, {"customer": customer.pk, "subject": "{% if %}", "body": "Hi"}).content.decode()
    assert "Placeholder syntax" in bad
