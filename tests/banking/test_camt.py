from datetime import date
from decimal import Decimal

import pytest

from banking.parsers import camt_schema
from banking.parsers.camt import camt_parse
from banking.parsers.records import StatementError
from tests.banking.conftest import fixture_bytes


def _lines(statements):
    return [line for statement in statements for line in statement.lines]


def test_two_statements_in_one_file_keep_their_balances_and_account():
    first, second = camt_parse(fixture_bytes("camt053_v02_two_statements.xml"))
    assert (first.statement_id, second.statement_id) == ("20261102-DE89-0001", "20261103-DE89-0001")
    assert first.account_number == first.iban == "DE89370400440532013000"
    assert first.bank_code == ""  # an IBAN needs no bank code
    assert first.currency == "EUR"
    assert (first.opening_balance, first.closing_balance) == (Decimal("125000.00"), Decimal("136702.25"))
    assert first.from_date == date(2026, 11, 2)
    assert first.sequence == "212"


def test_batch_booking_gives_one_line_per_transaction_with_its_own_amount():
    first, _ = camt_parse(fixture_bytes("camt053_v02_two_statements.xml"))
    batch = [line for line in first.lines if line.entry_reference.startswith("COBA2026110200002")]
    assert [line.entry_reference for line in batch] == [
        "COBA2026110200002-1", "COBA2026110200002-2", "COBA2026110200002-3"]
    assert [line.amount for line in batch] == [Decimal("5000.00"), Decimal("3620.75"), Decimal("1250.00")]
    assert sum(line.amount for line in batch) == Decimal("9870.75")  # the entry's amount


def test_non_ascii_names_structured_references_and_end_to_end_ids_are_read():
    lines = {line.entry_reference: line for line in _lines(camt_parse(fixture_bytes("camt053_v02_two_statements.xml")))}
    mueller = lines["COBA2026110200001"]
    assert mueller.counterparty_name == "Müller Maschinenbau GmbH"
    assert mueller.counterparty_account == "DE44500105175407324931"
    assert mueller.counterparty_bank == "INGDDEFFXXX"
    assert mueller.end_to_end_id == "MUELLER-2026-1147"
    assert mueller.remittance_text == "Rechnung INV0012345 Kd-Nr 4711"
    societe = lines["COBA2026110200002-1"]
    assert societe.counterparty_name == "Société Générale Équipements SA"
    assert societe.structured_reference == "RF18539007547034"
    assert "INV0012350" in societe.remittance_text  # the referred document number
    yamada = lines["COBA2026110200002-2"]
    assert yamada.counterparty_name == "株式会社 山田製作所"
    assert yamada.counterparty_account == "00123456789012"  # Othr/Id, normalized
    assert yamada.end_to_end_id == ""  # NOTPROVIDED is no reference


def test_reversal_charge_interest_and_supplier_debit_are_told_apart():
    lines = {line.entry_reference: line for line in _lines(camt_parse(fixture_bytes("camt053_v02_two_statements.xml")))}
    returned = lines["COBA2026110300001"]
    assert (returned.direction, returned.is_reversal) == ("debit", True)
    assert returned.counterparty_name == "Müller Maschinenbau GmbH"  # the original payer
    assert returned.value_date == date(2026, 11, 2) and returned.booking_date == date(2026, 11, 3)
    assert lines["COBA2026110200004"].bank_code == "ACMT/MDOP/CHRG"
    assert lines["COBA2026110200004"].remittance_text == "Kontoführungsgebühr Oktober"
    assert lines["COBA2026110300002"].bank_code == "ACMT/MCOP/INTR"
    assert lines["COBA2026110200003"].counterparty_name == "Office Supplies Berlin GmbH"  # the creditor of a debit


def test_pending_entries_wait_for_a_later_statement():
    references = {line.entry_reference for line in _lines(camt_parse(fixture_bytes("camt053_v02_two_statements.xml")))}
    assert "COBA2026110200005" not in references
    assert len(references) == 9


def test_booking_date_given_as_date_time_is_read():
    lines = {line.entry_reference: line for line in _lines(camt_parse(fixture_bytes("camt053_v02_two_statements.xml")))}
    assert lines["COBA2026110300003"].booking_date == date(2026, 11, 3)


