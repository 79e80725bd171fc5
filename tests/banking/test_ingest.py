import json
import math
import time
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banking.files import statement_file_queue
from banking.generate import statement_generate
from banking.ingest import StatementError, statement_import
from banking.models import BankAccount, BankLine, BankStatement, StatementFile
from tests.banking.conftest import FIXTURES, fixture_bytes
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def _import(name: str, **kwargs):
    return statement_import(data=fixture_bytes(name), filename=name, **kwargs)


@pytest.mark.parametrize(("name", "fmt", "lines", "credits", "statements"), [
    ("camt053_v02_two_statements.xml", "camt053", 9, 5, 2),
    ("camt053_v08_batch.xml", "camt053", 3, 2, 1),
    ("camt054_notification.xml", "camt054", 1, 1, 1),
    ("mt940_two_statements.sta", "mt940", 7, 3, 2),
    ("bai2_two_accounts.bai", "bai2", 8, 3, 2),
    ("csv_default_layout.csv", "csv", 3, 2, 1),
])
def test_each_format_imports_its_lines(name, fmt, lines, credits, statements, ledger_balances):
    result = _import(name)
    assert (result.lines_total, result.credits, len(result.new_lines), result.skipped) == (lines, credits, lines, 0)
    assert result.file.format == fmt and result.file.status == StatementFile.Status.DONE
    assert result.file.result == {"lines": lines, "credits": credits, "new": lines, "skipped": 0}
    assert BankLine.objects.count() == lines and BankStatement.objects.count() == statements
    assert all(line.pk for line in result.new_lines)
    ledger_balances()  # nothing moved on the ledger


def test_reimporting_the_same_file_adds_nothing():
    _import("camt053_v02_two_statements.xml")
    again = _import("camt053_v02_two_statements.xml")
    assert (len(again.new_lines), again.skipped) == (0, 9)
    assert BankLine.objects.count() == 9 and StatementFile.objects.count() == 1
    again.file.refresh_from_db()
    assert again.file.result["new"] == 9  # the file keeps what its first import did


