import pytest

from banking.parsers.detect import format_detect
from banking.parsers.records import StatementError
from tests.banking.conftest import fixture_bytes


@pytest.mark.parametrize(("name", "expected"), [
    ("camt053_v02_two_statements.xml", "camt053"), ("camt053_v08_batch.xml", "camt053"),
    ("camt054_notification.xml", "camt054"), ("mt940_two_statements.sta", "mt940"),
    ("bai2_two_accounts.bai", "bai2"), ("csv_default_layout.csv", "csv"), ("csv_german_bank.csv", "csv"),
])
def test_format_is_read_from_the_content(name, expected):
    assert format_detect(fixture_bytes(name), "statement.dat" if expected != "csv" else name) == expected


def test_an_unknown_file_is_refused_with_the_formats_we_read():
    with pytest.raises(StatementError, match="unknown format"):
        format_detect(b"%PDF-1.7 ...", "statement.pdf")


def test_other_xml_is_refused():
    with pytest.raises(StatementError, match="not a camt.053 or camt.054"):
        format_detect(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
                      "x.xml")
