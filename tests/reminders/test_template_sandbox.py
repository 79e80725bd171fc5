"""Message templates run in a sandbox and are tried against a real account before they are saved:
a template that passes the editor cannot stop the dunning pass for want of a file or a tag."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders import rendering
from reminders.forms import TemplateForm
from reminders.models import MessageTemplate
from tests.factories import manager
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db


class Text:
    def __init__(self, subject: str, body: str):
        self.subject, self.body = subject, body


@pytest.mark.parametrize("body", [
    '{% include "missing.html" %}',
    '{% include "base.html" %}',
    '{% extends "base.html" %}',
    "{% debug %}",
    "{% load static %}{% static 'x.css' %}",
    '{% ssi "/etc/passwd" %}',
    "{% url 'outbox' %}",
])
def test_the_sandbox_refuses_tags_that_reach_files_libraries_or_the_context(body):
    with pytest.raises(rendering.MessageRenderError, match="cannot be used in a message template"):
        rendering.render(Text("Hello", body), {})


def test_the_sandbox_keeps_the_tags_and_filters_that_shape_text():
    subject, body = rendering.render(
        Text("Reminder — {{ customer_name|upper }}",
             "{% if total_due %}Total {{ total_due }}{% endif %}{% for n in numbers %} #{{ n }}{% endfor %}"),
        {"customer_name": "Acme", "total_due": "10.00 USD", "numbers": ["A1", "A2"]})
    assert subject == "Reminder — ACME"
    assert body == "Total 10.00 USD #A1 #A2\n"


def test_a_failure_while_filling_in_is_a_message_render_error():
    with pytest.raises(rendering.MessageRenderError, match="could not be filled in"):
        rendering.render(Text("x", "{% for x in 5 %}{{ x }}{% endfor %}"), {})


def form(body: str, subject: str = "Reminder {{ customer_name }}") -> TemplateForm:
    return TemplateForm({"name": "Try", "kind": MessageTemplate.Kind.DUNNING, "subject": subject, "body": body})


def test_an_include_of_a_missing_file_cannot_be_saved():
    customer = account()
    invoice(customer, due=timezone.localdate() - timedelta(days=4))
    bad = form('Dear {{ contact_name }}\n{% include "missing.html" %}')
    assert not bad.is_valid()
    assert "{% include %} cannot be used in a message template" in bad.errors["body"][0]


def test_a_template_that_fails_for_a_real_account_cannot_be_saved():
    customer = account()
    invoice(customer, due=timezone.localdate() - timedelta(days=4))
    bad = form("Dear {{ contact_name }}", subject="{% for c in 5 %}{{ c }}{% endfor %}")
    assert not bad.is_valid()
    assert "could not be filled in" in bad.errors["subject"][0]


def test_a_good_template_is_saved_even_on_an_empty_book():
    good = form("Dear {{ contact_name }},\n{{ invoice_table }}\n{{ installment_number }}\n{{ sign_off }}")
    assert good.is_valid(), good.errors


def test_the_editor_shows_the_render_error_on_the_field(client):
    template = MessageTemplate.objects.create(name="Mine", subject="Hi", body="Hello")
    client.force_login(manager())
    response = client.post(reverse("dunning_template", args=[template.pk]), {
        "name": "Mine", "kind": "dunning", "subject": "Hi", "body": "{% debug %}"})
    assert response.status_code == 200
    assert "{% debug %} cannot be used in a message template" in response.content.decode()
    template.refresh_from_db()
    assert template.body == "Hello"
