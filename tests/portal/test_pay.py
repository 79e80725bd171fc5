"""The portal's pay page: what a link preselects, what the form refuses (and says where), and what a
valid form starts at the payment provider."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.models import Invoice
from ledger.services import payment_receive
from payments.models import CustomerPaymentSettings, PaymentRequest, PaymentRequestLine
from portal.links import portal_token_for
from tests.portal.factories import account

pytestmark = pytest.mark.django_db
TODAY = date.today()


def pay_url(token, query=""):
    return reverse("portal_pay", args=[token]) + query


@pytest.fixture
def customer():
    """Three open invoices: I0 past due (1,000.00), I1 due in 5 days (1,001.00), I2 in 25 (1,002.00)."""
    return account(invoices=3)


@pytest.fixture
def token(customer):
    return portal_token_for(customer)


def invoices_of(customer) -> list[Invoice]:
    return list(customer.invoices.order_by("due_date"))


def ticked(response) -> set[int]:
    return {inv.pk for inv, _, on in response.context["form"].rows if on}


def test_link_preselects_exactly_the_invoices_it_names(client, customer, token):
    first, _, last = invoices_of(customer)
    response = client.get(pay_url(token, f"?invoices={first.pk},{last.pk}&from=email"))
    assert response.status_code == 200
    assert ticked(response) == {first.pk, last.pk}
    assert response.context["form"]["origin"].value() == "email"
    assert response.content.decode().count('name="invoices"') == 3


def test_everything_due_and_whole_balance_shortcuts(client, customer, token):
    first, *_ = invoices_of(customer)
    assert ticked(client.get(pay_url(token, "?select=due"))) == {first.pk}
    assert ticked(client.get(pay_url(token, "?select=all"))) == {i.pk for i in invoices_of(customer)}


def test_a_link_naming_paid_foreign_or_garbled_invoices_says_so(client, customer, token):
    first, second, _ = invoices_of(customer)
    payment_receive(customer=customer, external_id="P1", received_date=TODAY, amount=first.amount, currency="USD",
                    applications=[(first, first.amount)])
    stranger = account(invoices=1).invoices.get()
    response = client.get(pay_url(token, f"?invoices={first.pk},{second.pk},{stranger.pk}"))
    assert ticked(response) == {second.pk}
    body = response.content.decode()
    assert f"{first.external_id} is already paid" in body
    assert "not on your account any more" in body
    assert stranger.external_id not in body

    garbled = client.get(pay_url(token, "?invoices=1;DROP&from=fax"))
    assert ticked(garbled) == set()
    assert "cannot be read" in garbled.content.decode()
    assert "is not a place a payment starts from" in garbled.content.decode()


def post(client, token, data):
    return client.post(pay_url(token), {"origin": "portal", **data})


def test_nothing_ticked_is_refused_beside_the_table(client, token):
    response = post(client, token, {})
    assert response.status_code == 400
    assert "Tick at least one invoice to pay." in response.content.decode()
    assert not PaymentRequest.objects.exists()


def test_more_than_is_open_is_refused(client, customer, token):
    first, second, _ = invoices_of(customer)
    response = post(client, token, {"invoices": [first.pk, second.pk], "amount": "2001.01"})
    assert response.status_code == 400
    assert "The invoices you ticked have 2,001.00 USD open" in response.content.decode()

    per_invoice = post(client, token, {"invoices": [first.pk], f"amount_{first.pk}": "1000.01"})
    assert f"Only 1,000.00 USD is open on {first.external_id}." in per_invoice.content.decode()
    assert not PaymentRequest.objects.exists()


def test_an_amount_on_an_unticked_row_is_refused(client, customer, token):
    first, second, _ = invoices_of(customer)
    response = post(client, token, {"invoices": [first.pk], f"amount_{second.pk}": "10.00"})
    assert f"Tick {second.external_id} to pay it, or clear its amount." in response.content.decode()


def test_an_invoice_paid_meanwhile_is_named(client, customer, token):
    first, second, _ = invoices_of(customer)
    client.get(pay_url(token, f"?invoices={first.pk},{second.pk}"))
    payment_receive(customer=customer, external_id="P1", received_date=TODAY, amount=first.amount, currency="USD",
                    applications=[(first, first.amount)])
    response = post(client, token, {"invoices": [first.pk, second.pk]})
    assert response.status_code == 400
    assert f"{first.external_id} was paid meanwhile; untick it." in response.content.decode()
    assert not PaymentRequest.objects.exists()


def test_an_invoice_with_a_payment_on_its_way_is_named(client, customer, token):
    first, *_ = invoices_of(customer)
    pending = PaymentRequest.objects.create(key="checkout:pending", customer=customer, provider="sandbox",
                                            amount=first.open_amount, currency="USD", status="pending")
    PaymentRequestLine.objects.create(request=pending, invoice=first, amount=first.open_amount)
    response = post(client, token, {"invoices": [first.pk]})
    assert f"A payment for {first.external_id} is already on its way" in response.content.decode()


def test_another_customers_invoice_is_not_a_choice(client, token):
    stranger = account(invoices=1).invoices.get()
    response = post(client, token, {"invoices": [stranger.pk]})
    assert response.status_code == 400
    assert "not on your account" in response.content.decode()


def test_with_htmx_errors_swap_in_place_and_success_leaves_for_the_provider(client, customer, token):
    first, *_ = invoices_of(customer)
    refused = client.post(pay_url(token), {"origin": "portal"}, headers={"HX-Request": "true"})
    assert refused.status_code == 200
    assert refused.content.decode().lstrip().startswith('<form id="pay-form"')
    assert "Tick at least one invoice to pay." in refused.content.decode()
    started = client.post(pay_url(token), {"origin": "portal", "invoices": [first.pk]}, headers={"HX-Request": "true"})
    request = PaymentRequest.objects.get()
    assert started["HX-Redirect"].endswith(reverse("payments_sandbox_checkout", args=[request.provider_ref]))


def test_the_provider_brings_the_customer_back_to_the_result_page(client, customer, token):
    first, *_ = invoices_of(customer)
    post(client, token, {"invoices": [first.pk]})
    request = PaymentRequest.objects.get()
    back = request.sandbox_session.success_url
    assert back.endswith("/pay/{CHECKOUT_SESSION_ID}/")
    assert result(client, token, request.provider_ref).status_code == 200
    cancel = request.sandbox_session.cancel_url
    assert cancel.endswith(f"{pay_url(token)}?invoices={first.pk}&from=portal")


def test_full_payment_starts_a_checkout_and_goes_to_the_provider(client, customer, token):
    first, second, _ = invoices_of(customer)
    response = post(client, token, {"invoices": [first.pk, second.pk], "origin": "email"})
    assert response.status_code == 302, response.content.decode()[:2000]
    request = PaymentRequest.objects.get()
    assert response["Location"].endswith(reverse("payments_sandbox_checkout", args=[request.provider_ref]))
    assert request.origin == "email" and request.customer == customer
    assert request.amount == Decimal("2001.00")
    assert {(line.invoice_id, line.amount) for line in request.lines.all()} == {
        (first.pk, Decimal("1000.00")), (second.pk, Decimal("1001.00"))}


def test_a_part_payment_goes_to_the_oldest_invoices_first(client, customer, token):
    first, second, third = invoices_of(customer)
    response = post(client, token, {"invoices": [third.pk, first.pk, second.pk], "amount": "1500.00"})
    assert response.status_code == 302
    lines = {line.invoice_id: line.amount for line in PaymentRequest.objects.get().lines.all()}
    assert lines == {first.pk: Decimal("1000.00"), second.pk: Decimal("500.00")}


def test_amounts_per_invoice_are_paid_as_typed(client, customer, token):
    first, second, _ = invoices_of(customer)
    response = post(client, token, {"invoices": [first.pk, second.pk], f"amount_{second.pk}": "250.00"})
    assert response.status_code == 302
    lines = {line.invoice_id: line.amount for line in PaymentRequest.objects.get().lines.all()}
    assert lines == {first.pk: Decimal("1000.00"), second.pk: Decimal("250.00")}

    mismatch = post(client, token, {"invoices": [first.pk], f"amount_{first.pk}": "100.00", "amount": "90.00"})
    assert "The amounts per invoice add up to 100.00" in mismatch.content.decode()


def test_the_page_names_the_methods_the_customers_settings_allow(client, customer, token):
    CustomerPaymentSettings.objects.create(customer=customer, card_max_amount=Decimal("1500.00"),
                                           methods_allowed=["card", "bank_transfer"])
    page = client.get(pay_url(token)).content.decode()
    assert "You can pay by Card, Bank transfer (cards up to 1,500.00)." in page
    assert 'data-card-max="1500.00"' in page

    first, second, _ = invoices_of(customer)
    response = post(client, token, {"invoices": [first.pk, second.pk]})
    assert response.status_code == 302
    request = PaymentRequest.objects.get()
    assert request.sandbox_session.methods == ["bank_transfer"], "no card above the card limit"


def test_a_family_head_pays_a_childs_invoice(client):
    head = account(invoices=1)
    child = account(invoices=1, parent=head)
    token = portal_token_for(head, family=True)
    invoice = child.invoices.get()
    response = post(client, token, {"invoices": [invoice.pk]})
    assert response.status_code == 302
    assert PaymentRequest.objects.get().lines.get().invoice == invoice


def test_a_bad_link_shows_no_pay_page(client, token):
    assert client.get(pay_url(token[:-3] + "abc")).status_code == 403


def test_pay_page_query_count_is_bounded(client, django_assert_max_num_queries):
    customer = account(invoices=40)
    token = portal_token_for(customer)
    ids = ",".join(str(pk) for pk in customer.invoices.values_list("pk", flat=True)[:20])
    with django_assert_max_num_queries(8):
        response = client.get(pay_url(token, f"?invoices={ids}"))
    assert response.status_code == 200
    assert response.content.decode().count('name="invoices"') == 40
    with django_assert_max_num_queries(8):
        assert client.get(pay_url(token, "?select=all")).status_code == 200


@pytest.fixture
def pay_request(customer):
    first, second, _ = invoices_of(customer)

    def make(status, **kwargs):
        request = PaymentRequest.objects.create(
            key=f"checkout:{status}", customer=customer, provider="sandbox", provider_ref=f"cs_test_{status}",
            amount=Decimal("2001.00"), currency="USD", status=status, origin="email", **kwargs)
        PaymentRequestLine.objects.create(request=request, invoice=first, amount=first.open_amount)
        PaymentRequestLine.objects.create(request=request, invoice=second, amount=second.open_amount)
        return request

    return make


def result(client, token, ref, **headers):
    return client.get(reverse("portal_pay_result", args=[token, ref]), headers=headers)


@pytest.mark.parametrize(("status", "says", "polls"), [
    ("open", "waiting for the payment provider to confirm", True),
    ("pending", "We will not remind you about these invoices meanwhile", True),
    ("succeeded", "Paid. Thank you!", False),
    ("failed", "The payment did not go through.", False),
])
def test_result_page_says_what_became_of_the_payment(client, token, pay_request, status, says, polls):
    request = pay_request(status, failure_reason="Your card was declined." if status == "failed" else "")
    response = result(client, token, request.provider_ref)
    body = response.content.decode()
    assert response.status_code == 200
    assert says in body
    assert ('hx-trigger="every' in body) is polls
    if status == "failed":
        assert "Your card was declined." in body and "Try again" in body
        assert f"?invoices={','.join(str(line.invoice_id) for line in request.lines.all())}" in body


def test_result_page_polls_with_its_status_fragment(client, token, pay_request):
    request = pay_request("pending")
    fragment = result(client, token, str(request.pk), **{"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="pay-status"')
    assert "<html" not in fragment


def test_money_left_over_from_two_tabs_is_explained(client, customer, token, pay_request):
    first, second, _ = invoices_of(customer)
    payment = payment_receive(customer=customer, external_id="ONL-X", received_date=TODAY, amount="2001.00",
                              currency="USD", applications=[(second, second.open_amount)], source="online")
    request = pay_request("succeeded", payment=payment)
    body = result(client, token, request.provider_ref).content.decode()
    assert "1,000.00 USD of this payment could not go to the invoices you chose" in body


def test_another_customers_payment_is_not_found(client, pay_request):
    request = pay_request("succeeded")
    stranger = portal_token_for(account(invoices=1))
    assert result(client, stranger, request.provider_ref).status_code == 404
    assert result(client, stranger, str(request.pk)).status_code == 404


def test_home_page_has_pay_buttons(client, customer, token):
    body = client.get(reverse("portal_home", args=[token])).content.decode()
    assert f'{pay_url(token)}?select=due' in body and f'{pay_url(token)}?select=all' in body
    for invoice in invoices_of(customer):
        assert f'{pay_url(token)}?invoices={invoice.pk}"' in body



def test_result_page_query_count_is_bounded(client, django_assert_max_num_queries):
    customer = account(invoices=30)
    token = portal_token_for(customer)
    invoices = list(customer.invoices.all())
    request = PaymentRequest.objects.create(key="checkout:many", customer=customer, provider="sandbox",
                                            provider_ref="cs_test_many", amount=sum(i.open_amount for i in invoices),
                                            currency="USD", status="succeeded", origin="portal")
    PaymentRequestLine.objects.bulk_create([PaymentRequestLine(request=request, invoice=i, amount=i.open_amount)
                                            for i in invoices])
    with django_assert_max_num_queries(6):
        response = result(client, token, request.provider_ref)
    assert response.content.decode().count("<tr><td data-label=\"Invoice\">") == 30
