"""The cash application worklist and receipt pages: who sees which receipts, one-click confirm in
place, split, assign, park and undo with their errors where the user looks, bounded queries, and
the dunning preview leaving paid invoices out."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cashapp.models import CashMatch, PayerAccount
from ledger.models import Invoice, Payment
from reminders.dunning import dunning_plan
from reminders.models import DunningPolicy
from tests.cashapp.receipts import receipt, receipt_line, statement
from tests.factories import CustomerFactory, PortfolioFactory, collector, finance, manager, past_due_invoice
from tests.reminders.factories import account, policy

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def boss():
    return manager("cash_boss")


@pytest.fixture
def mine():
    """A collector, a customer of theirs with two past-due invoices, and another collector's customer."""
    me = collector("cash_col")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=me), name="Müller Maschinenbau")
    other = CustomerFactory(portfolio=PortfolioFactory(collector=collector("cash_other")), name="Other Corp")
    return {"me": me, "customer": customer, "other": other,
            "a": past_due_invoice(customer, "600.00", days=20), "b": past_due_invoice(customer, "400.00", days=5)}


# --- The worklist ------------------------------------------------------------------------------------------

def test_worklist_shows_open_receipts_with_best_candidate_confidence_and_reasons(client, boss, mine):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]], confidence="81.00")
    receipt(customer=None, amount="99.00", payer="UNKNOWN PAYER LTD")
    receipt(customer=mine["customer"], invoices=[mine["b"]], status=CashMatch.Status.IGNORED)
    client.force_login(boss)

    page = client.get(reverse("cash_worklist")).content.decode()

    assert f'id="cash-row-{match.pk}"' in page
    assert "Müller Maschinenbau" in page and mine["a"].external_id in page
    assert "81 %" in page and "in the remittance text" in page and "amount equal" in page
    assert "UNKNOWN PAYER LTD" in page and "No candidate" in page
    assert page.count('class="cash-row') == 2  # the ignored line is not work


def test_collector_sees_own_customers_receipts_and_unmatched_ones_not_other_portfolios(client, mine):
    own = receipt(customer=mine["customer"], invoices=[mine["a"]])
    theirs = receipt(customer=mine["other"], amount="250.00")
    nobody = receipt(customer=None, amount="75.00")
    client.force_login(mine["me"])

    page = client.get(reverse("cash_worklist")).content.decode()

    assert f"cash-row-{own.pk}" in page and f"cash-row-{nobody.pk}" in page
    assert f"cash-row-{theirs.pk}" not in page
    assert client.get(reverse("cash_line", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("cash_line", args=[nobody.pk])).status_code == 200


def test_worklist_filters_by_status_amount_and_payer_and_names_a_refused_filter(client, boss, mine):
    small = receipt(customer=mine["customer"], invoices=[mine["b"]])
    big = receipt(customer=mine["customer"], invoices=[mine["a"]], payer="MUELLER MASCHINENBAU GMBH")
    client.force_login(boss)
    url = reverse("cash_worklist")

    by_amount = client.get(url, {"amount_min": "500"}).content.decode()
    assert f"cash-row-{big.pk}" in by_amount and f"cash-row-{small.pk}" not in by_amount

    refused = client.get(url, {"date_from": "2026-99-01", "amount_max": "x"}, headers=HX)
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "Filter not applied" in body and "Booked from" in body and "Amount up to" in body
    assert f"cash-row-{big.pk}" in body  # the refused filters are left out, the rest still applies


def test_worklist_queries_do_not_grow_with_rows(client, boss, django_assert_max_num_queries):
    of = statement()
    for n in range(40):
        customer = CustomerFactory()
        invoice = past_due_invoice(customer, f"{100 + n}.00", days=10)
        receipt(customer=customer, invoices=[invoice], line=receipt_line(amount=invoice.open_amount, of=of,
                                                                       text=invoice.external_id))
    client.force_login(boss)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cash_worklist"))
    assert response.content.decode().count('class="cash-row') == 40


def test_finance_reads_the_worklist_but_confirms_nothing(client, mine):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]])
    client.force_login(finance("cash_fin"))
    page = client.get(reverse("cash_worklist")).content.decode()
    assert f"cash-row-{match.pk}" in page and reverse("cash_confirm", args=[match.pk]) not in page
    assert client.post(reverse("cash_confirm", args=[match.pk])).status_code == 403
    assert CashMatch.objects.get(pk=match.pk).status == CashMatch.Status.TO_REVIEW


# --- Confirm in place --------------------------------------------------------------------------------------

