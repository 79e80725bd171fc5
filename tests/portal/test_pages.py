from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ledger.models import Invoice
from ledger.services import payment_receive
from portal.links import portal_token_for
from portal.models import PortalFeedback, PortalRequest
from tests.portal.factories import account, credit
from work.models import Activity, Dispute, PromiseToPay, QueueTask
from work.timeline import timeline_for

pytestmark = pytest.mark.django_db
TODAY = date.today()


def url(name, token, *args):
    return reverse(name, args=[token, *args])


@pytest.fixture
def customer():
    return account(invoices=3)


@pytest.fixture
def token(customer):
    return portal_token_for(customer)


def test_home_shows_open_invoices_balance_aging_credits_and_recently_paid(client, customer, token):
    paid = customer.invoices.order_by("pk").last()
    payment_receive(customer=customer, external_id="P1", received_date=TODAY, amount=paid.amount, currency="USD",
                    applications=[(paid, paid.amount)])
    credit(customer, Decimal("150.00"))
    response = client.get(url("portal_home", token))
    assert response.status_code == 200
    body = response.content.decode()
    open_total = sum(i.open_amount for i in customer.invoices.filter(status=Invoice.Status.OPEN))
    assert f"{open_total:,.2f}" in body
    assert "1–30 days" in body and "Current" in body
    assert f"{customer.external_id}-CN" in body and "150.00" in body
    assert 'id="recently-paid"' in body and paid.external_id in body
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_home_query_count_is_bounded_for_a_big_family(client, django_assert_max_num_queries):
    parent = account(invoices=10)
    for _ in range(4):
        child = account(invoices=10, parent=parent)
        credit(child)
    token = portal_token_for(parent, family=True)
    for invoice in Invoice.objects.filter(customer__parent=parent)[:5]:
        client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "pricing", "message": "Wrong price"})
    # A constant whatever the family's size; the first visit also records the access row. (+2: the
    # payment plans shown and the dunning policy that says whether the customer may set one up.)
    # --- windows --- +1: the language of the contact the reminders go to (portal.language).
    with django_assert_max_num_queries(27):
        response = client.get(url("portal_home", token))
    assert response.status_code == 200
    assert response.content.decode().count('id="invoice-') == 50


def test_visit_is_logged_once_per_half_hour(client, customer, token):
    client.get(url("portal_home", token))
    client.get(url("portal_home", token))
    visits = Activity.objects.filter(customer=customer, kind=Activity.Kind.PORTAL_VISIT)
    assert visits.count() == 1
    assert visits.get().subject == "Opened the customer portal"


def test_invoice_copy_is_a_pdf_of_that_invoice(client, customer, token):
    invoice = customer.invoices.first()
    response = client.get(url("portal_invoice_pdf", token, invoice.pk))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(__import__("io").BytesIO(response.content)).pages[0].extract_text()
    assert invoice.external_id in text and customer.name in text


def test_statement_page_says_none_yet_without_statements(client, token):
    response = client.get(url("portal_statement", token))
    assert response.status_code == 404
    assert "No statement yet" in response.content.decode()


def test_dispute_lands_on_timeline_and_queue_and_shows_its_state(client, customer, token):
    invoice = customer.invoices.first()
    response = client.post(url("portal_dispute", token, invoice.pk),
                           {"root_cause": "damaged", "message": "Half the boxes were crushed", "amount": "400.00"})
    assert response.status_code == 302
    dispute = Dispute.objects.get(customer=customer)
    assert (dispute.source, dispute.root_cause, dispute.amount) == ("portal", "damaged", Decimal("400.00"))
    assert list(dispute.invoices.all()) == [invoice]
    task = QueueTask.objects.get(customer=customer, kind=QueueTask.Kind.PORTAL_DISPUTE)
    assert invoice.external_id in task.title and task.status == QueueTask.Status.OPEN
    activity = Activity.objects.get(customer=customer, outcome=Activity.Outcome.DISPUTED)
    assert activity.kind == Activity.Kind.PORTAL_VISIT
    kinds = {entry.kind for entry in timeline_for(customer)}
    assert {"activity", "dispute"} <= kinds
    page = client.get(response["Location"]).content.decode()
    assert "Your dispute is recorded" in page and "In dispute" in page and "Damaged goods" in page


def test_dispute_of_the_whole_open_amount_by_default(client, customer, token):
    invoice = customer.invoices.first()
    client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "pricing", "message": "Price is wrong"})
    assert Dispute.objects.get().amount == invoice.open_amount


