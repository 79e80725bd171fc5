"""Every import rule, each with the bad input it names. Nothing is written when any row is bad."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from ledger.imports.engine import import_files, import_rows
from ledger.imports.validation import COLUMNS
from ledger.models import Application, CreditNote, Customer, Invoice, Payment
from tests.factories import CustomerFactory, InvoiceFactory, collector

pytestmark = pytest.mark.django_db
D = Decimal


def csv_of(kind: str, *rows, header=None) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header or COLUMNS[kind], *rows])
    return out.getvalue().encode()


def customer(cid="C1", name="Acme", parent="", terms="30", limit="1000.00", currency="USD", collector_name=""):
    return (cid, name, parent, "ap@acme.example", "", terms, limit, currency, "smb", collector_name)


def invoice(iid="I1", cid="C1", issued="2026-09-01", due="2026-10-01", amount="1000.00", currency="USD", po=""):
    return (iid, cid, issued, due, amount, currency, po)


def cash(pid="P1", cid="C1", on="2026-10-05", amount="100.00", currency="USD", iid=""):
    return (pid, cid, on, amount, currency, iid)


def rejected(result) -> list[tuple]:
    assert not result.ok
    return [(e["file"], e["row"], e["column"]) for e in result.errors]


def reasons(result) -> str:
    return " | ".join(e["reason"] for e in result.errors)


def nothing_written(customers=0, invoices=0):
    assert (Customer.objects.count(), Invoice.objects.count()) == (customers, invoices)
    assert not Payment.objects.exists() and not CreditNote.objects.exists() and not Application.objects.exists()


def test_missing_and_extra_columns_are_named_on_the_header_row():
    header = [c for c in COLUMNS["invoices"] if c != "po_number"] + ["discount"]
    result = import_files(invoices=csv_of("invoices", invoice()[:6] + ("5",), header=header))
    assert set(rejected(result)) == {("invoices", 1, "po_number"), ("invoices", 1, "discount")}
    assert "missing column" in reasons(result) and "unexpected column" in reasons(result)


def test_unknown_customer_in_invoices_is_an_error():
    result = import_files(invoices=csv_of("invoices", invoice(cid="NOPE")))
    assert rejected(result) == [("invoices", 2, "customer_id")]
    assert "unknown customer NOPE" in reasons(result)


def test_customer_from_the_same_upload_is_known():
    result = import_files(customers=csv_of("customers", customer()), invoices=csv_of("invoices", invoice()))
    assert result.ok, result.errors
    assert Invoice.objects.get().customer.external_id == "C1"


def test_unknown_parent_is_an_error():
    result = import_files(customers=csv_of("customers", customer(parent="GHOST")))
    assert rejected(result) == [("customers", 2, "parent_id")]
    assert "unknown parent GHOST" in reasons(result)


def test_families_of_any_depth_import_and_a_cycle_is_refused_with_its_chain():
    # --- family --- (a parent may have a parent; the one-level refusal is gone, see test_hierarchy_import.py)
    result = import_files(customers=csv_of(
        "customers", customer("H"), customer("M", parent="H"), customer("X", parent="M"),
        customer("A", parent="C"), customer("B", parent="A"), customer("C", parent="B"),
    ))
    assert rejected(result) == [("customers", 5, "parent_id"), ("customers", 6, "parent_id"),
                                ("customers", 7, "parent_id")]
    assert "parent C makes a cycle: A → C → B → A" in reasons(result)
    # --- end family ---


def test_duplicate_ids_inside_a_file_are_errors():
    result = import_files(
        customers=csv_of("customers", customer("C1"), customer("C1", name="Again")),
        invoices=csv_of("invoices", invoice("I1"), invoice("I2"), invoice("I1")),
    )
    assert rejected(result) == [("customers", 3, "customer_id"), ("invoices", 4, "invoice_id")]
    assert "duplicate invoice_id I1 (also on row 2)" in reasons(result)
    nothing_written()


@pytest.mark.parametrize(("amount", "reason"), [
    ("-50.00", "is negative"),
    ("0", "is zero"),
    ("0.00", "is zero"),
    ("1,000.00", "is not an amount"),
    ("12abc", "is not an amount"),
    ("1e3", "is not an amount"),
    ("", "is required"),
    ("10.005", "more than 2 decimals"),
])
def test_bad_amounts_are_named(amount, reason):
    CustomerFactory(external_id="C1")
    result = import_files(invoices=csv_of("invoices", invoice(amount=amount)))
    assert rejected(result) == [("invoices", 2, "amount")]
    assert reason in reasons(result)


@pytest.mark.parametrize(("value", "reason"), [
    ("2026-02-30", "is not a real date"),
    ("2026-13-01", "is not a real date"),
    ("01/09/2026", "not a date in the form YYYY-MM-DD"),
    ("yesterday", "not a date in the form YYYY-MM-DD"),
])
def test_impossible_or_malformed_dates_are_named(value, reason):
    CustomerFactory(external_id="C1")
    result = import_files(invoices=csv_of("invoices", invoice(issued=value)))
    assert rejected(result) == [("invoices", 2, "issue_date")]
    assert reason in reasons(result)


def test_due_date_before_issue_date_is_an_error():
    CustomerFactory(external_id="C1")
    result = import_files(invoices=csv_of("invoices", invoice(issued="2026-09-10", due="2026-09-01")))
    assert rejected(result) == [("invoices", 2, "due_date")]
    assert "before the issue date" in reasons(result)


def test_unknown_currency_is_an_error():
    CustomerFactory(external_id="C1")
    result = import_files(invoices=csv_of("invoices", invoice(currency="XYZ"), invoice("I2", currency="usd")))
    assert rejected(result) == [("invoices", 2, "currency")]
    assert "'XYZ' is not a known currency" in reasons(result)


def test_payment_cannot_exceed_what_is_open_after_earlier_rows():
    CustomerFactory(external_id="C1")
    result = import_files(
        invoices=csv_of("invoices", invoice(amount="1000.00")),
        payments=csv_of("payments", cash("P1", amount="700.00", iid="I1"), cash("P2", amount="400.00", iid="I1")),
    )
    assert rejected(result) == [("payments", 3, "amount")]
    assert "400.00 is more than the 300.00 open on invoice I1" in reasons(result)
    nothing_written(customers=1)


def test_payment_exceeding_an_invoice_already_in_the_ledger():
    InvoiceFactory(external_id="I1", customer=CustomerFactory(external_id="C1"), amount=D("250.00"))
    result = import_files(payments=csv_of("payments", cash(amount="250.01", iid="I1")))
    assert rejected(result) == [("payments", 2, "amount")]


def test_credit_note_cannot_exceed_the_open_amount_either():
    InvoiceFactory(external_id="I1", customer=CustomerFactory(external_id="C1"), amount=D("90.00"))
    result = import_files(credits=csv_of("credits", cash("CN1", amount="90.01", iid="I1")))
    assert rejected(result) == [("credits", 2, "amount")]


def test_currency_mismatch_between_payment_and_invoice():
    InvoiceFactory(external_id="I1", customer=CustomerFactory(external_id="C1"), currency="USD")
    result = import_files(payments=csv_of("payments", cash(currency="EUR", iid="I1")))
    assert rejected(result) == [("payments", 2, "currency")]
    assert "the payment is in EUR but invoice I1 is in USD" in reasons(result)


def test_payment_for_another_customers_invoice_is_an_error():
    CustomerFactory(external_id="C1")
    InvoiceFactory(external_id="I9", customer=CustomerFactory(external_id="C9"))
    result = import_files(payments=csv_of("payments", cash(iid="I9")))
    assert rejected(result) == [("payments", 2, "invoice_id")]
    assert "belongs to customer C9" in reasons(result)


def test_payment_rows_must_agree_on_customer_date_and_currency():
    CustomerFactory(external_id="C1")
    InvoiceFactory(external_id="I1", customer=Customer.objects.get(external_id="C1"))
    result = import_files(payments=csv_of(
        "payments", cash(iid="I1"), cash(on="2026-10-06", amount="50.00"), cash(iid="I1", amount="5.00"),
    ))
    assert rejected(result) == [("payments", 3, "received_date"), ("payments", 4, "invoice_id")]
    assert "lists invoice I1 twice" in reasons(result)


def test_non_utf8_bytes_are_rejected_with_the_row():
    data = csv_of("customers", customer()) + "C2,Café Müller,,,,30,0,EUR,,\n".encode("latin-1")
    result = import_files(customers=data)
    assert rejected(result) == [("customers", 3, "")]
    assert "not UTF-8" in reasons(result)


def test_empty_file_and_header_only_file_are_rejected():
    result = import_files(customers=b"", invoices=csv_of("invoices"))
    assert rejected(result) == [("customers", 0, ""), ("invoices", 1, "")]
    assert "the file is empty" in reasons(result) and "header but no rows" in reasons(result)


def test_row_with_the_wrong_number_of_fields():
    result = import_files(customers=csv_of("customers", customer()) + b"C2,Short\n")
    assert rejected(result) == [("customers", 3, "")]
    assert "the row has 2 fields, the header has 10" in reasons(result)


def test_unknown_and_non_collector_usernames_are_errors():
    from tests.factories import finance

    finance("fin")
    result = import_files(customers=csv_of(
        "customers", customer("C1", collector_name="nobody"), customer("C2", collector_name="fin"),
    ))
    assert rejected(result) == [("customers", 2, "collector"), ("customers", 3, "collector")]
    assert "unknown collector 'nobody'" in reasons(result) and "'fin' is not a collector" in reasons(result)


def test_all_or_nothing_lists_every_bad_row_and_writes_nothing():
    collector("alice")
    result = import_files(
        customers=csv_of("customers", customer("C1", collector_name="alice"), customer("C2", limit="-5")),
        invoices=csv_of("invoices", invoice("I1"), invoice("I2", amount="abc"), invoice("I3", due="2026-02-31")),
        payments=csv_of("payments", cash(iid="I1"), cash("P2", iid="NOPE")),
    )
    assert rejected(result) == [
        ("customers", 3, "credit_limit"), ("invoices", 3, "amount"), ("invoices", 4, "due_date"),
        ("payments", 3, "invoice_id"),
    ]
    assert all(set(e) == {"file", "row", "column", "reason"} and e["reason"] for e in result.errors)
    nothing_written()


def test_rows_given_as_dicts_share_the_rules_and_accept_native_types():
    CustomerFactory(external_id="C1")
    result = import_rows(invoices=[
        {"invoice_id": "I1", "customer_id": "C1", "issue_date": date(2026, 9, 1), "due_date": "2026-10-01",
         "amount": D("12.50"), "currency": "USD"},
        {"invoice_id": "I2", "customer_id": "C1", "issue_date": "2026-09-01", "due_date": "2026-10-01",
         "amount": "-3", "currency": "USD", "colour": "red"},
    ])
    assert rejected(result) == [("invoices", 2, "colour"), ("invoices", 2, "amount")]
    assert not Invoice.objects.exists()
    ok = import_rows(invoices=[{"invoice_id": "I1", "customer_id": "C1", "issue_date": date(2026, 9, 1),
                                "due_date": "2026-10-01", "amount": D("12.50"), "currency": "USD"}])
    assert ok.ok and ok.summary == {"invoices": {"created": 1, "updated": 0, "unchanged": 0}}
    assert Invoice.objects.get().open_amount == D("12.50")


def test_dry_run_checks_everything_and_writes_nothing():
    result = import_files(customers=csv_of("customers", customer()), dry_run=True)
    assert result.ok and result.summary["customers"]["created"] == 1
    nothing_written()


def test_nothing_given_is_a_clear_error():
    result = import_rows()
    assert not result.ok and "nothing to import" in reasons(result)


def test_credit_note_without_invoice_stays_as_a_usable_credit(ledger_balances):
    CustomerFactory(external_id="C1")
    result = import_files(credits=csv_of("credits", cash("CN1", amount="40.00")))
    assert result.ok
    credit = CreditNote.objects.get()
    assert (credit.unapplied_amount, credit.issue_date) == (D("40.00"), date(2026, 10, 5))
    assert not Application.objects.exists()
    ledger_balances()


def test_blank_spreadsheet_rows_bom_and_header_case_are_tolerated():
    data = "\ufeff" + ",".join(c.upper() for c in COLUMNS["customers"]) + "\r\n"
    data += ",".join(customer()) + "\r\n,,,,,,,,,\r\n\r\n"
    result = import_files(customers=data.encode())
    assert result.ok, result.errors
    assert result.summary["customers"]["created"] == 1


def test_payment_adding_up_to_more_than_the_ledger_holds_is_an_error():
    CustomerFactory(external_id="C1")
    big = "999999999999.99"
    result = import_files(
        invoices=csv_of("invoices", invoice("I1", amount=big), invoice("I2", amount=big)),
        payments=csv_of("payments", cash(amount=big, iid="I1"), cash(amount=big, iid="I2")),
    )
    assert rejected(result) == [("payments", 2, "amount")]
    assert "more than the ledger can hold" in reasons(result)


def test_ledger_lookup_by_ids_finds_ids_holding_any_character():
    """Ids go to PostgreSQL as one string split on the unit separator; an id containing it falls back
    to an array, and both find exactly the ids asked for."""
    from ledger.imports.existing import by_ids

    plain = CustomerFactory(external_id="PLAIN-1")
    odd = CustomerFactory(external_id="ODD\x1fID")
    CustomerFactory(external_id="OTHER")
    found = {c.pk for rows in by_ids(Customer, ["PLAIN-1", "MISSING"]) for c in rows}
    assert found == {plain.pk}
    found = {c.pk for rows in by_ids(Customer, ["PLAIN-1", "ODD\x1fID"]) for c in rows}
    assert found == {plain.pk, odd.pk}


def test_the_cycle_collector_is_paused_during_an_import_and_restored_after_it(monkeypatch):
    import gc

    from ledger.imports import engine

    seen = []
    real_run = engine.run_import
    monkeypatch.setattr(engine, "run_import", lambda *args, **kwargs: seen.append(gc.isenabled())
                        or real_run(*args, **kwargs))
    assert gc.isenabled()
    assert not import_rows(invoices=[{"invoice_id": "X1", "customer_id": "NOBODY", "issue_date": "2026-01-01",
                                      "due_date": "2026-01-31", "amount": "10.00", "currency": "USD"}]).ok
    assert seen == [False] and gc.isenabled()  # back on after a refused import too

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(engine, "run_import", broken)
    with pytest.raises(RuntimeError):
        import_files(invoices=b"invoice_id\n")
    assert gc.isenabled()

    gc.disable()
    try:
        with engine.cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # someone else turned it off: left off
    finally:
        gc.enable()
