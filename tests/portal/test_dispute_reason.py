"""A portal dispute has no reason until the customer picks one: a default would skew root causes."""

import pytest
from django.urls import reverse

from portal.links import portal_token_for
from tests.portal.factories import account
from work.models import Dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute_url():
    customer = account(invoices=1)
    return reverse("portal_dispute", args=[portal_token_for(customer), customer.invoices.get().pk])


def test_dispute_reason_starts_blank(client, dispute_url):
    page = client.get(dispute_url).content.decode()
    select = page[page.index('<select name="root_cause"'):]
    select = select[:select.index("</select>")]
    first_option = select[select.index("<option"):select.index("</option>")]
    assert 'value=""' in first_option and "selected" in first_option
    assert "selected" not in select.replace(first_option, "")
    assert "required" in select[:select.index(">")]


def test_dispute_without_a_reason_is_refused_with_the_error_at_the_field(client, dispute_url):
    response = client.post(dispute_url, {"root_cause": "", "message": "Wrong quantity"})
    assert response.status_code == 400 and not Dispute.objects.exists()
    page = response.content.decode()
    field = page[page.rindex('<div class="field', 0, page.index('name="root_cause"')):]
    field = field[:field.index('<div class="field', 1)]
    assert "has-error" in field and "Please choose the reason for the dispute." in field


def test_htmx_dispute_without_a_reason_comes_back_in_place(client, dispute_url):
    response = client.post(dispute_url, {"message": "Wrong quantity"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<form id="portal-form"')
    assert "Please choose the reason for the dispute." in body and not Dispute.objects.exists()


def test_dispute_with_a_chosen_reason_records_it(client, dispute_url):
    client.post(dispute_url, {"root_cause": "quantity", "message": "Short shipment"})
    assert Dispute.objects.get().root_cause == "quantity"
