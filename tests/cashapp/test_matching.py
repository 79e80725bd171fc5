"""The matching engine on plain values: references with typos, amounts and combinations, payers by
account and by name, families, short and over payments, other currencies, ambiguity."""

from datetime import date
from decimal import Decimal

import pytest

from cashapp.matching.amounts import combination
from cashapp.matching.book import Book, Rates
from cashapp.matching.engine import receipt_match
from cashapp.matching.facts import MatchRules, OpenInvoice, Payer, Receipt
from cashapp.matching.payers import name_key
from cashapp.matching.references import digits_key, references_in

D = Decimal
DUE = date(2026, 10, 1)


def invoice(pk, number, customer, amount, currency="USD", due=DUE, po=""):
    return OpenInvoice(pk, number, customer, D(amount), currency, due, po)


def book(invoices, payers=None, accounts=None, rates=None, **rules):
    payers = payers or [Payer(10, "Acme Widgets GmbH", 10), Payer(11, "Müller & Söhne AG", 11),
                        Payer(12, "Globex Ltd", 12)]
    return Book(invoices=invoices, payers=payers, accounts=accounts or {}, rates=Rates(rates or {}, "USD"),
                rules=MatchRules(**rules))


def best(the_book, amount, text="", name="", account="", currency="USD"):
    texts = (("remittance text", text),) if text else ()
    proposals = receipt_match(Receipt(key=1, amount=D(amount), currency=currency, value_date=date(2026, 11, 3),
                                      counterparty_name=name, counterparty_account=account, texts=texts), the_book)
    return proposals[0] if proposals else None


@pytest.fixture
def acme():
    return book([invoice(1, "INV0012345", 10, "100.00"), invoice(2, "INV0012346", 10, "250.00", due=date(2026, 10, 5)),
                 invoice(3, "INV0077001", 11, "400.00", po="PO-778812"), invoice(4, "INV0088001", 12, "80.00")])


@pytest.mark.parametrize("written", ["INV0012345", "inv 0012 345", "INV-0012345", "12345", "INV0O12345"])
def test_invoice_number_as_written_or_without_prefix_spaces_and_zeros_is_found(acme, written):
    proposal = best(acme, "100.00", f"Payment {written} thank you")

    assert proposal.allocations == [(1, D("100.00"))]
    assert proposal.confidence >= 85
    assert "amount equal" in proposal.reasons


def test_exact_reference_and_equal_amount_is_sure_enough_to_apply_with_readable_reasons(acme):
    proposal = best(acme, "100.00", "INV0012345")

    assert proposal.confidence >= 90
    assert proposal.reasons == ["INV0012345 in the remittance text", "amount equal"]


def test_transposed_digits_are_found_in_the_whole_book_but_need_the_payer_to_be_sure(acme):
    alone = best(acme, "100.00", "INV0012354")
    named = best(acme, "100.00", "INV0012354", name="ACME WIDGETS")

    assert alone.allocations == named.allocations == [(1, D("100.00"))]
    assert "with two digits swapped" in alone.reasons[0]
    assert alone.confidence < 90 <= named.confidence


def test_one_wrong_digit_is_searched_among_the_payers_invoices(acme):
    proposal = best(acme, "100.00", "INV0012845", name="Acme Widgets")

    assert proposal.allocations == [(1, D("100.00"))]
    assert any("one digit off" in r for r in proposal.reasons)


def test_a_wrong_digit_from_an_unknown_payer_is_not_searched_across_the_book(acme):
    assert best(acme, "77.00", "INV0012845") is None


def test_po_number_names_the_invoice(acme):
    proposal = best(acme, "400.00", "our order PO-778812")

    assert proposal.customer_id == 11 and proposal.allocations == [(3, D("400.00"))]
    assert any("PO" in r for r in proposal.reasons)


def test_rf_creditor_reference_carries_the_invoice_number(acme):
    assert best(acme, "100.00", "RF18INV0012345").allocations == [(1, D("100.00"))]