def test_version_08_paths_are_read_the_same_way():
    (statement,) = camt_parse(fixture_bytes("camt053_v08_batch.xml"))
    assert statement.opening_balance == Decimal("-8000.00")  # PRCD, debit
    assert statement.sequence == "305"
    van_den_berg, lodz, fee = statement.lines
    assert van_den_berg.entry_reference == "ABN20261105X0001/1"  # a batch without per-transaction refs
    assert lodz.entry_reference == "ABN20261105X0001/2"
    assert van_den_berg.counterparty_name == "Van den Berg Logistiek B.V."
    assert van_den_berg.counterparty_bank == "INGBNL2A"
    assert van_den_berg.structured_reference == "RF712348231"
    assert lodz.counterparty_name == "Łódź Meble Sp. z o.o."
    assert lodz.remittance_text == "FAKTURA INV-0012371 INV0012372 part"
    assert fee.entry_reference == ""  # no reference at all: the ingest keys it by its content
    assert fee.direction == "debit" and fee.amount == Decimal("25.00")


def test_camt054_notification_is_one_statement():
    (statement,) = camt_parse(fixture_bytes("camt054_notification.xml"))
    (line,) = statement.lines
    assert statement.currency == "CHF"
    assert line.counterparty_name == "Genève Horlogerie Sàrl"
    assert line.structured_reference == "RF48INV0012380"


def test_truncated_file_says_where_it_ends():
    data = fixture_bytes("camt053_v02_two_statements.xml")
    lines = data.splitlines(keepends=True)
    cut = b"".join(lines[:57])
    with pytest.raises(StatementError) as exc:
        camt_parse(cut)
    assert exc.value.errors == [
        {"line": 57, "message": "the file ends inside a statement (it was cut off before its closing tags)"}]
    assert str(exc.value).startswith("line 57: the file ends inside a statement")


def test_doctype_and_entities_are_refused_before_parsing():
    hostile = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
               b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><x>&x;</x></Document>')
    with pytest.raises(StatementError) as exc:
        camt_parse(hostile)
    assert exc.value.errors[0]["line"] == 2
    assert "DOCTYPE" in exc.value.errors[0]["message"]


def test_another_xml_message_is_refused_by_name():
    with pytest.raises(StatementError, match="not a camt.053 or camt.054 message"):
        camt_parse(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')


@pytest.mark.usefixtures("no_camt_schemas")
def test_without_a_schema_the_elements_we_read_are_still_checked():
    data = fixture_bytes("camt053_v02_two_statements.xml").replace(
        b"<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>BOOK</Sts>",
        b"<CdtDbtInd>CREDIT</CdtDbtInd>\n        <Sts>BOOK</Sts>", 1)
    data = data.replace(b'<Amt Ccy="EUR">2400.00</Amt>', b'<Amt Ccy="EUR">24,00.0</Amt>')
    with pytest.raises(StatementError) as exc:
        camt_parse(data)
    assert exc.value.errors == [  # every bad entry of the file, each at its line
        {"line": 37, "message": "CdtDbtInd 'CREDIT' is neither CRDT nor DBIT"},
        {"line": 104, "message": "amount '24,00.0' is not a number"},
    ]


def test_a_schema_found_for_the_version_validates_the_whole_message(settings, tmp_path):
    """A (deliberately tiny) camt.053.001.02 schema in BANK_CAMT_XSD_DIR: the file is checked
    against it and each complaint comes with its line."""
    (tmp_path / "camt.053.001.02.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        ' targetNamespace="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"'
        ' elementFormDefault="qualified"><xs:element name="Document"><xs:complexType><xs:sequence>'
        '<xs:element name="Nothing" minOccurs="0"/></xs:sequence></xs:complexType></xs:element></xs:schema>')
    settings.BANK_CAMT_XSD_DIR = str(tmp_path)
    camt_schema.schema_for.cache_clear()
    try:
        with pytest.raises(StatementError) as exc:
            camt_parse(fixture_bytes("camt053_v02_two_statements.xml"))
    finally:
        camt_schema.schema_for.cache_clear()
    assert exc.value.errors[0]["line"] == 3
    assert exc.value.errors[0]["message"].startswith("not a valid camt.053.001.02 message: Element")


@pytest.mark.parametrize("name", ["camt053_v02_two_statements.xml", "camt053_v08_batch.xml",
                                  "camt054_notification.xml"])
def test_fixtures_are_valid_against_the_iso_schemas(name):
    """With the ISO 20022 XSDs installed (the camt053 package ships them), our fixtures pass and
    every line says it was validated."""
    message = {"camt053_v02_two_statements.xml": "camt.053.001.02", "camt053_v08_batch.xml": "camt.053.001.08",
               "camt054_notification.xml": "camt.054.001.04"}[name]
    camt_schema.schema_for.cache_clear()
    if camt_schema.schema_for(message) is None:
        pytest.skip("no ISO 20022 XSD on this machine (set BANK_CAMT_XSD_DIR or install camt053)")
    lines = _lines(camt_parse(fixture_bytes(name)))
    assert lines and all(line.raw["schema_validated"] for line in lines)
