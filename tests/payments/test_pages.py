"""The team's page of an account's online payments: refunds by managers, sandbox controls."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.models import PaymentRequest
from tests.factories import collector, manager
from tests.payments.conftest import checkout
from tests.payments.stripe_events import event_for, post

S = PaymentRequest.Status


@pytest.fixture
def paid(client, acme, settings):
    settings.PAYMENTS_PROVIDER = "sandbox"
    request = checkout(acme)
    post(client, "sandbox", event_for("checkout.session.completed", request))
    request.refresh_from_db()
    return request


def test_the_page_lists_requests_and_events_in_bounded_queries(client, acme, paid, django_assert_max_num_queries):
    client.force_login(manager("boss"))
    url = reverse("payments_account", args=[acme.customer.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"ONL-{paid.pk}" in page and "checkout.session.completed" in page and "Refund" in page


def test_queries_do_not_grow_with_the_requests(client, acme, paid, settings, django_assert_max_num_queries):
    from tests.factories import past_due_invoice

    for _ in range(5):
        invoice = past_due_invoice(acme.customer, "10.00", days=1)
        checkout(acme, lines=[(invoice, Decimal("10.00"))])
    client.force_login(manager("boss"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("payments_account", args=[acme.customer.pk])).status_code == 200


def test_a_manager_refunds_from_the_page(client, acme, paid, ledger_balances, django_capture_on_commit_callbacks):
    client.force_login(manager("boss"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments_refund", args=[acme.customer.pk]),
                               {"request": paid.pk, "amount": "400.00"})
    assert response.status_code == 302
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (S.PARTIALLY_REFUNDED, Decimal("400.00"))
    ledger_balances()


def test_a_refund_too_large_is_told_on_the_page(client, acme, paid):
    client.force_login(manager("boss"))
    response = client.post(reverse("payments_refund", args=[acme.customer.pk]),
                           {"request": paid.pk, "amount": "99999.00"}, follow=True)
    assert "more than the" in response.content.decode()
    paid.refresh_from_db()
    assert paid.status == S.SUCCEEDED


def test_a_refund_of_another_accounts_payment_is_refused(client, acme, paid):
    from tests.factories import CustomerFactory

    other = CustomerFactory()
    client.force_login(manager("boss"))
    response = client.post(reverse("payments_refund", args=[other.pk]), {"request": paid.pk}, follow=True)
    assert "Choose one of this account" in response.content.decode()


def test_a_collector_cannot_refund(client, acme, paid):
    client.force_login(collector("col"))
    response = client.post(reverse("payments_refund", args=[acme.customer.pk]), {"request": paid.pk})
    assert response.status_code in (403, 404)
    paid.refresh_from_db()
    assert paid.status == S.SUCCEEDED


def test_the_sandbox_chargeback_control(client, acme, paid, ledger_balances, django_capture_on_commit_callbacks):
    client.force_login(manager("boss"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments_sandbox_event", args=[acme.customer.pk]),
                    {"request": paid.pk, "outcome": "dispute"})
    paid.refresh_from_db()
    assert paid.status == S.DISPUTED
    response = client.post(reverse("payments_sandbox_event", args=[acme.customer.pk]),
                           {"request": paid.pk, "outcome": "succeeded"}, follow=True)
    assert "Only a pending payment" in response.content.decode()
    ledger_balances()
