"""The book a statement's receipts can reach (`cashapp.matching.load`): read with indexed queries on
the invoices' reference keys, its proposals are exactly those of the whole open book."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rapidfuzz import fuzz, process

from banking.generate import statement_generate
from banking.ingest import statement_import
from banking.models import BankLine
from cashapp.matching.book import Book
from cashapp.matching.engine import receipt_match
from cashapp.matching.facts import Payer, Receipt
from cashapp.matching.load import book_load, invoices_of, open_invoices, payer_names, rates_load
from cashapp.matching.payers import NAME_CUTOFF, PayerIndex, name_key
from cashapp.services import receipt_of
from devtools.benchmarks.cashapp import payer_accounts_teach
from ledger.models import UNKEYED, Customer, Invoice
from tests.cashapp.test_accuracy import realistic_book
from tests.factories import CustomerFactory, past_due_invoice

pytestmark = pytest.mark.django_db


def _receipts(lines: int = 500, seed: int = 4) -> list:
    data, _ = statement_generate(None, n_lines=lines, seed=seed, days=3)
    statement_import(data=data, filename=f"load-{seed}.xml")
    return [receipt_of(line) for line in BankLine.objects.filter(kind=BankLine.Kind.RECEIPT).order_by("pk")]


def _receipt(amount: str, text: str, payer: str = "Somebody Else") -> Receipt:
    return Receipt(key=text, amount=Decimal(amount), currency="USD", counterparty_name=payer,
                   value_date=timezone.localdate() - timedelta(days=1), texts=(("remittance text", text),))


def _whole_book(book: Book) -> Book:
    """Every open invoice of the book, every number indexed: what the matching read before."""
    invoices = invoices_of(open_invoices())
    payers = [Payer(id=i, name=n, family_head_id=p or i) for i, n, p in Customer.objects.values_list(
        "id", "name", "family_top_id")]
    currencies = {i.currency for i in invoices} | {"USD", "EUR"}
    return Book(invoices=invoices, payers=payers, accounts=book.payers.accounts, rules=book.rules,
                rates=rates_load(currencies, book.rules.base_currency))


def _proposals(receipts: list, book: Book) -> list:
    """Each receipt's proposals in turn, the sure ones taken off the book as a run does."""
    found = []
    for receipt in receipts:
        proposals = receipt_match(receipt, book)
        if proposals and proposals[0].confidence >= book.rules.auto_apply and proposals[0].allocations:
            book.settle(proposals[0].allocations)
        found.append(proposals)
    return found


def test_the_invoices_the_receipts_reach_propose_exactly_what_the_whole_open_book_does():
    realistic_book(customers=300, seed=7)
    payer_accounts_teach(share=0.5, seed=3)
    receipts = _receipts()
    reached = book_load(receipts)
    whole = _whole_book(reached)

    assert len(reached.invoices) < len(whole.invoices)
    assert _proposals(receipts, reached) == _proposals(receipts, whole)
    assert sum(bool(p) for p in _proposals(receipts, book_load(receipts))) > 0.9 * len(receipts)


def test_invoices_no_writer_keyed_are_keyed_as_they_are_read():
    """A row written by something that bypassed the ORM (NULL keys) is still found by its number or PO."""
    realistic_book(customers=60, seed=8)
    acme = CustomerFactory(name="Acme Widgets")
    by_number = past_due_invoice(acme, "100.00", days=10, external_id="INV0050001")
    by_po = past_due_invoice(acme, "250.00", days=10, external_id="INV0050002", po_number="PO-4471")
    Invoice.objects.filter(pk__in=[by_number.pk, by_po.pk]).update(number_key=None, po_key=None)
    receipts = [_receipt("97.00", "inv 50001"), _receipt("249.00", "PO 4471"), _receipt("33.00", "INV0050010")]
    reached = book_load(receipts)

    assert {by_number.pk, by_po.pk} <= set(reached.invoices)
    assert [p[0].allocations[0][0] for p in _proposals(receipts[:2], reached)] == [by_number.pk, by_po.pk]
    assert _proposals(receipts, book_load(receipts)) == _proposals(receipts, _whole_book(reached))


def test_a_transposed_reference_reads_the_numbers_two_neighbours_away_and_not_the_others_sharing_a_pair_key():
    """INV0123456 written: 123465 and 213456 are one swap away (odd and even position); 214365 and
    132546 share a pair key with it but are three and two swaps away, so they are not read."""
    numbers = {n: past_due_invoice(CustomerFactory(name=f"Account {n}"), f"{n % 900 + 10}.00", days=10,
                                   external_id=f"INV0{n}") for n in (123465, 213456, 214365, 132546)}
    reached = book_load([_receipt("1.00", "INV0123456")])

    assert {n for n, invoice in numbers.items() if invoice.pk in reached.invoices} == {123465, 213456}
    assert Invoice.objects.filter(UNKEYED).count() == 0


