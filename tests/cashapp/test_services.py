"""Cash application's services on the database: receipts applied at once or sent to review,
confirmed, split, assigned elsewhere, parked, ignored and undone — roles checked in the service,
the ledger clean after each, the payer's account learned for the next receipt."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cashapp.models import CashMatch, PayerAccount, RemittanceAdvice
from cashapp.selectors import figures, match_candidates, worklist
from cashapp.services import CashError, lines_match, match_confirm, match_ignore, match_park, match_undo, remittance_add
from ledger.models import FxRate, Invoice, Payment
from tests.cashapp.receipts import receipt_line, statement
from tests.factories import CustomerFactory, PortfolioFactory, collector, finance, manager, past_due_invoice
from work.models import Dispute, PromiseToPay
from work.services import promise_record

pytestmark = pytest.mark.django_db
Status = CashMatch.Status


@pytest.fixture
def book():
    me = collector("cashm_col")
    acme = CustomerFactory(name="Acme Widgets GmbH", portfolio=PortfolioFactory(collector=me))
    other = CustomerFactory(name="Globex Corporation", portfolio=PortfolioFactory(collector=collector("cashm_other")))
    return {
        "me": me, "boss": manager("cashm_boss"), "acme": acme, "other": other,
        "a": past_due_invoice(acme, "600.00", days=20, external_id="INV0012345"),
        "b": past_due_invoice(acme, "400.00", days=5, external_id="INV0012346"),
        "g": past_due_invoice(other, "750.00", days=12, external_id="INV0099001"),
    }


def matched(line):
    lines_match([line])
    return CashMatch.objects.select_related("payment").get(line=line)


def test_exact_reference_and_amount_is_posted_at_once_on_the_value_date(book, ledger_balances):
    line = receipt_line(amount="600.00", payer="Somebody Else", text="Payment INV0012345", on=timezone.localdate())
    promise = promise_record(customer=book["acme"], amount=Decimal("600.00"), invoices=[book["a"]],
                             pay_by=timezone.localdate() + timedelta(days=3))

    match = matched(line)

    assert match.status == Status.APPLIED and match.auto_applied_at is not None
    assert match.payment.source == Payment.Source.BANK and match.payment.received_date == line.value_date
    assert match.reasons == ["INV0012345 in the remittance text", "amount equal"]
    book["a"].refresh_from_db()
    assert book["a"].status == Invoice.Status.PAID
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT  # money_moved settled it
    ledger_balances()


def test_unsure_receipt_waits_for_review_with_ranked_candidates_and_nothing_posted(book, ledger_balances):
    line = receipt_line(amount="400.00", payer="ACME WIDGETS", text="")  # name + amount, no reference: 90
    weak = receipt_line(amount="750.00", payer="Someone", text="")  # amount alone: a suggestion
    nothing = receipt_line(amount="12.34", payer="Nobody", text="thanks")

    lines_match([line, weak, nothing])

    assert CashMatch.objects.get(line=line).status == Status.APPLIED
    review = CashMatch.objects.get(line=weak)
    assert review.status == Status.TO_REVIEW and review.payment is None
    assert review.candidates[0]["customer"] == book["other"].pk
    assert review.candidates[0]["invoices"] == [[book["g"].pk, "750.00"]]
    assert CashMatch.objects.get(line=nothing).status == Status.UNMATCHED
    assert not Payment.objects.filter(amount__in=[Decimal("750.00"), Decimal("12.34")]).exists()
    ledger_balances()


def test_matching_twice_matches_each_receipt_once(book):
    line = receipt_line(amount="600.00", text="INV0012345")

    first, second = lines_match([line]), lines_match([line])

    assert (first.applied, second.lines) == (1, 0)
    assert Payment.objects.filter(source=Payment.Source.BANK).count() == 1


def test_confirm_posts_the_suggestion_and_learns_the_payer_account(book, ledger_balances):
    line = receipt_line(amount="750.00", payer="G. Corp", counterparty_account="DE02120300000000202051")
    match = matched(line)
    candidate = match_candidates(match)[0]

    match = match_confirm(match=match, customer=candidate.customer, allocations=candidate.allocations, by=book["boss"])

    assert match.status == Status.CONFIRMED and match.decided_by == book["boss"]
    assert PayerAccount.objects.get(counterparty_account="DE02120300000000202051").customer == book["other"]
    book["g"].refresh_from_db()
    assert book["g"].status == Invoice.Status.PAID
    ledger_balances()


def test_a_learned_account_maps_the_next_payment_by_itself(book, ledger_balances):
    account = "GB29NWBK60161331926819"
    first = matched(receipt_line(amount="399.00", payer="A.W. Trading", counterparty_account=account))
    assert first.status != Status.APPLIED
    match_park(match=first, customer=book["acme"], by=book["me"])

    second = matched(receipt_line(amount="600.00", payer="A.W. Trading", counterparty_account=account))

    assert second.status == Status.APPLIED and second.customer == book["acme"]
    assert second.reasons[0] == f"account {account} is Acme Widgets GmbH's"
    ledger_balances()


def test_split_across_invoices_leaves_the_rest_unapplied(book, ledger_balances):
    match = matched(receipt_line(amount="900.00", payer="Unknown"))

    match = match_confirm(match=match, customer=book["acme"],
                          allocations=[(book["a"], Decimal("600.00")), (book["b"], Decimal("250.00"))], by=book["me"])

    assert match.payment.unapplied_amount == Decimal("50.00")
    book["b"].refresh_from_db()
    assert book["b"].open_amount == Decimal("150.00")
    ledger_balances()


def test_assign_a_review_line_to_another_customer(book, ledger_balances):
    match = matched(receipt_line(amount="750.00", payer="Acme Widgets"))  # acme has no 750 invoice
    assert match.status == Status.TO_REVIEW and match.customer == book["acme"]

    match = match_confirm(match=match, customer=book["other"], allocations=[(book["g"], Decimal("750.00"))],
                          by=book["boss"])

    assert match.customer == book["other"] and match.payment.customer == book["other"]
    ledger_balances()


def test_confirm_refuses_what_the_ledger_would_not_hold(book):
    match = matched(receipt_line(amount="100.00", payer="Unknown"))

    with pytest.raises(CashError, match="more than the receipt"):
        match_confirm(match=match, customer=book["acme"], allocations=[(book["a"], Decimal("150.00"))],
                      by=book["boss"])
    with pytest.raises(CashError, match="another account"):
        match_confirm(match=match, customer=book["acme"], allocations=[(book["g"], Decimal("50.00"))],
                      by=book["boss"])
    with pytest.raises(CashError, match="Say which invoices"):
        match_confirm(match=match, customer=book["acme"], allocations=[], by=book["boss"])
    assert not Payment.objects.exists()


def test_park_posts_unapplied_cash_on_the_account(book, ledger_balances):
    match = matched(receipt_line(amount="123.45", payer="Unknown"))

    match = match_park(match=match, customer=book["acme"], by=book["me"])

    assert match.status == Status.PARKED and match.payment.unapplied_amount == Decimal("123.45")
    ledger_balances()


def test_ignore_takes_a_credit_that_is_not_customer_cash_off_the_worklist(book):
    match = matched(receipt_line(amount="5.00", payer="Tax office"))

    match_ignore(match=match, reason="Tax refund", by=book["me"])

    assert CashMatch.objects.get(pk=match.pk).status == Status.IGNORED
    assert not worklist(book["boss"]).filter(pk=match.pk).exists()
    with pytest.raises(CashError, match="Say why"):
        match_ignore(match=matched(receipt_line(amount="6.00", payer="X")), reason=" ", by=book["me"])


def test_undo_reverses_the_payment_and_sends_the_line_back_to_review(book, ledger_balances):
    match = matched(receipt_line(amount="600.00", text="INV0012345"))

    with pytest.raises(PermissionDenied):
        match_undo(match=match, reason="wrong customer", by=book["me"])
    match = match_undo(match=match, reason="It was the sister company's", by=book["boss"])

    assert match.status == Status.TO_REVIEW and match.payment is None and match.was_undone
    reversed_payment = Payment.objects.get(external_id=f"BANK-{match.line_id}")
    assert reversed_payment.status == Payment.Status.REVERSED
    book["a"].refresh_from_db()
    assert book["a"].status == Invoice.Status.OPEN
    assert figures().wrong_matches == 1
    ledger_balances()

    again = match_confirm(match=match, customer=book["acme"], allocations=[(book["a"], Decimal("600.00"))],
                          by=book["boss"])
    assert again.payment.external_id == f"BANK-{match.line_id}-2"
    ledger_balances()


def test_undo_forgets_the_payer_account_it_taught(book):
    account = "FR1420041010050500013M02606"
    match = matched(receipt_line(amount="750.00", payer="x", counterparty_account=account))
    match = match_confirm(match=match, customer=book["other"], allocations=[(book["g"], Decimal("750.00"))],
                          by=book["boss"])

    match_undo(match=match, reason="not theirs", by=book["boss"])

    assert not PayerAccount.objects.filter(counterparty_account=account).exists()


def test_roles_are_checked_in_the_service(book):
    match = matched(receipt_line(amount="750.00", payer="Someone"))

    with pytest.raises(PermissionDenied):
        match_confirm(match=match, customer=book["other"], allocations=[(book["g"], Decimal("750.00"))],
                      by=finance("cashm_fin"))
    with pytest.raises(PermissionDenied, match="not one of your accounts"):
        match_confirm(match=match, customer=book["other"], allocations=[(book["g"], Decimal("750.00"))],
                      by=book["me"])
    with pytest.raises(PermissionDenied):
        match_park(match=match, customer=book["acme"], by=finance("cashm_fin2"))
    assert CashMatch.objects.get(pk=match.pk).status == Status.TO_REVIEW


def test_a_decided_receipt_cannot_be_decided_again(book):
    match = matched(receipt_line(amount="123.00", payer="Unknown"))
    match_park(match=match, customer=book["acme"], by=book["me"])

    with pytest.raises(CashError, match="already parked"):
        match_confirm(match=match, customer=book["acme"], allocations=[(book["a"], Decimal("100.00"))], by=book["me"])


def test_small_short_payment_is_applied_and_proposes_a_write_off(book, ledger_balances):
    from cashapp.deductions import deduction_write_off

    match = matched(receipt_line(amount="595.00", payer="Acme Widgets", text="INV0012345"))

    assert match.status == Status.APPLIED
    assert match.deduction["amount"] == "5.00" and match.deduction["proposal"] == "write_off"
    match = deduction_write_off(match=match, by=book["boss"])
    assert match.deduction["status"] == "written_off"
    book["a"].refresh_from_db()
    assert book["a"].status == Invoice.Status.PAID
    ledger_balances()


def test_larger_short_payment_opens_a_dispute_for_the_collector(book, ledger_balances):
    match = matched(receipt_line(amount="588.00", payer="Acme Widgets", text="INV0012345"))

    dispute = Dispute.objects.get(pk=match.deduction["dispute"])
    assert match.deduction["status"] == "disputed"
    assert dispute.amount == Decimal("12.00") and list(dispute.invoices.all()) == [book["a"]]
    ledger_balances()


def test_a_receipt_in_another_currency_is_posted_in_the_invoices_currency(book, ledger_balances):
    line = receipt_line(amount="500.00", text="INV0012345")
    line.currency = "EUR"
    line.save()
    FxRate.objects.create(currency="EUR", rate_date=line.value_date - timedelta(days=3), rate=Decimal("1.2"))

    match = matched(line)

    assert match.status == Status.APPLIED
    assert (match.payment.amount, match.payment.currency) == (Decimal("600.00"), "USD")
    ledger_balances()


def test_a_remittance_advice_feeds_the_matching_of_its_receipt(book, ledger_balances):
    match = matched(receipt_line(amount="1000.00", payer="Someone"))
    assert match.status == Status.UNMATCHED

    advice = remittance_add(data=b"invoice;amount\nINV0012345;600.00\nINV0012346;400.00\n", filename="advice.csv",
                            by=book["me"], line=match.line)

    assert advice.invoice_refs == ["INV0012345", "INV0012346"]
    match.refresh_from_db()
    assert match.status == Status.APPLIED
    assert "INV0012346" in RemittanceAdvice.objects.get().text
    ledger_balances()


def test_figures_count_automatic_and_wrong_matches(book):
    lines_match([receipt_line(amount="600.00", text="INV0012345"), receipt_line(amount="1.00", payer="Nobody"),
                 receipt_line(amount="750.00", text="INV0099001", of=statement())])
    wrong = CashMatch.objects.get(line__amount=Decimal("750.00"))
    match_undo(match=wrong, reason="test", by=book["boss"])

    numbers = figures()

    assert (numbers.receipts, numbers.auto_applied, numbers.wrong_matches) == (3, 2, 1)
    assert numbers.auto_match_rate == Decimal("66.7") and numbers.wrong_match_rate == Decimal("50.0")


def test_matching_a_statement_reads_the_book_in_a_few_queries(book, django_assert_max_num_queries):
    """Receipts to review or unmatched cost no query each: the book is read once for the batch."""
    of = statement()
    lines = [receipt_line(amount=f"{700 + n}.13", payer=f"Stranger {n}", of=of) for n in range(40)]
    lines += [receipt_line(amount="750.00", payer=f"Someone {n}", of=of) for n in range(20)]

    with django_assert_max_num_queries(12):
        summary = lines_match(lines)

    assert (summary.lines, summary.to_review, summary.unmatched) == (60, 20, 40)


def _applied_statement(customer, lines: int, first: int) -> list:
    of = statement()
    invoices = [past_due_invoice(customer, f"{300 + n}.00", days=10 + n % 20, external_id=f"INV77{n:05d}")
                for n in range(first, first + lines)]
    return [receipt_line(amount=invoice.open_amount, payer="Acme Widgets GmbH", text=invoice.external_id, of=of)
            for invoice in invoices]


def _queries_to_match(lines) -> int:
    with CaptureQueriesContext(connection) as captured:
        summary = lines_match(lines)
    assert summary.applied == len(lines)
    return len(captured.captured_queries)


def test_posting_a_statement_costs_no_query_per_receipt(book, ledger_balances):
    """Receipts posted at once are read, posted and settled in bulk: 55 more receipts add only the
    bulk inserts' extra batches (SQLite's variable limit), not a query per line. (Both above the
    ledger's FEW, so both take its bulk path on PostgreSQL.)"""
    few = _queries_to_match(_applied_statement(book["acme"], 25, first=0))
    many = _queries_to_match(_applied_statement(book["acme"], 80, first=100))

    assert few <= 30  # the book, the lines, the ledger writes, the settlement
    assert many - few <= 3
    assert Payment.objects.filter(source=Payment.Source.BANK).count() == 105
    ledger_balances()


def test_importing_and_matching_a_statement_costs_no_query_per_line(ledger_balances):
    """The whole file: its lines written, the reachable book read, the receipts posted, the matches
    written, in a number of queries that does not grow with the statement (SQLite's IN () batches
    and the ORM's small-batch inserts aside)."""
    from banking.generate import statement_generate
    from cashapp.services import statement_import_and_match
    from tests.cashapp.test_accuracy import realistic_book

    realistic_book(customers=250, seed=12)

    def queries(lines: int, seed: int) -> int:  # statements of other days: one statement id per account and day
        data, _ = statement_generate(None, n_lines=lines, seed=seed, on=timezone.localdate() - timedelta(days=seed))
        with CaptureQueriesContext(connection) as captured:
            counts = statement_import_and_match(data=data, filename=f"queries-{seed}.xml")
        assert counts["applied"] > lines // 2, counts
        return len(captured.captured_queries)

    few, many = queries(100, seed=1), queries(400, seed=2)

    assert few <= 70, (few, many)
    assert many - few <= (0 if connection.vendor == "postgresql" else 20), (few, many)  # SQLite: ~66 rows per INSERT
    ledger_balances()