@pytest.mark.parametrize("data, error", [
    ({"root_cause": "pricing", "message": "x", "amount": "-5"}, "greater than or equal to 0.01"),
    ({"root_cause": "pricing", "message": "x", "amount": "999999999999999999"}, "digits"),
    ({"root_cause": "pricing", "message": "x", "amount": "5000.00"}, "is open on this invoice"),
    ({"root_cause": "made_up", "message": "x"}, "Select a valid choice"),
    ({"root_cause": "pricing", "message": ""}, "This field is required"),
])
def test_dispute_form_refuses_bad_input(client, customer, token, data, error):
    response = client.post(url("portal_dispute", token, customer.invoices.first().pk), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Dispute.objects.exists() and not QueueTask.objects.exists()


def test_invoice_cannot_be_disputed_twice(client, customer, token):
    invoice = customer.invoices.first()
    client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "pricing", "message": "a"})
    response = client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "pricing", "message": "b"})
    assert response.status_code == 400 and Dispute.objects.count() == 1


def test_promise_lands_on_timeline_and_queue(client, customer, token):
    invoices = list(customer.invoices.order_by("pk")[:2])
    pay_by = TODAY + timedelta(days=10)
    response = client.post(url("portal_promise", token), {
        "invoices": [i.pk for i in invoices], "pay_by": pay_by.isoformat(), "amount": "1500.00", "note": "ACH run",
    })
    assert response.status_code == 302
    promise = PromiseToPay.objects.get(customer=customer)
    assert (promise.source, promise.amount, promise.pay_by) == ("portal", Decimal("1500.00"), pay_by)
    assert set(promise.invoices.all()) == set(invoices)
    assert promise.activity.kind == Activity.Kind.PORTAL_VISIT
    assert QueueTask.objects.filter(customer=customer, kind=QueueTask.Kind.PORTAL_PROMISE).count() == 1
    assert "promise" in {entry.kind for entry in timeline_for(customer)}
    page = client.get(response["Location"]).content.decode()
    assert "Your payment promise is recorded" in page and "Payment promised" in page


def test_promise_form_preselects_the_invoice_from_the_link(client, customer, token):
    invoice = customer.invoices.first()
    body = client.get(url("portal_promise", token) + f"?invoice={invoice.pk}").content.decode()
    assert f'value="{invoice.pk}"' in body and "checked" in body


@pytest.mark.parametrize("change, error", [
    ({"pay_by": (TODAY - timedelta(days=1)).isoformat()}, "cannot be in the past"),
    ({"pay_by": (TODAY + timedelta(days=400)).isoformat()}, "within 120 days"),
    ({"amount": "0"}, "greater than or equal to 0.01"),
    ({"amount": "-100"}, "greater than or equal to 0.01"),
    ({"amount": "1e30"}, "digits"),
    ({"amount": "5000.00"}, "have 1,000.00 USD open"),
    ({"invoices": []}, "This field is required"),
])
def test_promise_form_refuses_bad_input(client, customer, token, change, error):
    data = {"invoices": [customer.invoices.first().pk], "pay_by": (TODAY + timedelta(days=5)).isoformat(),
            "amount": "100.00", **change}
    response = client.post(url("portal_promise", token), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not PromiseToPay.objects.exists()


def test_credit_request_is_recorded_and_moves_no_money(client, customer, token, ledger_balances):
    note = credit(customer, Decimal("150.00"))
    invoice = customer.invoices.first()
    response = client.post(url("portal_credit_apply", token, note.pk),
                           {"invoices": [invoice.pk], "amount": "150.00", "message": "Please use our credit"})
    assert response.status_code == 302
    request = PortalRequest.objects.get(customer=customer, kind=PortalRequest.Kind.APPLY_CREDIT)
    assert request.credit_note == note and request.amount == Decimal("150.00")
    assert request.queue_task.kind == QueueTask.Kind.PORTAL_REQUEST
    note.refresh_from_db()
    invoice.refresh_from_db()
    assert note.unapplied_amount == Decimal("150.00") and invoice.open_amount == invoice.amount
    ledger_balances()


def test_credit_request_cannot_ask_for_more_than_the_credit(client, customer, token):
    note = credit(customer, Decimal("150.00"))
    response = client.post(url("portal_credit_apply", token, note.pk),
                           {"invoices": [customer.invoices.first().pk], "amount": "150.01"})
    assert response.status_code == 400 and "left on this credit" in response.content.decode()
    assert not PortalRequest.objects.exists()


def test_autopay_and_contact_requests_are_recorded(client, customer, token):
    assert client.post(url("portal_autopay", token), {"account": customer.pk, "email": "ap@buyer.example",
                                                       "confirm": "on"}).status_code == 302
    assert client.post(url("portal_contact", token), {"account": customer.pk, "contact_name": "Pat Payable",
                                                       "email": "pat@buyer.example"}).status_code == 302
    kinds = set(PortalRequest.objects.filter(customer=customer).values_list("kind", flat=True))
    assert kinds == {PortalRequest.Kind.AUTOPAY, PortalRequest.Kind.AP_CONTACT}
    assert QueueTask.objects.filter(customer=customer, kind=QueueTask.Kind.PORTAL_REQUEST).count() == 2
    assert Activity.objects.filter(customer=customer, subject__startswith="Portal request").count() == 2
    page = client.get(url("portal_home", token)).content.decode()
    assert "pat@buyer.example" in page and "Received" in page


def test_contact_request_refuses_a_bad_email(client, customer, token):
    response = client.post(url("portal_contact", token), {"account": customer.pk, "contact_name": "X",
                                                          "email": "not-an-email"})
    assert response.status_code == 400 and not PortalRequest.objects.exists()


def test_feedback_is_recorded(client, customer, token):
    assert client.post(url("portal_feedback", token), {"score": "2", "comment": "Too many emails"}).status_code == 302
    feedback = PortalFeedback.objects.get(customer=customer)
    assert (feedback.score, feedback.comment) == (2, "Too many emails")
    assert QueueTask.objects.filter(customer=customer, title="Portal feedback: 2/5").exists()
    assert client.post(url("portal_feedback", token), {"score": "9"}).status_code == 400


def test_family_link_requests_go_to_the_account_chosen(client):
    parent = account(invoices=1)
    child = account(invoices=1, parent=parent)
    token = portal_token_for(parent, family=True)
    client.post(url("portal_autopay", token), {"account": child.pk, "email": "ap@child.example", "confirm": "on"})
    assert PortalRequest.objects.get().customer == child
    invoice = child.invoices.get()
    client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "tax", "message": "VAT"})
    assert Dispute.objects.get().customer == child
    assert QueueTask.objects.filter(customer=child).count() == 2


