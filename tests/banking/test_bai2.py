from decimal import Decimal

import pytest

from banking.parsers.bai2 import bai2_parse
from banking.parsers.records import StatementError
from tests.banking.conftest import fixture_bytes


def test_each_account_is_a_statement_with_its_ledger_balances():
    first, second = bai2_parse(fixture_bytes("bai2_two_accounts.bai"))
    assert (first.account_number, first.bank_code, first.currency) == ("1234567890", "021000021", "USD")
    assert (first.opening_balance, first.closing_balance) == (Decimal("500000.00"), Decimal("518827.34"))
    assert len(first.lines) == 7 and len(second.lines) == 1


def test_details_read_type_code_direction_reference_and_continued_text():
    lines = {line.entry_reference: line for s in bai2_parse(fixture_bytes("bai2_two_accounts.bai")) for line in s.lines}
    ach = lines["BAI0001"]
    assert (ach.direction, ach.amount, ach.bank_code) == ("credit", Decimal("12500.00"), "165")
    assert ach.remittance_text.endswith("INV0012410 INV0012411")  # from the 88 continuation
    assert ach.counterparty_name == "ACME WIDGETS INC"
    assert ach.source_line == 4
    assert lines["BAI0002"].counterparty_name == "Crème Brûlée Café LLC"
    assert (lines["BAI0003"].is_reversal, lines["BAI0003"].direction) == (True, "credit")  # 258 ACH reversal credit
    assert lines["BAI0004"].direction == "debit"
    assert lines["BAI0006"].amount == Decimal("12.34")


def test_control_totals_are_checked():
    data = fixture_bytes("bai2_two_accounts.bai").replace(b"16,475,310000,", b"16,475,310001,")
    with pytest.raises(StatementError, match="control total"):
        bai2_parse(data)


def test_truncated_file_says_where_it_ends():
    lines = fixture_bytes("bai2_two_accounts.bai").splitlines(keepends=True)
    with pytest.raises(StatementError) as exc:
        bai2_parse(b"".join(lines[:12]))
    assert exc.value.errors == [{"line": 12, "message": "the file ends inside a statement (no 99 file trailer)"}]
