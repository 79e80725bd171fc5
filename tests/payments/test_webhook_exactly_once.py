"""Every webhook delivered 3× and in any order posts one payment (both providers, recorded Stripe
event shapes); what cannot be trusted gets 400 and writes nothing; what contradicts the request
is refused and never posted."""

import random
import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from ledger.models import Invoice, Payment
from payments import selectors, signals
from payments.models import PaymentRequest, WebhookEvent
from tests.payments.conftest import checkout
from tests.payments.stripe_events import event_for, post
from work.models import Activity, QueueTask

S = PaymentRequest.Status


def _received(request) -> list[str]:
    return list(WebhookEvent.objects.filter(request=request).values_list("outcome", flat=True))


def _deliver_all(client, provider, events, times=3, seed=0):
    """Each event `times` times, in a shuffled order."""
    deliveries = [event for event in events for _ in range(times)]
    random.Random(seed).shuffle(deliveries)
    return [post(client, provider, event).status_code for event in deliveries]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_paid_checkout_posts_once_whatever_the_replays_and_order(client, acme, provider, seed, ledger_balances,
                                                                   django_capture_on_commit_callbacks):
    request = checkout(acme)
    succeeded = []
    signals.payment_succeeded.connect(lambda sender, request, **kw: succeeded.append(request.pk), weak=False,
                                      dispatch_uid="test-succeeded")
    events = [event_for("checkout.session.completed", request), event_for("payment_intent.succeeded", request)]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            codes = _deliver_all(client, provider, events, seed=seed)
    finally:
        signals.payment_succeeded.disconnect(dispatch_uid="test-succeeded")

    assert codes == [200] * 6
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    payments = Payment.objects.filter(customer=acme.customer)
    assert payments.count() == 1
    payment = payments.get()
    assert (payment.external_id, payment.source, payment.amount) == (f"ONL-{request.pk}", "online", Decimal("2500.00"))
    assert payment.reference == "pi_3QaBcDeFgHiJkLmN0aBcDeFg"
    assert payment.unapplied_amount == 0
    for invoice in (acme.old, acme.new):
        invoice.refresh_from_db()
        assert (invoice.status, invoice.open_amount) == (Invoice.Status.PAID, 0)
    assert sorted(_received(request)) == ["applied", "duplicate"]  # the 4 replays are not even stored
    assert WebhookEvent.objects.count() == 2
    assert succeeded == [request.pk]
    assert Activity.objects.filter(customer=acme.customer, subject__startswith="Paid online").count() == 1
    ledger_balances()


def test_out_of_order_pending_after_succeeded_changes_nothing(client, acme, provider, ledger_balances):
    request = checkout(acme)
    assert post(client, provider, event_for("payment_intent.succeeded", request)).status_code == 200
    for name in ("payment_intent.processing", "checkout.session.completed.unpaid",
                 "checkout.session.async_payment_failed", "checkout.session.expired"):
        for _ in range(3):
            assert post(client, provider, event_for(name, request, event_id=f"evt_{name}_{_}")).status_code == 200
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    assert Payment.objects.filter(customer=acme.customer).count() == 1
    ledger_balances()


def test_pending_pauses_dunning_then_failure_resumes_it(client, acme, provider, ledger_balances):
    request = checkout(acme)
    failed = []
    signals.payment_failed.connect(lambda sender, request, **kw: failed.append(request.pk), weak=False,
                                   dispatch_uid="test-failed")
    try:
        for name in ("checkout.session.completed.unpaid", "payment_intent.processing"):
            for _ in range(3):
                post(client, provider, event_for(name, request))
        request.refresh_from_db()
        assert request.status == S.PENDING
        assert set(selectors.invoices_payment_pending()) == {acme.old, acme.new}
        for _ in range(3):
            post(client, provider, event_for("checkout.session.async_payment_failed", request))
        # the payment intent's own failure for the same debit comes too: nothing more happens
        post(client, provider, event_for("payment_intent.payment_failed", request))
    finally:
        signals.payment_failed.disconnect(dispatch_uid="test-failed")
    request.refresh_from_db()
    assert request.status == S.FAILED
    assert not selectors.invoices_payment_pending().exists()
    assert not Payment.objects.filter(customer=acme.customer).exists()
    ledger_balances()


def test_pending_then_cleared_posts_once(client, acme, provider, ledger_balances):
    request = checkout(acme)
    events = [event_for("checkout.session.completed.unpaid", request), event_for("payment_intent.processing", request),
              event_for("checkout.session.async_payment_succeeded", request),
              event_for("payment_intent.succeeded", request)]
    for event in events:  # in order first: pending, then succeeded
        post(client, provider, event)
    _deliver_all(client, provider, events, seed=5)
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    assert Payment.objects.filter(customer=acme.customer).count() == 1
    assert not selectors.invoices_payment_pending().exists()
    ledger_balances()