def test_one_click_confirm_pays_the_invoice_and_updates_the_row_in_place(client, mine, ledger_balances):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]], counterparty_account="DE02120300000000202051")
    client.force_login(mine["me"])

    response = client.post(reverse("cash_confirm", args=[match.pk]), headers=HX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="cash-row-{match.pk}"') and "Confirmed" in body
    assert "applied to Müller Maschinenbau" in body
    match.refresh_from_db()
    assert match.status == CashMatch.Status.CONFIRMED and match.decided_by == mine["me"]
    assert match.payment.source == Payment.Source.BANK
    assert Invoice.objects.get(pk=mine["a"].pk).status == Invoice.Status.PAID
    assert PayerAccount.objects.filter(counterparty_account="DE02120300000000202051",
                                       customer=mine["customer"]).exists()
    ledger_balances()


def test_confirm_of_a_decided_receipt_says_so_in_the_row(client, mine, ledger_balances):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]])
    client.force_login(mine["me"])
    client.post(reverse("cash_confirm", args=[match.pk]), headers=HX)

    again = client.post(reverse("cash_confirm", args=[match.pk]), headers=HX)

    assert again.status_code == 422
    body = again.content.decode()
    assert f'id="cash-row-{match.pk}"' in body and 'role="alert"' in body and "Already decided" in body
    assert Payment.objects.filter(customer=mine["customer"]).count() == 1
    ledger_balances()


def test_confirm_without_javascript_redirects_to_the_list_with_a_message(client, mine):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]])
    client.force_login(mine["me"])
    response = client.post(reverse("cash_confirm", args=[match.pk]), {"back": "status=open"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cash_worklist") + "?status=open"
    assert "applied to Müller Maschinenbau" in response.content.decode()


# --- The receipt page --------------------------------------------------------------------------------------

def test_line_page_ranks_candidates_and_offers_the_customers_open_invoices(client, boss, mine,
                                                                        django_assert_max_num_queries):
    for n in range(25):
        past_due_invoice(mine["customer"], f"{10 + n}.00", days=n)
    match = receipt(customer=mine["customer"], invoices=[mine["a"], mine["b"]], amount="1000.00")
    client.force_login(boss)
    with django_assert_max_num_queries(24):
        page = client.get(reverse("cash_line", args=[match.pk])).content.decode()
    assert 'id="candidate-0"' in page and "Apply to invoices of Müller Maschinenbau" in page
    assert page.count('class="split-amount"') == 27
    assert f'name="amount_{mine["a"].pk}" value="600.00"' in page  # the suggestion fills the split in


def test_split_across_invoices_applies_each_amount_and_leaves_the_rest_unapplied(client, mine, ledger_balances):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]], amount="900.00")
    client.force_login(mine["me"])

    response = client.post(reverse("cash_split", args=[match.pk]), {
        "from": "line", "customer": mine["customer"].pk, f"amount_{mine['a'].pk}": "600.00",
        f"amount_{mine['b'].pk}": "250.00"}, headers={**HX, "HX-Target": "cash-decide"})

    assert response.status_code == 200
    assert "850.00 USD applied to 2 invoices" in response.content.decode()
    assert "50.00 stays on the account as unapplied cash" in response.content.decode()
    a, b = Invoice.objects.get(pk=mine["a"].pk), Invoice.objects.get(pk=mine["b"].pk)
    assert a.open_amount == Decimal("0.00") and b.open_amount == Decimal("150.00")
    match.refresh_from_db()
    assert match.status == CashMatch.Status.CONFIRMED and match.payment.unapplied_amount == Decimal("50.00")
    ledger_balances()


@pytest.mark.parametrize("htmx", [True, False])
def test_split_above_the_receipt_or_an_open_amount_is_refused_in_place(client, mine, htmx):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]], amount="500.00")
    client.force_login(mine["me"])
    url = reverse("cash_split", args=[match.pk])
    headers = {**HX, "HX-Target": "cash-decide"} if htmx else {}

    too_much = client.post(url, {"from": "line", "customer": mine["customer"].pk, f"amount_{mine['a'].pk}": "300.00",
                                 f"amount_{mine['b'].pk}": "300.00"}, headers=headers)
    above_open = client.post(url, {"from": "line", "customer": mine["customer"].pk,
                                   f"amount_{mine['b'].pk}": "450.00"}, headers=headers)

    for response in (too_much, above_open):
        assert response.status_code == 422
        body = response.content.decode()
        assert ("<html" in body) is not htmx  # a fragment for HTMX, the whole page without it
        assert 'class="errorlist' in body
    assert "more than the 500.00 USD received" in too_much.content.decode()
    assert f"{mine['b'].external_id} has only 400.00 USD open" in above_open.content.decode()
    assert not Payment.objects.exists()