def test_promise_across_two_accounts_of_a_family_is_refused(client):
    parent = account(invoices=1)
    child = account(invoices=1, parent=parent)
    token = portal_token_for(parent, family=True)
    response = client.post(url("portal_promise", token), {
        "invoices": [parent.invoices.get().pk, child.invoices.get().pk],
        "pay_by": (TODAY + timedelta(days=3)).isoformat(), "amount": "10.00",
    })
    assert response.status_code == 400 and "one account at a time" in response.content.decode()


def test_htmx_post_returns_the_form_fragment_or_a_client_redirect(client, customer, token):
    invoice = customer.invoices.first()
    bad = client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "pricing"}, HTTP_HX_REQUEST="true")
    body = bad.content.decode()
    assert bad.status_code == 200 and body.lstrip().startswith('<form id="portal-form"') and "<html" not in body
    assert "This field is required" in body and not Dispute.objects.exists()
    good = client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "pricing", "message": "x"},
                       HTTP_HX_REQUEST="true")
    assert good["HX-Redirect"].startswith(url("portal_home", token) + "?done=dispute")


def test_latest_statement_from_the_reminders_app_is_served(client, customer, token, settings, tmp_path):
    from django.core.files.base import ContentFile

    from reminders.models import Statement

    settings.MEDIA_ROOT = tmp_path
    for month, content in ((date(2026, 9, 1), b"%PDF-1.4 september"), (date(2026, 10, 1), b"%PDF-1.4 october")):
        statement = Statement(customer=customer, month=month, as_of=month, total_open=Decimal("10.00"))
        statement.pdf.save(f"statement-{month:%Y-%m}.pdf", ContentFile(content))
    assert "Latest statement (PDF)" in client.get(url("portal_home", token)).content.decode()
    response = client.get(url("portal_statement", token))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.4 october"


def test_another_customers_statement_is_never_served(client, token, settings, tmp_path):
    from django.core.files.base import ContentFile

    from reminders.models import Statement

    settings.MEDIA_ROOT = tmp_path
    other = account(invoices=1)
    statement = Statement(customer=other, month=date(2026, 10, 1), as_of=date(2026, 10, 31), total_open=Decimal("1"))
    statement.pdf.save("theirs.pdf", ContentFile(b"%PDF-1.4 theirs"))
    assert client.get(url("portal_statement", token)).status_code == 404


def test_form_pages_query_count_is_bounded(client, django_assert_max_num_queries):
    customer = account(invoices=40)
    note = credit(customer)
    token = portal_token_for(customer)
    invoice = customer.invoices.first()
    for page in (url("portal_promise", token), url("portal_credit_apply", token, note.pk),
                 url("portal_dispute", token, invoice.pk), url("portal_autopay", token),
                 url("portal_contact", token), url("portal_feedback", token)):
        with django_assert_max_num_queries(6):
            response = client.get(page)
        assert response.status_code == 200, page
    assert client.get(url("portal_promise", token)).content.decode().count('name="invoices"') == 40


def test_essentials_work_without_javascript(client, customer, token):
    """Every action is a plain form with a real action URL; the page needs no script to submit."""
    home = client.get(url("portal_home", token)).content.decode()
    for name in ("portal_promise", "portal_autopay_setup", "portal_contact", "portal_feedback"):
        assert f'href="{url(name, token)}' in home
    form = client.get(url("portal_feedback", token)).content.decode()
    assert f'method="post" action="{url("portal_feedback", token)}"' in form
