"""The sandbox end to end: its checkout and setup pages deliver signed events to our webhook
through the same view (in-process when Celery runs eagerly), and the ledger follows."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from ledger.models import Invoice, Payment
from payments import selectors, services, signals
from payments.models import PaymentRequest, SandboxSession, SavedMethod, WebhookEvent
from payments.tasks import sandbox_tick
from tests.payments.conftest import checkout

S = PaymentRequest.Status


@pytest.fixture
def sandbox(settings):
    settings.PAYMENTS_PROVIDER = "sandbox"


def _page(request) -> str:
    return reverse("payments_sandbox_checkout", args=[request.provider_ref])


def test_the_checkout_page_shows_amount_invoices_methods_and_test_numbers(client, acme_eur, sandbox):
    acme = acme_eur
    request = checkout(acme)
    response = client.get(_page(request))
    page = response.content.decode()
    assert response.status_code == 200
    assert "2500.00" in page and acme.old.external_id in page and acme.new.external_id in page
    assert "4242424242424242" in page and "DE89370400440532013000" in page
    assert "Pay by bank transfer" in page


def test_paying_with_the_test_card_posts_and_returns_to_the_caller(client, acme, sandbox, ledger_balances,
                                                                   django_capture_on_commit_callbacks):
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(request), {"number": "4242 4242 4242 4242"})
    assert response.status_code == 302 and response["Location"] == "/done/"
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED and request.method_kind == "card"
    assert Payment.objects.get(customer=acme.customer).external_id == f"ONL-{request.pk}"
    assert sorted(WebhookEvent.objects.values_list("type", "outcome")) == [
        ("checkout.session.completed", "duplicate"), ("payment_intent.succeeded", "applied")]
    acme.old.refresh_from_db()
    assert acme.old.status == Invoice.Status.PAID
    assert "paid" in client.get(_page(request)).content.decode().lower()  # the closed page says so
    ledger_balances()


def test_a_declined_card_is_told_on_the_page_and_may_retry(client, acme, sandbox, django_capture_on_commit_callbacks):
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(request), {"number": "4000000000000002"})
    assert response.status_code == 422
    assert "Your card was declined." in response.content.decode()
    request.refresh_from_db()
    assert request.status == S.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_page(request), {"number": "4242424242424242"})
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED


def test_an_unknown_number_is_refused_on_the_page(client, acme, sandbox):
    request = checkout(acme)
    response = client.post(_page(request), {"number": "1234"})
    assert response.status_code == 422 and "test numbers" in response.content.decode()


def test_sepa_is_pending_then_clears_by_the_sandbox_clock(client, acme_eur, sandbox, settings, ledger_balances,
                                                         django_capture_on_commit_callbacks):
    acme = acme_eur
    settings.PAYMENTS_SANDBOX_CLEARING_SECONDS = 0
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_page(request), {"number": "DE89370400440532013000"})
    request.refresh_from_db()
    assert request.status == S.PENDING
    assert set(selectors.invoices_payment_pending()) == {acme.old, acme.new}
    with django_capture_on_commit_callbacks(execute=True):
        assert sandbox_tick() == {"expired": 0, "cleared": 1}
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    assert not selectors.invoices_payment_pending().exists()
    ledger_balances()


def test_the_failing_iban_fails_after_pending(client, acme_eur, sandbox, settings, django_capture_on_commit_callbacks):
    acme = acme_eur
    settings.PAYMENTS_SANDBOX_CLEARING_SECONDS = 0
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_page(request), {"number": "DE62370400440532013001"})
    with django_capture_on_commit_callbacks(execute=True):
        sandbox_tick()
    request.refresh_from_db()
    assert request.status == S.FAILED and "AM04" in request.failure_reason
    assert not Payment.objects.exists()


def test_a_bank_transfer_waits_for_the_demo_bank_button(client, acme, sandbox, settings, ledger_balances,
                                                        django_capture_on_commit_callbacks):
    settings.PAYMENTS_SANDBOX_CLEARING_SECONDS = 0
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(request), {"number": "bank_transfer"})
    assert response.status_code == 302 and response["Location"] == _page(request)
    page = client.get(_page(request)).content.decode()
    assert f"ONL-{request.pk}" in page and "The money arrives" in page
    assert sandbox_tick()["cleared"] == 0  # a transfer does not clear by itself
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payments_sandbox_settle", args=[request.provider_ref]),
                               {"outcome": "succeeded"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    ledger_balances()


def test_the_command_settles_refunds_and_charges_back(client, acme, sandbox, ledger_balances,
                                                      django_capture_on_commit_callbacks):
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_page(request), {"number": "bank_transfer"})
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sandbox_payment", request.provider_ref, "succeeded")
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sandbox_payment", f"ONL-{request.pk}", "refund", "--amount", "500.00")
    request.refresh_from_db()
    assert (request.status, request.refunded_amount) == (S.PARTIALLY_REFUNDED, Decimal("500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sandbox_payment", str(request.pk), "dispute")
    request.refresh_from_db()
    assert request.status == S.DISPUTED
    assert not Payment.objects.filter(customer=acme.customer, status=Payment.Status.POSTED).exists()
    ledger_balances()


def test_the_command_refuses_what_cannot_happen(acme, sandbox):
    from django.core.management.base import CommandError

    request = checkout(acme)
    with pytest.raises(CommandError, match="Only a pending payment settles"):
        call_command("sandbox_payment", request.provider_ref, "succeeded")
    with pytest.raises(CommandError, match="No sandbox payment"):
        call_command("sandbox_payment", "cs_nothing", "failed")


def test_an_old_open_checkout_expires(client, acme, sandbox, settings, django_capture_on_commit_callbacks):
    settings.PAYMENTS_CHECKOUT_EXPIRES_MINUTES = 0
    request = checkout(acme)
    with django_capture_on_commit_callbacks(execute=True):
        assert sandbox_tick()["expired"] == 1
    request.refresh_from_db()
    assert request.status == S.EXPIRED
    assert "expired" in client.get(_page(request)).content.decode()
    assert client.post(_page(request), {"number": "4242424242424242"}).status_code == 422


def _save(client, acme, number, django_capture_on_commit_callbacks, kinds=("card",)):
    url = services.setup_start(customer=acme.customer, kinds=list(kinds), success_url="/saved/", cancel_url="/back/")
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, {"number": number})


def test_saving_a_card_sends_method_saved_once(client, acme, sandbox, django_capture_on_commit_callbacks):
    saved = []
    signals.method_saved.connect(lambda sender, method, customer, **kw: saved.append((method.label, customer.pk)),
                                 weak=False, dispatch_uid="test-saved")
    try:
        response = _save(client, acme, "4242424242424242", django_capture_on_commit_callbacks)
    finally:
        signals.method_saved.disconnect(dispatch_uid="test-saved")
    assert response.status_code == 302 and response["Location"] == "/saved/"
    method = SavedMethod.objects.get(customer=acme.customer)
    assert (method.kind, method.label, method.status) == ("card", "Visa •••• 4242", "active")
    assert saved == [("Visa •••• 4242", acme.customer.pk)]
    assert list(selectors.saved_methods(acme.customer)) == [method]


def test_a_declined_card_is_not_saved(client, acme, sandbox, django_capture_on_commit_callbacks):
    response = _save(client, acme, "4000000000000002", django_capture_on_commit_callbacks)
    assert response.status_code == 422 and "declined" in response.content.decode()
    assert not SavedMethod.objects.exists()


def test_an_off_session_charge_happens_once_per_key(client, acme, sandbox, ledger_balances,
                                                    django_capture_on_commit_callbacks):
    _save(client, acme, "4242424242424242", django_capture_on_commit_callbacks)
    method = SavedMethod.objects.get()
    key = f"autopay:{acme.old.pk}:{acme.old.due_date}"
    with django_capture_on_commit_callbacks(execute=True):
        first = services.charge_saved_method(customer=acme.customer, method=method,
                                             lines=[(acme.old, Decimal("1500.00"))], key=key)
        again = services.charge_saved_method(customer=acme.customer, method=method,
                                             lines=[(acme.old, Decimal("1500.00"))], key=key)
    assert first.pk == again.pk and first.status == S.SUCCEEDED
    assert Payment.objects.filter(customer=acme.customer).count() == 1
    event = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert event.outcome == "duplicate"  # the charge's own answer posted it already
    ledger_balances()


def test_an_off_session_charge_with_insufficient_funds_fails(client, acme, sandbox,
                                                             django_capture_on_commit_callbacks):
    _save(client, acme, "4000000000009995", django_capture_on_commit_callbacks)
    method = SavedMethod.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.charge_saved_method(customer=acme.customer, method=method,
                                               lines=[(acme.old, Decimal("1500.00"))], key="autopay:x:1")
    assert request.status == S.FAILED and "insufficient funds" in request.failure_reason
    assert not Payment.objects.exists()


def test_an_off_session_sepa_debit_is_pending_then_clears(client, acme, sandbox, settings, ledger_balances,
                                                          django_capture_on_commit_callbacks):
    settings.PAYMENTS_SANDBOX_CLEARING_SECONDS = 0
    _save(client, acme, "DE89370400440532013000", django_capture_on_commit_callbacks, kinds=("sepa_debit",))
    method = SavedMethod.objects.get()
    assert method.label == "SEPA DE89 •••• 3000"
    with django_capture_on_commit_callbacks(execute=True):
        request = services.charge_saved_method(customer=acme.customer, method=method,
                                               lines=[(acme.new, Decimal("1000.00"))], key="autopay:y:1")
    assert request.status == S.PENDING
    assert list(selectors.invoices_payment_pending()) == [acme.new]
    with django_capture_on_commit_callbacks(execute=True):
        sandbox_tick()
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    ledger_balances()


def test_sandbox_session_refs_are_not_guessable_and_unknown_ones_404(client, acme, sandbox):
    request = checkout(acme)
    assert len(request.provider_ref) > 20
    assert client.get(reverse("payments_sandbox_checkout", args=["cs_sb_guess"])).status_code == 404
    assert SandboxSession.objects.count() == 1


def test_the_sandbox_is_off_when_not_allowed(acme, sandbox, settings):
    settings.PAYMENTS_SANDBOX_ALLOWED = False
    with pytest.raises(services.PaymentError, match="not set up"):
        checkout(acme)
    assert PaymentRequest.objects.get().status == S.CANCELLED
