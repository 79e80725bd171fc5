"""The import streams: memory holds a chunk of rows, never a file, and the rules hold across chunks
(duplicates, a payment's rows far apart, a family head after its member, all or nothing)."""

import tracemalloc

import pytest

from ledger.imports import engine, staging
from ledger.imports.engine import import_files
from ledger.imports.sample_book import write_sample_book
from ledger.models import Application, Customer, Invoice, Payment
from tests.ledger.test_import_rules import cash, csv_of, customer, invoice, nothing_written, reasons, rejected

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few rows, so that a test file of a dozen rows spans several."""
    monkeypatch.setattr(engine, "CHUNK", 3)
    monkeypatch.setattr(staging, "BATCH", 2)


def peak_of_import(folder, invoices: int) -> tuple[int, int]:
    paths = write_sample_book(folder, invoices=invoices, collectors=())
    tracemalloc.start()
    result = import_files(**paths, dry_run=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.ok, result.errors[:3]
    return result.rows, peak


def test_four_times_the_rows_peak_at_about_the_same_memory(tmp_path, monkeypatch):
    """Not a timing: tracemalloc's peak while importing a sample book (dry run: everything is checked
    and written, then rolled back) of 4x the rows stays under 1.5x the smaller one's peak. Chunks are
    made small so that the test stays quick; both books are many chunks long."""
    monkeypatch.setattr(engine, "CHUNK", 1000)
    monkeypatch.setattr(staging, "BATCH", 500)
    small_rows, small_peak = peak_of_import(tmp_path / "small", 3000)
    large_rows, large_peak = peak_of_import(tmp_path / "large", 12000)
    assert large_rows >= 4 * small_rows - 10
    print(f"{small_rows} rows: {small_peak / 2**20:.1f} MiB; {large_rows} rows: {large_peak / 2**20:.1f} MiB")
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
    assert not Invoice.objects.exists()  # a dry run writes nothing


def test_a_payments_rows_far_apart_in_the_file_make_one_payment(small_chunks, ledger_balances):
    invoices = [invoice(f"I{n}", amount="100.00") for n in range(8)]
    payments = [cash("P1", amount="60.00", iid="I0")]
    payments += [cash(f"P{n}", amount="100.00", iid=f"I{n}") for n in range(2, 8)]
    payments += [cash("P1", amount="40.00", iid="I1"), cash("P1", amount="25.00")]
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", *invoices),
                          payments=csv_of("payments", *payments))
    assert result.ok, result.errors
    assert result.summary["payments"]["created"] == 7
    p1 = Payment.objects.get(external_id="P1")
    assert (p1.amount, p1.unapplied_amount) == (125, 25)
    assert sorted(p1.applications.values_list("invoice__external_id", "amount")) == [("I0", 60), ("I1", 40)]
    assert import_files(payments=csv_of("payments", *payments)).summary["payments"]["unchanged"] == 7
    ledger_balances()


def test_a_duplicate_in_a_later_chunk_names_its_first_row(small_chunks):
    invoices = [invoice(f"I{n}") for n in range(7)] + [invoice("I1")]
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", *invoices))
    assert rejected(result) == [("invoices", 9, "invoice_id")]
    assert reasons(result) == "duplicate invoice_id I1 (also on row 3)"
    nothing_written()


def test_a_family_head_after_its_member_in_a_later_chunk(small_chunks, ledger_balances):
    rows = [customer("C-WEST", parent="C-HEAD")] + [customer(f"C{n}") for n in range(5)] + [customer("C-HEAD")]
    result = import_files(customers=csv_of("customers", *rows))
    assert result.ok, result.errors
    assert Customer.objects.get(external_id="C-WEST").parent.external_id == "C-HEAD"
    again = import_files(customers=csv_of("customers", *rows))
    assert again.summary["customers"] == {"created": 0, "updated": 0, "unchanged": 7}


def test_cash_on_an_invoice_across_chunks_closes_it_on_the_latest_date(small_chunks, ledger_balances):
    invoices = [invoice(f"I{n}", amount="100.00") for n in range(2)]
    payments = [cash("P1", on="2026-10-20", amount="50.00", iid="I0")]
    payments += [cash(f"P{n}", amount="10.00", iid="I1") for n in range(2, 6)]
    payments += [cash("P9", on="2026-10-05", amount="50.00", iid="I0")]
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", *invoices),
                          payments=csv_of("payments", *payments))
    assert result.ok, result.errors
    paid = Invoice.objects.get(external_id="I0")
    assert (paid.status, str(paid.closed_on)) == ("paid", "2026-10-20")
    ledger_balances()


def test_a_bad_row_in_the_last_chunk_leaves_nothing_of_the_earlier_ones(small_chunks):
    invoices = [invoice(f"I{n}") for n in range(9)] + [invoice("I9", cid="C-NOBODY")]
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", *invoices))
    assert rejected(result) == [("invoices", 11, "customer_id")]
    nothing_written()


def test_problems_past_the_cap_stop_the_import_and_say_so(small_chunks, monkeypatch):
    monkeypatch.setattr(engine, "MAX_ISSUES", 4)
    invoices = [invoice(f"I{n}", cid=f"C-NOBODY-{n}") for n in range(12)]
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", *invoices))
    assert not result.ok
    assert result.errors[0]["reason"] == "more than 4 problems: the rest of the upload was not checked"
    assert len(result.errors) < 12
    nothing_written()


def test_progress_only_moves_forward_and_ends_at_the_rows(small_chunks):
    seen = []
    invoices = [invoice(f"I{n}") for n in range(10)]
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", *invoices),
                          progress=lambda stage, processed: seen.append((stage, processed)))
    assert result.ok and result.rows == 11
    counts = [processed for _, processed in seen]
    assert counts == sorted(counts) and counts[-1] == 11
    assert {stage for stage, _ in seen} >= {"Checking and writing customers.csv", "Checking and writing invoices.csv"}
    assert Application.objects.count() == 0
