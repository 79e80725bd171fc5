import json
from datetime import date
from decimal import Decimal

import pytest

from banking.parsers.csv_mapping import csv_parse
from banking.parsers.records import StatementError
from tests.banking.conftest import FIXTURES, fixture_bytes


def _german():
    mapping = json.loads((FIXTURES / "csv_german_bank.mapping.json").read_text())
    return csv_parse(fixture_bytes("csv_german_bank.csv"), mapping)


def test_a_banks_own_columns_through_its_mapping():
    (statement,) = _german()
    assert statement.account_number == "DE89370400440532013000"  # from the mapping, spaces gone
    assert (statement.from_date, statement.to_date) == (date(2026, 11, 4), date(2026, 11, 5))
    first = statement.lines[0]
    assert first.counterparty_name == "Müller Maschinenbau GmbH"  # cp1252 file
    assert first.counterparty_account == "DE44500105175407324931"
    assert first.amount == Decimal("4250.00") and first.direction == "credit"
    assert first.remittance_text == "Rechnung INV0012345 Kd-Nr 4711"  # two purpose columns joined
    assert statement.lines[1].value_date == date(2026, 11, 5)
    assert (statement.lines[2].direction, statement.lines[2].amount) == ("debit", Decimal("2400.00"))


def test_the_default_layout_needs_no_mapping():
    (statement,) = csv_parse(fixture_bytes("csv_default_layout.csv"))
    assert statement.currency == "GBP"
    first, fee, third = statement.lines
    assert first.entry_reference == "NWB-0001"
    assert first.counterparty_name == "O'Brien & Sons, Ltd"
    assert first.end_to_end_id == "OB-7781"
    assert third.structured_reference == "RF97INV0012432"
    assert third.counterparty_name == "Þórsdóttir ehf"
    assert fee.direction == "debit"


def test_bad_rows_are_each_reported_at_their_line():
    data = fixture_bytes("csv_default_layout.csv").replace(b"2026-11-05,2026-11-05,980.20", b"05/13/2026,,98O.20")
    with pytest.raises(StatementError) as exc:
        csv_parse(data)
    assert exc.value.errors == [{"line": 4, "message": "amount '98O.20' is not a number"}]


def test_a_csv_without_an_amount_column_says_which_to_map():
    with pytest.raises(StatementError) as exc:
        csv_parse(b"booking_date,text\n2026-11-04,hello\n")
    assert exc.value.errors == [{"line": 1, "message": "no amount column (map 'amount', or 'credit' and 'debit')"}]


def test_a_mapping_with_an_unknown_field_is_refused():
    with pytest.raises(StatementError, match="unknown fields: betrag"):
        csv_parse(b"x\n", {"columns": {"betrag": "Betrag"}})


def test_credit_and_debit_columns():
    data = "account,currency,Date,Credit,Debit,Description\nGB29NWBK60161331926819,GBP,2026-11-04,,12.00,Fee\n" \
           "GB29NWBK60161331926819,GBP,2026-11-04,1200.00,,INV0012440\n"
    (statement,) = csv_parse(data.encode())
    assert [(line.direction, line.amount) for line in statement.lines] == [("debit", Decimal("12.00")),
                                                                            ("credit", Decimal("1200.00"))]
