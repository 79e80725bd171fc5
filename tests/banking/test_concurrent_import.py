"""Two imports of the same statement at the same moment (two uploads, a retry racing the first
try): one writes the lines, the other finds them and adds nothing. Needs PostgreSQL, where the
two really run at once; SQLite takes one writer at a time anyway."""

import threading

import pytest
from django.db import connection

from banking.ingest import statement_import
from banking.models import BankLine, StatementFile
from tests.banking.conftest import fixture_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent imports need PostgreSQL (run with DATABASE_URL)")


def _race(payloads: list[tuple[bytes, str]]):
    barrier = threading.Barrier(len(payloads))
    results, errors = [None] * len(payloads), []

    def run(index: int, data: bytes, name: str) -> None:
        try:
            barrier.wait()
            results[index] = statement_import(data=data, filename=name)
        except Exception as exc:  # noqa: BLE001 -- the test reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, data, name)) for i, (data, name) in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_the_same_file_twice_at_once_writes_its_lines_once():
    data = fixture_bytes("camt053_v02_two_statements.xml")
    first, second = _race([(data, "a.xml"), (data, "b.xml")])
    assert sorted([len(first.new_lines), len(second.new_lines)]) == [0, 9]
    assert sorted([first.skipped, second.skipped]) == [0, 9]
    assert BankLine.objects.count() == 9 and StatementFile.objects.count() == 1


def test_two_files_sharing_lines_at_once_write_each_line_once():
    data = fixture_bytes("mt940_two_statements.sta")
    first_message = data[:data.index(b"{1:F01COBADEFF")]
    results = _race([(data, "full.sta"), (first_message, "first.sta")])
    assert sum(len(r.new_lines) for r in results) == 7
    assert BankLine.objects.count() == 7 and StatementFile.objects.count() == 2
