"""`manage.py ingest_email [FILE]`: what an MTA pipes a message into; exit codes MTAs understand."""

import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from inbox.models import InboundEmail
from tests.inbox.ingest_book import CORPUS, corpus, make_book


@pytest.fixture
def book(db):
    return make_book()


def run(*args, stdin: bytes | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    call_command("ingest_email", *args, stdout=out)
    return out.getvalue()


def test_a_file_is_stored_and_reported(book):
    out = run(str(CORPUS / "shift_jis_ja_base64.eml"))

    email = InboundEmail.objects.get()
    assert email.source == "file" and email.customer == book.soylent
    assert out.startswith(f"Stored #{email.pk} <20261201180000.ABCD1234@soylent.example.jp>: Soylent KK (by the sender")


def test_standard_input_with_json(book, monkeypatch):
    out = run("--json", stdin=corpus("gmail_en_alternative_qp.eml"), monkeypatch=monkeypatch)

    result = json.loads(out)
    email = InboundEmail.objects.get()
    assert result["id"] == email.pk and result["created"] is True
    assert (result["customer"], result["matched_by"]) == (book.globex.pk, "in_reply_to")
    assert result["classification"] == email.classification != ""


def test_a_duplicate_exits_zero_and_says_so(book):
    path = str(CORPUS / "unknown_sender_nl_8bit.eml")
    run(path)
    out = run(path, "--json")

    assert json.loads(out)["created"] is False
    assert InboundEmail.objects.count() == 1
    assert "Already stored" in run(path) and "AR inbox" in run(path)


def test_a_database_error_exits_75_so_the_mta_retries(book, monkeypatch):
    def down(raw, *, source):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("inbox.management.commands.ingest_email.inbound_ingest", down)
    with pytest.raises(CommandError, match="try again later") as error:
        run(str(CORPUS / "unknown_sender_nl_8bit.eml"))
    assert error.value.returncode == 75


@pytest.mark.parametrize(("setup", "message"), [
    ("empty", "input is empty"), ("missing", "No such file"), ("huge", "INBOX_MAX_MESSAGE_MB")])
def test_refused_input_exits_65(book, settings, tmp_path, setup, message):
    path = tmp_path / "message.eml"
    if setup == "empty":
        path.write_bytes(b"\r\n")
    elif setup == "huge":
        settings.INBOX_MAX_MESSAGE_MB = 0.1
        path.write_bytes(corpus("attachments_en_remittance.eml"))
    with pytest.raises(CommandError, match=message) as error:
        run(str(path))
    assert error.value.returncode == 65
    assert not InboundEmail.objects.exists()