def test_learned_account_and_unique_amount_apply_without_any_reference(acme):
    the_book = book(acme.invoices.values(), accounts={"DE44500105175407324931": 12})
    proposal = best(the_book, "80.00", account="DE44500105175407324931")

    assert proposal.customer_id == 12 and proposal.allocations == [(4, D("80.00"))]
    assert proposal.confidence >= 90
    assert proposal.reasons[0] == "account DE44500105175407324931 is Globex Ltd's"


def test_payer_name_is_fuzzy_accents_and_legal_forms_aside():
    assert name_key("Müller & Söhne GmbH") == name_key("MULLER SOHNE") == "muller sohne"
    assert name_key("ACME, Ltd.") == "acme"


def test_combination_of_one_customers_invoices_pays_the_amount(acme):
    proposal = best(acme, "350.00", name="Acme Widgets GmbH")

    assert sorted(proposal.allocations) == [(1, D("100.00")), (2, D("250.00"))]
    assert proposal.confidence >= 90


def test_combination_search_is_bounded_and_reports_ambiguity():
    invoices = [invoice(i, f"X{i}", 10, amount) for i, amount in enumerate(["10.00", "20.00", "30.00", "40.00"], 1)]

    found = combination(invoices, D("50.00"), max_invoices=2)
    assert found is not None and not found.unique  # 10+40 and 20+30
    assert combination(invoices, D("100.00"), max_invoices=3) is None  # needs all four
    assert combination(invoices, D("100.00"), max_invoices=4).unique


def test_amount_alone_from_an_unknown_payer_is_only_a_suggestion(acme):
    proposal = best(acme, "400.00")

    assert proposal.allocations == [(3, D("400.00"))]
    assert proposal.confidence <= 60


def test_two_equally_likely_customers_are_never_applied_automatically():
    the_book = book([invoice(1, "A0000001", 10, "100.00"), invoice(2, "B0000002", 11, "100.00")])

    proposal = best(the_book, "100.00")

    assert proposal.confidence < 90
    assert any("nearly as likely" in r for r in proposal.reasons)


def test_short_payment_within_tolerance_pays_and_proposes_the_difference(acme):
    small = best(acme, "98.00", "INV0012345", name="Acme Widgets")
    larger = best(book([invoice(1, "INV0012345", 10, "1500.00")]), "1480.00", "INV0012345", name="Acme Widgets")

    assert small.allocations == [(1, D("98.00"))]
    assert small.deduction.amount == D("2.00") and small.deduction.proposal == "write_off"
    assert larger.deduction.amount == D("20.00") and larger.deduction.proposal == "dispute"
    assert small.confidence >= 90


def test_short_payment_beyond_tolerance_is_a_partial_payment_for_review(acme):
    proposal = best(acme, "60.00", "INV0012345", name="Acme Widgets")

    assert proposal.allocations == [(1, D("60.00"))] and proposal.deduction is None
    assert proposal.confidence < 90


def test_overpayment_applies_the_invoices_and_leaves_the_rest_unapplied(acme):
    proposal = best(acme, "130.00", "INV0012345", name="Acme Widgets")

    assert proposal.allocations == [(1, D("100.00"))]
    assert proposal.unapplied == D("30.00")


def test_a_parent_paying_its_childs_invoice_is_matched_through_the_family():
    payers = [Payer(20, "Holding AG", 20), Payer(21, "Holding Subsidiary Ltd", 20)]
    the_book = book([invoice(1, "INV0000777", 21, "500.00")], payers=payers, accounts={"CH9300762011623852957": 20})

    proposal = best(the_book, "500.00", account="CH9300762011623852957")

    assert proposal.customer_id == 20 and proposal.allocations == [(1, D("500.00"))]
    assert "invoices of the same account family" in proposal.reasons