def test_queries_do_not_grow_with_the_lines(django_assert_max_num_queries):
    customer = CustomerFactory()
    InvoiceFactory.create_batch(40, customer=customer, currency="EUR")
    data, _ = statement_generate([customer], n_lines=600, seed=1, on=date(2026, 11, 30), days=10,
                                 mix={"clean": 0.05, "stranger": 0.5, "charge": 0.2, "supplier_debit": 0.25})
    # 10 statements of 60 lines: a few queries per file, one INSERT per batch of lines (SQLite
    # takes at most 999 parameters a statement, so its batches are smaller); on PostgreSQL one
    # COPY, after a query for the new ids (and one for the sequence's name, once per process).
    columns = len([f for f in BankLine._meta.concrete_fields if not f.primary_key])
    limit = connection.features.max_query_params
    inserts = math.ceil(600 / (limit // columns)) if limit else 3
    with django_assert_max_num_queries(16 + inserts):
        result = statement_import(data=data, filename="month.xml")
    assert len(result.new_lines) == 600 and len(result.statements) == 10


def test_an_overlapping_file_adds_only_the_lines_not_there():
    """Tomorrow's export repeats the second statement and adds one entry to it."""
    _import("camt053_v02_two_statements.xml")
    data = fixture_bytes("camt053_v02_two_statements.xml")
    second = data[data.index(b"    <Stmt>\n      <Id>20261103"):data.index(b"  </BkToCstmrStmt>")]
    extra = second.replace(b"COBA2026110300003", b"COBA2026110300004").split(b"<Ntry>")
    overlap = data[:data.index(b"    <Stmt>")] + second.replace(b"    </Stmt>\n", b"") + b"      <Ntry>" + extra[-1] + \
        b"  </BkToCstmrStmt>\n</Document>\n"
    result = statement_import(data=overlap, filename="overlap.xml")
    assert (result.lines_total, len(result.new_lines), result.skipped) == (4, 1, 3)
    assert result.new_lines[0].entry_reference == "COBA2026110300004"
    assert result.new_lines[0].statement.statement_id == "20261103-DE89-0001"  # the statement already there
    assert BankStatement.objects.count() == 2


def test_lines_without_a_bank_reference_are_keyed_by_content_and_occurrence():
    mapping = json.loads((FIXTURES / "csv_german_bank.mapping.json").read_text())
    first = _import("csv_german_bank.csv", mapping=mapping)
    assert len(first.new_lines) == 6  # the two identical 100.00 lines are both kept
    new_row = "06.11.2026;06.11.2026;Neu GmbH;;;INV0012500;;50,00;EUR\r\n".encode("cp1252")
    data = fixture_bytes("csv_german_bank.csv") + new_row
    later = statement_import(data=data, filename="later.csv", mapping=mapping)
    assert (len(later.new_lines), later.skipped) == (1, 6)


def test_a_bad_file_writes_nothing_and_says_why():
    lines = fixture_bytes("mt940_two_statements.sta").splitlines(keepends=True)
    with pytest.raises(StatementError) as exc:
        statement_import(data=b"".join(lines[:33]), filename="cut.sta")
    assert str(exc.value) == "line 33: the file ends inside a statement (no closing balance :62F:)"
    assert not BankLine.objects.exists() and not BankAccount.objects.exists() and not StatementFile.objects.exists()


def test_a_queued_upload_that_fails_keeps_its_errors():
    data = fixture_bytes("bai2_two_accounts.bai")[:300]
    file, created = statement_file_queue(data=data, filename="cut.bai")
    assert created and file.status == StatementFile.Status.QUEUED
    with pytest.raises(StatementError):
        statement_import(data=data, filename="cut.bai", file=file)
    file.refresh_from_db()
    assert file.status == StatementFile.Status.FAILED
    assert file.errors == [{"line": 6, "message": "the file ends inside a statement (no 99 file trailer)"}]
    assert file.error == "line 6: the file ends inside a statement (no 99 file trailer)"
    assert not BankLine.objects.exists()


def test_the_same_upload_twice_finds_the_first():
    data = fixture_bytes("camt054_notification.xml")
    first, created = statement_file_queue(data=data, filename="a.xml")
    again, created_again = statement_file_queue(data=data, filename="b.xml")
    assert (created, created_again, again.pk) == (True, False, first.pk)
    result = statement_import(data=bytes(first.content), filename=first.filename, file=first)
    assert result.file.pk == first.pk and result.file.status == StatementFile.Status.DONE


def test_finish_false_leaves_the_file_running_for_the_matching():
    result = _import("camt054_notification.xml", finish=False)
    result.file.refresh_from_db()
    assert result.file.status == StatementFile.Status.RUNNING and result.file.lines_total == 1


def test_dry_run_counts_without_writing():
    _import("camt053_v02_two_statements.xml")
    before = BankLine.objects.count()
    result = _import("mt940_two_statements.sta", dry_run=True)
    assert (result.lines_total, len(result.new_lines), result.skipped, result.file) == (7, 7, 0, None)
    again = _import("camt053_v02_two_statements.xml", dry_run=True)
    assert (len(again.new_lines), again.skipped) == (0, 9)
    assert BankLine.objects.count() == before and BankAccount.objects.count() == 1


def test_progress_is_reported_up_to_done():
    seen = []
    _import("camt053_v02_two_statements.xml", progress=seen.append)
    assert seen[0] == 30 and seen[-1] == 100 and seen == sorted(seen)


def test_an_unknown_format_name_is_refused():
    with pytest.raises(StatementError, match="unknown format 'ofx'"):
        _import("camt054_notification.xml", format="ofx")


def test_accounts_are_created_once_with_their_currency():
    _import("camt053_v02_two_statements.xml")
    _import("camt053_v08_batch.xml")
    _import("mt940_two_statements.sta")
    accounts = {(a.account_number, a.bank_code): a for a in BankAccount.objects.all()}
    assert set(accounts) == {("DE89370400440532013000", ""), ("NL91ABNA0417164300", ""), ("0532013000", "37040044")}
    assert accounts[("DE89370400440532013000", "")].name == "Collections Workbench GmbH Operating"


def test_parse_and_ingest_make_no_query_per_line():
    """The target is 5,000 lines/s for parse + ingest (`make bench`; timings are never asserted
    here): what would break it by far is a query per line, so the queries are counted, for a
    statement of 6,000 lines against one of 600 (28 and 131 queries when written). The rate is
    printed for information."""
    customer = CustomerFactory()
    InvoiceFactory.create_batch(300, customer=customer, currency="EUR")
    _import("camt054_notification.xml")  # the database is not empty: lines are checked against those there
    counted = []
    for n_lines, seed in ((600, 4), (6000, 3)):
        data, truth = statement_generate([customer], n_lines=n_lines, seed=seed, on=date(2026, 11, 30), days=20,
                                         mix={"clean": 0.05, "stranger": 0.55, "charge": 0.15, "supplier_debit": 0.25})
        wall = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = statement_import(data=data, filename=f"big-{n_lines}.xml")
        wall = time.perf_counter() - wall
        assert len(result.new_lines) == result.lines_total >= n_lines * 0.98
        print(f"{result.lines_total} lines: {len(queries)} queries, {result.lines_total / wall:.0f} lines/s")
        counted.append(len(queries))
    small, large = counted
    # 5,400 more lines: a few more batches (about one query per 50 lines today), never one per line.
    assert large - small < (6000 - 600) / 20, counted