def test_a_failed_card_attempt_leaves_the_checkout_open_to_retry(client, acme, provider):
    request = checkout(acme)
    post(client, provider, event_for("payment_intent.payment_failed", request))
    request.refresh_from_db()
    assert request.status == S.OPEN
    assert _received(request) == ["ignored"]


@pytest.mark.parametrize(("change", "why"), [
    ({"amount_total": 249999}, "reports 2499.99"),
    ({"currency": "eur"}, "in EUR"),
])
def test_amount_or_currency_not_the_requests_is_refused(client, acme, provider, change, why, ledger_balances):
    request = checkout(acme)
    for _ in range(3):
        response = post(client, provider, event_for("checkout.session.completed", request, **change))
        assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == S.OPEN
    assert not Payment.objects.exists()
    refused = WebhookEvent.objects.get(request=request)
    assert refused.outcome == "refused" and why in refused.detail
    ledger_balances()


def test_an_event_naming_another_customers_invoices_is_refused(client, acme, provider):
    request = checkout(acme)
    other = checkout_for_other(acme)
    event = event_for("checkout.session.completed", request)
    event["data"]["object"]["metadata"]["invoice_ids"] = ",".join(str(pk) for pk in other)
    post(client, provider, event)
    event = event_for("payment_intent.succeeded", request, event_id="evt_foreign_customer")
    event["data"]["object"]["metadata"]["customer_id"] = "999999"
    post(client, provider, event)
    request.refresh_from_db()
    assert request.status == S.OPEN
    assert sorted(WebhookEvent.objects.values_list("outcome", flat=True)) == ["refused", "refused"]
    assert not Payment.objects.exists()


def checkout_for_other(acme) -> list[int]:
    from tests.factories import CustomerFactory, past_due_invoice

    stranger = CustomerFactory(name="Stranger")
    return [past_due_invoice(stranger, "2500.00", days=20).pk]


def test_an_unknown_checkout_is_refused(client, acme, provider):
    request = checkout(acme)
    event = event_for("checkout.session.completed", request)
    event["data"]["object"]["metadata"]["payment_request"] = "checkout:not-ours"
    event["data"]["object"]["id"] = "cs_test_not_ours"
    assert post(client, provider, event).status_code == 200
    row = WebhookEvent.objects.get()
    assert (row.outcome, row.request) == ("refused", None)
    assert not Payment.objects.exists()


def test_a_checkout_session_that_is_not_the_requests_is_refused(client, acme, provider):
    request = checkout(acme)
    event = event_for("checkout.session.completed", request, id="cs_test_someone_elses")
    post(client, provider, event)
    assert WebhookEvent.objects.get().outcome == "refused"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("tamper", ["signature", "secret", "old", "future_ok_but_body_changed", "missing", "garbage"])
def test_what_cannot_be_trusted_gets_400_and_writes_nothing(client, acme, provider, tamper):
    request = checkout(acme)
    event = event_for("checkout.session.completed", request)
    if tamper == "signature":
        response = client.post(f"/payments/webhooks/{provider}/", data="{}", content_type="application/json",
                               headers={"Stripe-Signature": f"t={int(time.time())},v1=" + "0" * 64})
    elif tamper == "secret":
        response = post(client, provider, event, secret="whsec_someone_else")
    elif tamper == "old":
        response = post(client, provider, event, at=int(time.time()) - 301)
    elif tamper == "future_ok_but_body_changed":
        from tests.payments.stripe_events import signed

        body, header = signed(event)
        response = client.post(f"/payments/webhooks/{provider}/", data=body.replace("250000", "1"),
                               content_type="application/json", headers={"Stripe-Signature": header})
    elif tamper == "missing":
        response = client.post(f"/payments/webhooks/{provider}/", data="{}", content_type="application/json")
    else:
        response = post(client, provider, "not json at all")
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    request.refresh_from_db()
    assert request.status == S.OPEN and not Payment.objects.exists()


def test_an_unknown_provider_gets_400(client, db):
    assert client.post("/payments/webhooks/paypal/", data="{}", content_type="application/json").status_code == 400


