"""A composed email's subject is one line: a line break is refused where the collector types it
(the form, shown in the panel) and by the service that queues it, instead of failing five send
attempts later without a word."""

import uuid

import pytest
from django.urls import reverse

from reminders.forms import ComposeForm
from reminders.manual import message_write
from reminders.models import OutboundMessage
from reminders.outbox import SubjectError
from tests.factories import PortfolioFactory, collector
from tests.reminders.factories import account

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.mark.parametrize("subject", ["About INV-1\nBcc: someone@else.test", "Line one\r\nline two", "a\rb"])
def test_the_compose_form_refuses_a_subject_with_a_line_break(subject):
    customer = account()
    form = ComposeForm({"contact": customer.contacts.get().pk, "subject": subject, "body": "Hi",
                        "nonce": str(uuid.uuid4())}, customer=customer)
    assert not form.is_valid()
    assert form.errors["subject"] == ["A subject is one line: remove the line break."]


def test_the_panel_shows_the_refusal_and_queues_nothing(client):
    alice = collector("alice")
    customer = account(portfolio=PortfolioFactory(collector=alice))
    client.force_login(alice)
    response = client.post(reverse("account_compose", args=[customer.pk]), {
        "contact": customer.contacts.get().pk, "subject": "About INV\nBcc: x@y.test", "body": "Please call.",
        "nonce": str(uuid.uuid4())}, headers=HX)
    assert response.status_code == 422
    assert "A subject is one line: remove the line break." in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_the_service_refuses_a_subject_with_a_line_break():
    customer = account()
    with pytest.raises(SubjectError):
        message_write(customer=customer, contact=customer.contacts.get(), subject="Hello\nthere", body="Hi",
                      nonce="n1")
    assert not OutboundMessage.objects.exists()


def test_a_one_line_subject_is_queued():
    customer = account()
    message = message_write(customer=customer, contact=customer.contacts.get(), subject="About INV-1", body="Hi",
                            nonce="n2")
    assert message.subject == "About INV-1" and message.status == OutboundMessage.Status.QUEUED