@pytest.mark.parametrize("emptied", ["number_key", "number_even_pairs", "number_odd_pairs"])
def test_an_invoice_missing_any_of_its_number_keys_is_still_found_by_a_transposition(emptied):
    customer = CustomerFactory(name="Acme Widgets")
    swapped = past_due_invoice(customer, "100.00", days=10, external_id="INV0050021")
    Invoice.objects.filter(pk=swapped.pk).update(**{emptied: None})
    receipt = _receipt("100.00", "INV0050012", payer="Nobody We Know")
    reached = book_load([receipt])

    assert swapped.pk in reached.invoices
    assert receipt_match(receipt, reached) == receipt_match(receipt, _whole_book(reached))


def test_reading_the_reachable_book_costs_the_same_queries_for_any_statement(django_assert_max_num_queries):
    """customers, payer accounts, numbers, POs, amounts, unkeyed rows, the families, the FX rates."""
    realistic_book(customers=200, seed=9)
    payer_accounts_teach(share=0.5, seed=3)
    few, many = _receipts(lines=40, seed=6)[:30], _receipts(lines=600, seed=7)

    with django_assert_max_num_queries(8):
        book_load(few)
    with django_assert_max_num_queries(8 + 5 * 10):  # SQLite: 900 values per IN (); PostgreSQL: 8
        book_load(many)


def test_a_statements_payer_names_find_the_customers_one_extract_per_name_finds():
    realistic_book(customers=300, seed=10)
    payers = [Payer(id=i, name=n, family_head_id=i) for i, n in Customer.objects.values_list("id", "name")]
    index = PayerIndex(payers, {})
    names = [n.upper() for _, n in Customer.objects.values_list("id", "name")[:80]]
    names += [n[:-2] + " Group" for n in names[:40]] + [n.replace("a", "e") for n in names[40:]] + ["Zzyzx Nobody"]
    index.names_match(names)

    for name in names:
        expected = [(k, s) for k, s, _ in process.extract(name_key(name), index.keys, scorer=fuzz.token_sort_ratio,
                                                          score_cutoff=NAME_CUTOFF, limit=2)]
        if name_key(name) in index.by_key:
            expected = [(name_key(name), 100.0)]
        assert index.by_name(name) == PayerIndex(payers, {})._identities(name, expected), name
    assert any(index.by_name(n) for n in names[80:]) and not index.by_name("Zzyzx Nobody")


def test_a_named_invoices_whole_family_is_read_for_the_rest_of_the_amount():
    """An unknown payer names one invoice and pays two: the other one is read because the named
    invoice's account is, though nothing in the receipt names it."""
    acme = CustomerFactory(name="Acme Widgets")
    named = past_due_invoice(acme, "100.00", days=10, external_id="INV0050001")
    other = past_due_invoice(acme, "40.00", days=5, external_id="INV0050002")
    receipt = _receipt("140.00", "INV0050001")
    reached = book_load([receipt])

    [best] = receipt_match(receipt, reached)
    assert other.pk in reached.invoices and {i for i, _ in best.allocations} == {named.pk, other.pk}
    assert receipt_match(receipt, reached) == receipt_match(receipt, _whole_book(reached))


def test_the_customers_names_are_keyed_once_and_kept_while_the_customers_stay_as_they_are(
        django_assert_num_queries):
    realistic_book(customers=40, seed=12)
    first = payer_names()
    with django_assert_num_queries(1):  # the fingerprint alone
        assert payer_names() is first
    assert payer_names().payers == first.payers


def test_a_renamed_new_moved_or_deleted_customer_has_the_names_keyed_again():
    """Whoever wrote the change: an UPDATE that sets no `updated_at` as well as a save."""
    acme, other = CustomerFactory(name="Acme Widgets"), CustomerFactory(name="Borealis Trading")
    kept = payer_names()
    assert kept.by_key["acme widgets"] == [acme.pk]

    Customer.objects.filter(pk=acme.pk).update(name="Zenith Widgets")
    renamed = payer_names()
    assert renamed is not kept and "acme widgets" not in renamed.by_key
    assert renamed.by_key["zenith widgets"] == [acme.pk]

    newcomer = CustomerFactory(name="Cobalt Mining")
    added = payer_names()
    assert added is not renamed and added.by_key["cobalt mining"] == [newcomer.pk]

    newcomer.parent = other
    newcomer.save()
    moved = payer_names()
    assert moved is not added and moved.payers[newcomer.pk].family_head_id == other.pk
    assert sorted(moved.family[other.pk]) == sorted([other.pk, newcomer.pk])

    Customer.objects.filter(pk=acme.pk).delete()
    deleted = payer_names()
    assert deleted is not moved and acme.pk not in deleted.payers and payer_names() is deleted


def test_a_run_with_the_names_kept_proposes_exactly_what_a_run_keying_them_anew_does():
    realistic_book(customers=200, seed=13)
    payer_accounts_teach(share=0.5, seed=3)
    receipts = _receipts(lines=300, seed=8)
    first = book_load(receipts)
    again = book_load(receipts)

    assert again.payers.names is first.payers.names  # the second run keyed no name
    assert _proposals(receipts, again) == _proposals(receipts, _whole_book(first))