def test_receipt_in_another_currency_is_converted_at_the_value_date():
    rates = {"EUR": [(date(2026, 11, 1), D("1.10000000"))]}
    the_book = book([invoice(1, "INV0012345", 10, "110.00")], rates=rates)

    proposal = best(the_book, "100.00", "INV0012345", currency="EUR")

    assert proposal.currency == "USD" and proposal.amount == D("110.00")
    assert proposal.allocations == [(1, D("110.00"))]
    assert proposal.reasons[0].startswith("100.00 EUR is 110.00 USD")


def test_settled_invoices_are_off_the_book_for_the_next_receipt(acme):
    first = best(acme, "100.00", "INV0012345")
    acme.settle(first.allocations)

    assert best(acme, "100.00", "INV0012345") is None


def test_reference_tokens_skip_short_numbers_and_read_rf_references():
    refs = references_in([("remittance text", "Qty 12 on 2026 for INV-00042 RF18INV0099")])

    assert {r.compact for r in refs} >= {"INV00042", "INV0099"}
    assert digits_key("INV-0012345") == digits_key("12345") == "12345"


def test_the_rest_fitting_several_other_invoices_is_for_a_person_to_pick():
    the_book = book([invoice(1, "INV0000001", 10, "500.00"), invoice(2, "INV0000002", 10, "99.00"),
                     invoice(3, "INV0000003", 10, "99.00", due=date(2026, 10, 9))])

    proposal = best(the_book, "599.00", "INV0000001 and others", name="Acme Widgets GmbH")

    assert proposal.allocations == [(1, D("500.00")), (2, D("99.00"))]
    assert proposal.confidence < 90 and "other invoices fit too" in proposal.reasons[-1]


def test_a_receipt_naming_an_invoice_paid_earlier_in_the_run_waits_for_review(acme):
    acme.settle([(1, D("100.00"))])

    proposal = best(acme, "250.00", "INV0012345", name="Acme Widgets GmbH")  # 250.00 fits INV0012346

    assert proposal.allocations == [(2, D("250.00"))]
    assert proposal.confidence < 90 and proposal.reasons[-1] == "INV0012345 named but already paid"


def test_an_index_of_only_what_the_receipts_name_proposes_exactly_what_the_whole_book_index_does():
    """book_load indexes only the invoice and PO numbers the statement's references can reach: as
    written, by PO, by digits and transposed, and one digit off (searched among the payer's)."""
    invoices = [invoice(1, "INV0012345", 10, "100.00"), invoice(2, "INV0012346", 10, "250.00"),
                invoice(3, "INV0077001", 11, "400.00", po="PO-778812"), invoice(4, "INV0088001", 12, "80.00"),
                invoice(5, "INV0012354", 12, "75.00"), invoice(6, "INV0099999", 11, "60.00")]
    receipts = [Receipt(key=n, amount=D(amount), currency="USD", value_date=date(2026, 11, 3), counterparty_name=name,
                        texts=(("remittance text", text),))
                for n, (amount, text, name) in enumerate([
                    ("100.00", "INV0012345", ""), ("100.00", "inv 12345", ""), ("250.00", "INV0012364", "Acme Widgets"),
                    ("400.00", "PO 778812", ""), ("75.00", "INV0012345 INV0012354", "Globex"),
                    ("60.00", "INV0099998", "Müller und Söhne"), ("80.00", "88001", ""), ("12.00", "nothing", "")])]
    whole = book([invoice(i.id, i.number, i.customer_id, i.open_amount, po=i.po_number) for i in invoices])
    named = Book(invoices=invoices, payers=whole.payers.payers.values(), accounts={}, rates=Rates({}, "USD"),
                 rules=MatchRules(), references=[ref for r in receipts for ref in references_in(r.texts)])

    assert sum(map(len, named.references.by_compact.values())) < len(invoices)  # not every number indexed
    assert sum(bool(receipt_match(r, whole)) for r in receipts) >= 6
    for receipt in receipts:
        assert receipt_match(receipt, named) == receipt_match(receipt, whole)
