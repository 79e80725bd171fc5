from datetime import date
from decimal import Decimal

import pytest

from banking.parsers.mt940 import mt940_parse
from banking.parsers.records import StatementError
from tests.banking.conftest import fixture_bytes


def _by_reference():
    statements = mt940_parse(fixture_bytes("mt940_two_statements.sta"))
    return {line.entry_reference: line for s in statements for line in s.lines}


def test_each_message_in_its_swift_envelope_is_a_statement():
    first, second = mt940_parse(fixture_bytes("mt940_two_statements.sta"))
    assert (first.account_number, first.iban, first.bank_code) == ("NL91ABNA0417164300", "NL91ABNA0417164300", "")
    assert (second.account_number, second.bank_code) == ("0532013000", "37040044")  # BLZ/account
    assert first.statement_id == "ABN261104001/00305" and first.sequence == "00305/1"
    assert (first.opening_balance, first.closing_balance) == (Decimal("4305.00"), Decimal("11702.60"))
    assert (first.from_date, first.to_date) == (date(2026, 11, 3), date(2026, 11, 4))
    assert [len(first.lines), len(second.lines)] == [5, 2]


def test_slash_tagged_details_give_payer_account_reference_and_text():
    line = _by_reference()["261104A0001"]
    assert line.counterparty_name == "Van den Berg Logistiek B.V."  # wrapped over two lines in the file
    assert line.counterparty_account == "NL20INGB0001234567"
    assert line.counterparty_bank == "INGBNL2A"
    assert line.end_to_end_id == "E2E-VDB-2026-0077"
    assert line.remittance_text == "INV0012390 INV0012391"
    assert line.source_line == 6


def test_structured_creditor_reference_and_non_ascii_name():
    line = _by_reference()["261104A0002"]
    assert line.counterparty_name == "Müller Maschinenbau GmbH"
    assert line.structured_reference == "RF18539007547034"
    assert line.end_to_end_id == ""  # NOTPROVIDED


def test_rc_is_a_reversed_credit_and_rd_a_reversed_debit():
    lines = _by_reference()
    assert (lines["261104A0003"].direction, lines["261104A0003"].is_reversal) == ("debit", True)
    assert (lines["261104A0005"].direction, lines["261104A0005"].is_reversal) == ("credit", True)
    assert lines["261104A0004"].bank_code == "NCHG"
    assert lines["261104A0001"].amount == Decimal("7330.00")


def test_german_sub_fields_give_name_account_and_purpose():
    line = _by_reference()["COBA26110477"]
    assert line.counterparty_name == "Bäckerei Schröder & Söhne OHG"
    assert line.counterparty_account == "DE02700100800030876808"
    assert line.counterparty_bank == "BYLADEMM"
    assert line.end_to_end_id == "RE-2026-11-0042"
    assert line.remittance_text == "INV0012400 INV0012401"


def test_truncated_file_says_where_it_ends():
    lines = fixture_bytes("mt940_two_statements.sta").splitlines(keepends=True)
    with pytest.raises(StatementError) as exc:
        mt940_parse(b"".join(lines[:33]))
    assert exc.value.errors == [{"line": 33, "message": "the file ends inside a statement (no closing balance :62F:)"}]


def test_a_file_without_statements_is_refused():
    with pytest.raises(StatementError, match="no MT940 statement found"):
        mt940_parse(b"\r\n\r\n")


def test_a_broken_statement_line_is_reported_with_its_statement():
    data = fixture_bytes("mt940_two_statements.sta").replace(b":60F:C261103EUR4305,00", b":60F:X261103EUR4305,00")
    with pytest.raises(StatementError) as exc:
        mt940_parse(data)
    assert exc.value.errors[0]["line"] == 2
    assert exc.value.errors[0]["message"].startswith("not a readable MT940 statement")


def test_latin1_files_are_read():
    data = fixture_bytes("mt940_two_statements.sta").decode("utf-8").encode("cp1252")
    assert _names(mt940_parse(data)) >= {"Müller Maschinenbau GmbH", "Bäckerei Schröder & Söhne OHG"}


def _names(statements):
    return {line.counterparty_name for s in statements for line in s.lines}
