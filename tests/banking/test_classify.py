import pytest

from banking.classify import line_kind
from banking.models import BankLine
from banking.parsers.bai2 import bai2_parse
from banking.parsers.camt import camt_parse
from banking.parsers.csv_mapping import csv_parse
from banking.parsers.mt940 import mt940_parse
from tests.banking.conftest import fixture_bytes

K = BankLine.Kind


def _kinds(statements):
    return {line.entry_reference: line_kind(line) for s in statements for line in s.lines}


def test_camt_kinds():
    kinds = _kinds(camt_parse(fixture_bytes("camt053_v02_two_statements.xml")))
    assert kinds["COBA2026110200001"] == K.RECEIPT
    assert kinds["COBA2026110200002-2"] == K.RECEIPT  # inside a batch
    assert kinds["COBA2026110200003"] == K.DEBIT  # a supplier paid
    assert kinds["COBA2026110200004"] == K.CHARGE  # ACMT/MDOP/CHRG
    assert kinds["COBA2026110300001"] == K.DEBIT  # a returned customer payment
    assert kinds["COBA2026110300002"] == K.OTHER_CREDIT  # interest


def test_mt940_kinds():
    kinds = _kinds(mt940_parse(fixture_bytes("mt940_two_statements.sta")))
    assert kinds["261104A0001"] == K.RECEIPT
    assert kinds["261104A0003"] == K.DEBIT  # RC: the credit reversed
    assert kinds["261104A0004"] == K.CHARGE  # NCHG
    assert kinds["261104A0005"] == K.OTHER_CREDIT  # RD: a direct debit given back, not a customer paying
    assert kinds["COBA26110478"] == K.DEBIT


def test_bai2_kinds():
    kinds = _kinds(bai2_parse(fixture_bytes("bai2_two_accounts.bai")))
    assert [kinds[f"BAI000{i}"] for i in range(1, 8)] == [
        K.RECEIPT, K.RECEIPT, K.OTHER_CREDIT, K.DEBIT, K.CHARGE, K.OTHER_CREDIT, K.DEBIT]
    assert kinds["BAI0101"] == K.RECEIPT  # lockbox deposit


@pytest.mark.parametrize(("text", "kind"), [("Kontoführung", K.CHARGE), ("Account fee", K.CHARGE),
                                            ("Lieferantenrechnung 2026-8812", K.DEBIT)])
def test_csv_debits_without_codes_are_charges_by_their_words(text, kind):
    data = f"account,currency,booking_date,amount,remittance_text\nGB29NWBK60161331926819,GBP,2026-11-04,-5.00,{text}\n"
    (statement,) = csv_parse(data.encode())
    assert line_kind(statement.lines[0]) == kind