def test_assign_to_another_customer_found_by_search(client, boss, mine, ledger_balances):
    third = CustomerFactory(name="Société Générale Lyon")
    invoice = past_due_invoice(third, "300.00", days=8)
    match = receipt(customer=mine["customer"], invoices=[mine["a"]], amount="300.00")
    client.force_login(boss)

    found = client.get(reverse("cash_line", args=[match.pk]), {"customer_q": "générale"},
                       headers={**HX, "HX-Target": "assign-results"}).content.decode()
    assert "Société Générale Lyon" in found and f"?customer={third.pk}" in found
    switched = client.get(reverse("cash_line", args=[match.pk]), {"customer": third.pk}).content.decode()
    assert "Apply to invoices of Société Générale Lyon" in switched
    assert reverse("cash_assign", args=[match.pk]) in switched

    client.post(reverse("cash_assign", args=[match.pk]), {"from": "line", "customer": third.pk,
                                                          f"amount_{invoice.pk}": "300.00"})

    match.refresh_from_db()
    assert match.customer == third and match.status == CashMatch.Status.CONFIRMED
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    assert Invoice.objects.get(pk=mine["a"].pk).open_amount == Decimal("600.00")
    ledger_balances()


def test_park_puts_the_receipt_on_the_account_as_unapplied_cash(client, mine, ledger_balances):
    match = receipt(customer=None, amount="120.00")
    client.force_login(mine["me"])

    response = client.post(reverse("cash_park", args=[match.pk]), {"from": "line", "customer": mine["customer"].pk},
                           headers={**HX, "HX-Target": "cash-decide"})

    assert "parked on Müller Maschinenbau" in response.content.decode()
    match.refresh_from_db()
    assert match.status == CashMatch.Status.PARKED and match.payment.unapplied_amount == Decimal("120.00")
    ledger_balances()


def test_park_without_a_customer_says_so(client, mine):
    match = receipt(customer=None, amount="120.00")
    client.force_login(mine["me"])
    response = client.post(reverse("cash_park", args=[match.pk]), {"from": "line"},
                           headers={**HX, "HX-Target": "cash-decide"})
    assert response.status_code == 422 and "Choose the customer who paid" in response.content.decode()


def test_manager_undoes_a_match_with_a_reason_and_the_invoice_is_open_again(client, boss, mine, ledger_balances):
    match = receipt(customer=mine["customer"], invoices=[mine["a"]])
    client.force_login(mine["me"])
    client.post(reverse("cash_confirm", args=[match.pk]))
    assert client.post(reverse("cash_undo", args=[match.pk]), {"reason": "wrong"}).status_code == 403
    client.force_login(boss)
    url = reverse("cash_undo", args=[match.pk])

    no_reason = client.post(url, {"from": "line"}, headers={**HX, "HX-Target": "cash-decide"})
    assert no_reason.status_code == 422 and "Say why the match is wrong" in no_reason.content.decode()

    client.post(url, {"from": "line", "reason": "Paid by the sister company"})

    match.refresh_from_db()
    assert match.status == CashMatch.Status.TO_REVIEW and match.undo_reason == "Paid by the sister company"
    assert match.payment is None or match.payment.status == Payment.Status.REVERSED
    assert Invoice.objects.get(pk=mine["a"].pk).open_amount == Decimal("600.00")
    ledger_balances()


# --- The dunning preview -----------------------------------------------------------------------------------

def test_dunning_preview_leaves_out_invoices_paid_from_the_worklist(client, boss):
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    customer = account(name="Dunned Ltd")
    today = timezone.localdate()
    late = Invoice.objects.create(customer=customer, external_id="INV0099001", issue_date=today - timedelta(days=35),
                                  due_date=today - timedelta(days=4), amount=Decimal("700.00"),
                                  open_amount=Decimal("700.00"), currency="USD")
    planned = {line.invoice_id for lines in dunning_plan(today).emails.values() for line in lines}
    assert late.pk in planned
    match = receipt(customer=customer, invoices=[late])
    client.force_login(boss)
    assert "<td>Dunned Ltd</td>" in client.get(reverse("dunning")).content.decode()

    client.post(reverse("cash_confirm", args=[match.pk]))

    planned = {line.invoice_id for lines in dunning_plan(today).emails.values() for line in lines}
    assert late.pk not in planned
    assert "<td>Dunned Ltd</td>" not in client.get(reverse("dunning")).content.decode()
