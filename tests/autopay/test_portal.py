"""Enrolment in the portal: the form, the sandbox's setup page, back to a page that waits for the
provider's word, "Autopay is on", and cancelling it."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from autopay.models import AutopayCharge, Mandate
from payments.models import SandboxSession
from payments.providers import sandbox
from portal.links import portal_token_for
from tests.autopay.conftest import CARD_OK, customer_with_invoices, enrol
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _url(name, token, *args):
    return reverse(name, args=[token, *args])


def _form(customer, **overrides):
    return {"account": customer.pk, "kind": "card", "schedule": "due", "day": "", "accept": "on", **overrides}


def test_the_portal_home_links_to_autopay(client):
    customer = customer_with_invoices(10)
    token = portal_token_for(customer)
    home = client.get(_url("portal_home", token)).content.decode()
    assert f'href="{_url("portal_autopay_setup", token)}"' in home


def test_enrolment_goes_through_the_sandbox_and_says_autopay_is_on(client, commit):
    customer = customer_with_invoices(10)
    token = portal_token_for(customer)
    page = client.get(_url("portal_autopay_setup", token)).content.decode()
    assert "Autopay is off" in page and "I authorize you to charge" in page
    assert 'value="sepa_debit"' in page  # a euro account may use a SEPA mandate

    with commit():
        response = client.post(_url("portal_autopay_setup", token), _form(customer, schedule="day", day="15"),
                               REMOTE_ADDR="203.0.113.9")
    mandate = Mandate.objects.get()
    assert response.status_code == 302
    session = SandboxSession.objects.get(mode="setup")
    assert response["Location"] == reverse("payments_sandbox_setup", args=[session.ref])
    assert session.success_url == f"http://testserver{_url('portal_autopay_return', token, mandate.pk)}"
    assert mandate.status == Mandate.Status.SETUP and mandate.charge_on == 15
    assert str(mandate.accepted_from) == "203.0.113.9" and "I authorize you to charge" in mandate.authorization
    assert "When: on day 15 of the month." in mandate.authorization

    waiting = client.get(_url("portal_autopay_return", token, mandate.pk)).content.decode()
    assert "waiting for your payment provider" in waiting and 'hx-trigger="every 2s"' in waiting

    with commit():
        assert sandbox.setup_complete(session, CARD_OK) == ""
    back = client.get(_url("portal_autopay_return", token, mandate.pk))
    assert back.status_code == 302 and back["Location"] == _url("portal_autopay_setup", token) + "?done=on"
    assert client.get(_url("portal_autopay_return", token, mandate.pk), headers=HX)["HX-Redirect"]

    page = client.get(back["Location"]).content.decode()
    assert "Autopay is on: Visa •••• 4242, on the 15th of the month, for invoices due by then." in page
    assert "We will email you before each charge." in page
    assert _url("portal_autopay_cancel", token, mandate.pk) in page
    assert AutopayCharge.objects.get().charge_date.day == 15


def test_due_date_autopay_reads_as_such(client, commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    page = client.get(_url("portal_autopay_setup", portal_token_for(customer))).content.decode()
    assert "Autopay is on: Visa •••• 4242, on each invoice&#x27;s due date." in page
    assert "Use another card or bank account" in page


@pytest.mark.parametrize(("data", "error"), [
    ({"accept": ""}, "Please accept the authorization to turn autopay on."),
    ({"schedule": "day", "day": ""}, "Choose the day of the month (1 to 28)."),
    ({"kind": ""}, "Choose a card or a direct debit."),
    ({"day": "29", "schedule": "day"}, "Select a valid choice."),
])
def test_a_refused_form_says_why_beside_it(client, data, error):
    customer = customer_with_invoices(10)
    token = portal_token_for(customer)
    data = _form(customer, **data)
    response = client.post(_url("portal_autopay_setup", token), data)
    assert response.status_code == 400 and error in response.content.decode()
    fragment = client.post(_url("portal_autopay_setup", token), data, headers=HX)
    assert fragment.status_code == 200 and error in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert not Mandate.objects.exists()


def test_a_dollar_account_is_not_offered_sepa(client):
    customer = customer_with_invoices(10, currency="USD")
    token = portal_token_for(customer)
    assert 'value="sepa_debit"' not in client.get(_url("portal_autopay_setup", token)).content.decode()
    response = client.post(_url("portal_autopay_setup", token), _form(customer, kind="sepa_debit"))
    assert response.status_code == 400 and not Mandate.objects.exists()


def test_the_customer_cancels_autopay_after_confirming(client, commit):
    customer = customer_with_invoices(10)
    mandate = enrol(customer, commit)
    token = portal_token_for(customer)
    url = _url("portal_autopay_cancel", token, mandate.pk)
    assert "Yes, stop autopay" in client.get(url).content.decode()
    refused = client.post(url, {})
    assert refused.status_code == 400 and "Tick the box" in refused.content.decode()

    done = client.post(url, {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"].endswith("?done=cancelled")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.CANCELLED and mandate.cancelled_via == "customer"
    assert AutopayCharge.objects.get().status == AutopayCharge.Status.SKIPPED
    assert "Autopay is off" in client.get(done["Location"]).content.decode()
    assert customer.activities.filter(subject="Autopay cancelled in the portal").exists()


def test_another_customers_mandate_is_not_found(client, commit):
    mine = customer_with_invoices(10)
    theirs = enrol(customer_with_invoices(10), commit)
    token = portal_token_for(mine)
    assert client.get(_url("portal_autopay_return", token, theirs.pk)).status_code == 404
    assert client.post(_url("portal_autopay_cancel", token, theirs.pk), {"confirm": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Mandate.Status.ACTIVE


def test_a_family_link_enrols_the_chosen_account(client, commit):
    head = customer_with_invoices(10)
    child = CustomerFactory(parent=head, currency="EUR", portfolio=head.portfolio)
    other = CustomerFactory(currency="EUR")
    token = portal_token_for(head, family=True)
    page = client.get(_url("portal_autopay_setup", token)).content.decode()
    assert f'<option value="{child.pk}"' in page
    assert client.post(_url("portal_autopay_setup", token), _form(head, account=other.pk)).status_code == 400
    with commit():
        client.post(_url("portal_autopay_setup", token), _form(head, account=child.pk))
    assert Mandate.objects.get().customer == child


def test_leaving_the_sandbox_page_says_autopay_is_not_on(client):
    customer = customer_with_invoices(10)
    token = portal_token_for(customer)
    page = client.get(_url("portal_autopay_setup", token) + "?done=left").content.decode()
    assert "You left the payment page before saving a payment method" in page
    odd = client.get(_url("portal_autopay_setup", token) + "?done=whatever").content.decode()
    assert "opened with an address we do not know" in odd


def test_a_failed_charge_shows_on_the_portal_page(client, commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit, number="4000000000009995")
    from autopay import tasks
    with commit():
        tasks.autopay_run.delay((timezone.localdate() + timedelta(days=10)).isoformat())
    page = client.get(_url("portal_autopay_setup", portal_token_for(customer))).content.decode()
    assert re.search(r"The charge of 4,200\.00 EUR for .* failed: .*insufficient funds", page)


def test_the_autopay_page_answers_in_a_fixed_number_of_queries(client, commit, django_assert_max_num_queries):
    head = customer_with_invoices(*range(5, 45))
    for _ in range(3):
        child = customer_with_invoices(*range(5, 25), parent=head, portfolio=head.portfolio)
        enrol(child, commit)
    token = portal_token_for(head, family=True)
    with django_assert_max_num_queries(12):
        response = client.get(_url("portal_autopay_setup", token))
    assert response.status_code == 200
    assert response.content.decode().count('class="autopay-charge"') == 3 * 10  # the next ten of each
