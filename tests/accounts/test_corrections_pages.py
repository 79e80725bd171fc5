"""The account's corrections page: managers reverse, write off and void from it, a second manager
approves or rejects there; other roles get 403; errors show in the HTMX fragment and on the page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger import services as ledger
from ledger.models import Invoice
from tests.factories import CustomerFactory, InvoiceFactory, UserFactory, collector, finance, manager
from work.corrections.models import LedgerCorrection
from work.corrections.services import correction_approve, correction_reject, correction_request
from work.models import Activity

pytestmark = pytest.mark.django_db

D = Decimal
Kind, Status = LedgerCorrection.Kind, LedgerCorrection.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.LEDGER_APPROVAL_THRESHOLD = D("1000.00")
    settings.BASE_CURRENCY = "USD"


def page(customer) -> str:
    return reverse("account_corrections", args=[customer.pk])


def post_write_off(client, invoice, amount, reason="Customer insolvent", **extra):
    return client.post(reverse("correction_write_off", args=[invoice.customer_id]),
                       {"invoice": invoice.pk, "amount": amount, "reason": reason}, **extra)


def test_a_manager_writes_off_below_the_threshold_and_is_sent_back_to_the_page(client, ledger_balances):
    invoice = InvoiceFactory(amount=D("1500.00"))
    client.force_login(manager())

    response = post_write_off(client, invoice, "250.00")

    assert response.status_code == 302 and response["Location"] == page(invoice.customer)
    invoice.refresh_from_db()
    assert invoice.open_amount == D("1250.00")
    followed = client.get(page(invoice.customer))
    assert f"Done: 250.00 USD written off on invoice {invoice}." in followed.content.decode()
    ledger_balances()


def test_with_htmx_the_fragment_comes_back_with_the_outcome(client, ledger_balances):
    invoice = InvoiceFactory(amount=D("1500.00"))
    client.force_login(manager())

    response = post_write_off(client, invoice, "250.00", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="corrections"') and "<html" not in html
    assert f"Done: 250.00 USD written off on invoice {invoice}." in html
    assert "· 1,500.00 of 1,500.00 USD open" not in html and "· 1,250.00 of 1,500.00 USD open" in html
    ledger_balances()


@pytest.mark.parametrize("amount, message", [
    ("99999999999", "99,999,999,999.00 is more than the 1,500.00 USD open"),
    ("0", "Write off a positive amount"),
    ("-10", "Write off a positive amount"),
])
def test_a_refused_write_off_shows_why_in_the_htmx_fragment(client, amount, message):
    invoice = InvoiceFactory(amount=D("1500.00"))
    client.force_login(manager())

    response = post_write_off(client, invoice, amount, **HTMX)

    html = response.content.decode()
    assert response.status_code == 422 and html.lstrip().startswith('<div id="corrections"')
    assert message in html and 'value="Customer insolvent"' in html  # what was typed stays
    assert not LedgerCorrection.objects.exists()


def test_a_refused_write_off_shows_why_on_the_full_page_without_htmx(client):
    invoice = InvoiceFactory(amount=D("1500.00"))
    client.force_login(manager())

    response = post_write_off(client, invoice, "99999999999")

    html = response.content.decode()
    assert response.status_code == 422 and "<html" in html
    assert "99,999,999,999.00 is more than the 1,500.00 USD open" in html
    invoice.refresh_from_db()
    assert invoice.open_amount == D("1500.00")


def test_a_missing_reason_shows_under_its_field(client):
    invoice = InvoiceFactory(amount=D("1500.00"))
    client.force_login(manager())

    for extra in ({}, HTMX):
        response = post_write_off(client, invoice, "10.00", reason="", **extra)
        assert response.status_code == 422
        assert "Say why it is written off." in response.content.decode()


def test_above_the_threshold_the_page_asks_and_a_second_manager_approves_there(client, ledger_balances):
    invoice = InvoiceFactory(amount=D("5000.00"))
    asker, approver = manager("asker"), manager("approver")
    client.force_login(asker)
    response = post_write_off(client, invoice, "2000.00", **HTMX)
    assert response.status_code == 200 and "It waits for another manager or admin" in response.content.decode()
    correction = LedgerCorrection.objects.get()
    assert correction.status == Status.REQUESTED
    own = client.get(page(invoice.customer)).content.decode()
    assert "You asked for it" in own and reverse("correction_approve", args=[invoice.customer_id, correction.pk]) \
        not in own

    refused = client.post(reverse("correction_approve", args=[invoice.customer_id, correction.pk]),
                          {"reason": "fine"}, **HTMX)
    assert refused.status_code == 422 and "four eyes" in refused.content.decode()

    client.force_login(approver)
    empty = client.post(reverse("correction_approve", args=[invoice.customer_id, correction.pk]), {"reason": ""},
                        **HTMX)
    assert empty.status_code == 422 and "Say why." in empty.content.decode()
    approved = client.post(reverse("correction_approve", args=[invoice.customer_id, correction.pk]),
                           {"reason": "Insolvency confirmed"}, **HTMX)

    assert approved.status_code == 200 and "Approved and done" in approved.content.decode()
    invoice.refresh_from_db()
    assert invoice.open_amount == D("3000.00")
    again = client.post(reverse("correction_approve", args=[invoice.customer_id, correction.pk]),
                        {"reason": "double click"})
    assert again.status_code == 422 and "already approved and executed" in again.content.decode()
    ledger_balances()


def test_a_second_manager_rejects_from_the_page_and_nothing_moves(client, ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=D("3000.00"))
    payment = ledger.payment_receive(customer=customer, external_id="P-9", received_date=timezone.localdate(),
                                     amount="2500.00", currency="USD", applications=[(invoice, D("2500.00"))])
    client.force_login(manager())
    client.post(reverse("correction_reverse_payment", args=[customer.pk]),
                {"payment": payment.pk, "reason": "Keyed twice"})
    correction = LedgerCorrection.objects.get()
    client.force_login(manager())

    response = client.post(reverse("correction_reject", args=[customer.pk, correction.pk]),
                           {"reason": "The bank shows two transfers"})

    assert response.status_code == 302
    correction.refresh_from_db()
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (correction.status, payment.status, invoice.open_amount) == (Status.REJECTED, "posted", D("500.00"))
    assert "The bank shows two transfers" in client.get(page(customer)).content.decode()
    ledger_balances()


def test_a_void_from_the_page(client, ledger_balances):
    invoice = InvoiceFactory(amount=D("700.00"))
    client.force_login(manager())

    response = client.post(reverse("correction_void", args=[invoice.customer_id]),
                           {"invoice": invoice.pk, "reason": "Raised twice"}, **HTMX)

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID
    ledger_balances()


@pytest.mark.parametrize("make_user", [collector, finance, lambda: UserFactory()])
def test_collectors_finance_and_users_without_a_role_get_403_on_the_page_and_every_post(client, make_user):
    invoice = InvoiceFactory(amount=D("5000.00"))
    pending = correction_request(customer=invoice.customer, kind=Kind.WRITE_OFF, invoice=invoice,
                                 amount="2000.00", reason="insolvent", by=manager())
    client.force_login(make_user())
    pk = invoice.customer_id

    assert client.get(page(invoice.customer)).status_code == 403
    assert client.get(reverse("corrections_pending")).status_code == 403
    for name, args, data in [
        ("correction_write_off", [pk], {"invoice": invoice.pk, "amount": "10.00", "reason": "x"}),
        ("correction_void", [pk], {"invoice": invoice.pk, "reason": "x"}),
        ("correction_reverse_payment", [pk], {"payment": 1, "reason": "x"}),
        ("correction_approve", [pk, pending.pk], {"reason": "x"}),
        ("correction_reject", [pk, pending.pk], {"reason": "x"}),
    ]:
        assert client.post(reverse(name, args=args), data).status_code == 403, name
        assert client.post(reverse(name, args=args), data, **HTMX).status_code == 403, name
    pending.refresh_from_db()
    assert pending.status == Status.REQUESTED and LedgerCorrection.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(page(CustomerFactory()))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_only_post_changes_anything(client):
    invoice = InvoiceFactory()
    client.force_login(manager())
    assert client.get(reverse("correction_write_off", args=[invoice.customer_id])).status_code == 405
    assert client.post(page(invoice.customer)).status_code == 405


def test_a_request_of_another_account_is_not_found(client):
    invoice = InvoiceFactory(amount=D("5000.00"))
    pending = correction_request(customer=invoice.customer, kind=Kind.WRITE_OFF, invoice=invoice,
                                 amount="2000.00", reason="insolvent", by=manager())
    client.force_login(manager())
    other = CustomerFactory()
    assert client.post(reverse("correction_approve", args=[other.pk, pending.pk]), {"reason": "x"}).status_code == 404


def test_the_pending_list_shows_the_requests_waiting_across_the_book(client):
    first, second = InvoiceFactory(amount=D("5000.00")), InvoiceFactory(amount=D("8000.00"))
    for invoice in (first, second):
        correction_request(customer=invoice.customer, kind=Kind.WRITE_OFF, invoice=invoice, amount="2000.00",
                           reason="insolvent", by=manager())
    done = correction_request(customer=first.customer, kind=Kind.WRITE_OFF, invoice=first, amount="5.00",
                              reason="rounding", by=manager())
    client.force_login(manager())

    response = client.get(reverse("corrections_pending"))

    assert response.status_code == 200
    assert [c.invoice for c in response.context["pending"]] == [first, second]
    assert done not in response.context["pending"]
    assert reverse("account_corrections", args=[second.customer_id]) in response.content.decode()


def test_the_page_answers_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    customer = CustomerFactory()
    today = timezone.localdate()
    invoices = [InvoiceFactory(customer=customer, amount=D("5000.00"), issue_date=date(2026, 1, 1) + timedelta(n))
                for n in range(40)]
    for n, invoice in enumerate(invoices[:20]):
        ledger.payment_receive(customer=customer, external_id=f"P-{n}", received_date=today, amount="100.00",
                               currency="USD", applications=[(invoice, D("100.00"))])
    managers = [manager() for _ in range(3)]
    for n, invoice in enumerate(invoices):
        correction = correction_request(customer=customer, kind=Kind.WRITE_OFF, invoice=invoice, amount="2000.00",
                                        reason=f"insolvent {n}", by=managers[n % 2])
        if n % 3 == 0:
            correction_approve(correction=correction, by=managers[2], reason="ok")
        elif n % 3 == 1:
            correction_reject(correction=correction, by=managers[2], reason="no")
        correction_request(customer=customer, kind=Kind.WRITE_OFF, invoice=invoice, amount="1.00", reason="cents",
                           by=managers[0])
    assert Activity.objects.filter(customer=customer).count() > 100
    client.force_login(managers[2])

    with django_assert_max_num_queries(9):
        response = client.get(page(customer))
    with django_assert_max_num_queries(9):
        fragment = client.get(page(customer), **HTMX)

    assert response.status_code == fragment.status_code == 200
    assert len(response.context["pending"]) == 13 and len(response.context["history"]) == 50