def test_a_late_success_after_expiry_is_refused_and_raises_a_task(client, acme, provider, ledger_balances):
    request = checkout(acme)
    post(client, provider, event_for("checkout.session.expired", request))
    request.refresh_from_db()
    assert request.status == S.EXPIRED
    for _ in range(3):
        post(client, provider, event_for("checkout.session.completed", request))
    request.refresh_from_db()
    assert request.status == S.EXPIRED
    assert not Payment.objects.exists()
    assert WebhookEvent.objects.filter(outcome="refused").count() == 1
    assert QueueTask.objects.filter(customer=acme.customer, title__contains="after the request was expired").exists()
    ledger_balances()


def test_two_tabs_the_second_payment_becomes_unapplied_cash(client, acme, provider, ledger_balances):
    first = checkout(acme, lines=[(acme.old, Decimal("1500.00"))])
    second = checkout(acme, lines=[(acme.old, Decimal("1500.00")), (acme.new, Decimal("1000.00"))])
    post(client, provider, event_for("checkout.session.completed", first))
    post(client, provider, event_for("checkout.session.completed", second, event_id="evt_second_tab",
                                     payment_intent="pi_second_tab"))
    second.refresh_from_db()
    assert second.status == S.SUCCEEDED
    assert second.payment.unapplied_amount == Decimal("1500.00")
    acme.old.refresh_from_db()
    acme.new.refresh_from_db()
    assert acme.old.open_amount == 0 and acme.new.open_amount == 0
    task = QueueTask.objects.get(customer=acme.customer, title="Unapplied cash from an online payment")
    assert acme.old.external_id in task.detail
    ledger_balances()


def test_a_third_tab_is_told_the_invoice_is_already_paid(client, acme, provider):
    first = checkout(acme, lines=[(acme.old, Decimal("1500.00"))])
    post(client, provider, event_for("checkout.session.completed", first))
    with pytest.raises(Exception, match=f"{acme.old.external_id} is already paid"):
        checkout(acme, lines=[(acme.old, Decimal("1500.00"))])


def test_partial_then_full_refund_reverses_through_the_ledger(client, acme, provider, ledger_balances):
    request = checkout(acme)
    post(client, provider, event_for("checkout.session.completed", request))
    partial = event_for("charge.refunded", request, amount_refunded=100000)
    for _ in range(3):
        post(client, provider, partial)
    request.refresh_from_db()
    assert (request.status, request.refunded_amount) == (S.PARTIALLY_REFUNDED, Decimal("1000.00"))
    kept = request.payment
    assert kept.amount == Decimal("1500.00") and kept.status == Payment.Status.POSTED
    acme.old.refresh_from_db()
    acme.new.refresh_from_db()
    assert (acme.old.open_amount, acme.new.open_amount) == (0, Decimal("1000.00"))  # oldest kept paid
    ledger_balances()

    full = event_for("charge.refunded", request, amount_refunded=250000, refunded=True, id="ch_full")
    full["id"] = "evt_refund_full"
    _deliver_all(client, provider, [full, partial], seed=3)  # the older partial replayed late: nothing
    request.refresh_from_db()
    assert (request.status, request.refunded_amount) == (S.REFUNDED, Decimal("2500.00"))
    assert not Payment.objects.filter(customer=acme.customer, status=Payment.Status.POSTED).exists()
    acme.old.refresh_from_db()
    assert acme.old.open_amount == Decimal("1500.00")
    assert QueueTask.objects.filter(customer=acme.customer, title__startswith="Online payment refunded").count() == 2
    ledger_balances()


def test_a_chargeback_reverses_and_tells_the_collector(client, acme, provider, ledger_balances):
    request = checkout(acme)
    post(client, provider, event_for("payment_intent.succeeded", request))
    for _ in range(3):
        post(client, provider, event_for("charge.dispute.created", request))
    request.refresh_from_db()
    assert request.status == S.DISPUTED
    assert Payment.objects.get(customer=acme.customer).status == Payment.Status.REVERSED
    task = QueueTask.objects.get(customer=acme.customer, title__startswith="Chargeback")
    assert "fraudulent" in task.title
    acme.old.refresh_from_db()
    assert acme.old.status == Invoice.Status.OPEN
    ledger_balances()


def test_a_refund_for_an_unpaid_request_is_refused(client, acme, provider):
    request = checkout(acme)
    post(client, provider, event_for("charge.refunded", request, amount_refunded=250000))
    assert WebhookEvent.objects.get().outcome == "refused"


def test_check_ledger_command_is_clean_after_a_mixed_day(client, acme, provider):
    request = checkout(acme, lines=[(acme.old, Decimal("1500.00"))])
    post(client, provider, event_for("checkout.session.completed", request))
    post(client, provider, event_for("charge.refunded", request, amount_refunded=50000))
    call_command("check_ledger")
