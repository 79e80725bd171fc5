"""Real-shaped messages (tests/inbox/corpus) are read, matched to their account and stored once."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from inbox import parsing
from inbox.models import InboundEmail
from inbox.services import inbound_ingest
from tests.inbox.ingest_book import OUR1, corpus, make_book

MB = InboundEmail.MatchedBy


# --- Reading (no database) ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "from_name", "subject", "says", "quoted"), [
    ("gmail_en_alternative_qp.eml", "John Smith", "Re: Invoice INV-1001 is past due",
     "We paid invoice INV-1001 yesterday by wire", "15 days past due"),
    ("outlook_de_cp1252_base64.eml", "Müller, Jürgen", "AW: Zahlungserinnerung INV-2002 – fällig",
     "wir zahlen die Rechnung INV-2002 bis zum 15.12.2026. Die Überweisung", "980,00 € ist fällig"),
    ("html_only_fr_latin1.eml", "Élodie Lefèvre", "Re : Facture INV-3003 échue",
     "Nous contestons la facture INV-3003 : le prix", "la facture INV-3003 est échue"),
    ("shift_jis_ja_base64.eml", "山田 太郎", "Re: 請求書 INV-4004 のお支払い",
     "請求書 INV-4004 は12月10日に支払います。", "お支払い期限を過ぎております"),
    ("unknown_sender_nl_8bit.eml", "Pieter de Vries", "Re: Herinnering factuur",
     "Wij hebben de factuur al betaald.", "uw factuur is vervallen"),
    ("outlook_es_undeclared_cp1252.eml", "María García", "RE: Recordatorio de pago",
     "Necesitamos una copia de la factura, no la encontramos en nuestro sistema. ¡Gracias!", "está vencida"),
    ("auto_reply_de.eml", "Jürgen Müller", "Automatische Antwort: Zahlungserinnerung",
     "Ich bin bis zum 7. Dezember nicht im Büro.", "> Zahlungserinnerung"),
])
def test_each_charset_and_client_is_read_and_the_quoted_part_stripped(name, from_name, subject, says, quoted):
    parsed = parsing.parse(corpus(name))

    assert parsed.from_name == from_name
    assert parsed.subject == subject
    assert says in parsed.reply_text
    assert quoted not in parsed.reply_text, "the quoted message is not part of the reply"
    assert quoted.lstrip("> ") in parsed.text, "the whole message keeps the quoted part"
    assert "\ufffd" not in parsed.text + parsed.subject + parsed.from_name


def test_html_only_message_is_read_as_text():
    parsed = parsing.parse(corpus("html_only_fr_latin1.eml"))

    assert parsed.html.startswith("<html>") and "<" not in parsed.text
    assert parsed.reply_text.splitlines() == ["Bonjour,", "Nous contestons la facture INV-3003 : le prix ne correspond "
                                              "pas au bon de commande.", "Cordialement,", "Élodie Lefèvre"]


def test_gmail_attribution_wrapped_over_two_lines_is_cut_there():
    parsed = parsing.parse(corpus("gmail_en_alternative_qp.eml"))

    assert parsed.reply_text.endswith("Thanks,\nJohn")
    assert parsed.in_reply_to == OUR1 and parsed.references == [OUR1]
    assert parsed.received_at == datetime(2026, 12, 1, 9, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize(("text", "reply"), [
    ("Paid.\n\n-----Original Message-----\nFrom: AR\nSent: Monday\n\nPay", "Paid."),
    ("Bezahlt.\n\n-----Ursprüngliche Nachricht-----\nVon: AR", "Bezahlt."),
    ("Will pay Friday.\n________________________________\nFrom: AR <ar@x.example>\nSent: 30 November 2026\nTo: me",
     "Will pay Friday."),
    ("Payé.\n\nDe : AR <ar@x.example>\nEnvoyé : lundi 30 novembre 2026 09:00\nÀ : moi", "Payé."),
    ("Betaald.\n\nVan: AR\nVerzonden: maandag 30 november 2026\nAan: mij", "Betaald."),
    ("Ok\n\nLe lun. 30 nov. 2026 à 09:00, AR <ar@x.example> a écrit :\n> payez", "Ok"),
    ("Ok\n\nEl lun, 30 nov 2026 a las 9:00, AR (<ar@x.example>) escribió:\n> pague", "Ok"),
    ("Ok\n\nAm Mo., 30. Nov. 2026 um 09:00 Uhr schrieb AR <ar@x.example>:\n> zahlen", "Ok"),
    ("Ok\n\nOp ma 30 nov. 2026 om 09:00 schreef AR <ar@x.example>:\n> betaal", "Ok"),
    ("Top-posted line\n> quoted line\nanother new line", "Top-posted line\nanother new line"),
    ("Nothing quoted here.\nFrom: the accounts team, with thanks", "Nothing quoted here.\nFrom: the accounts team, "
                                                                   "with thanks"),
])
def test_quoted_reply_stripping(text, reply):
    assert parsing.strip_quoted(text) == reply


def test_a_message_with_malformed_headers_is_read_as_far_as_it_goes():
    raw = corpus("malformed_headers.eml")
    parsed = parsing.parse(raw)

    assert parsed.message_id == parsing.derived_message_id(raw), "no Message-ID: one derived from the bytes"
    assert parsed.in_reply_to == "" and parsed.references == []
    assert "We will pay next week — sorry for the delay." in parsed.reply_text
    assert parsed.problems, "what could not be read is reported"
    assert parsed.received_at is not None


def test_attachments_are_kept_with_their_decoded_names():
    parsed = parsing.parse(corpus("attachments_en_remittance.eml"))

    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("remittance.pdf", "application/pdf"), ("scan signé.pdf", "application/pdf")]
    assert parsed.attachments[1].payload.startswith(b"%PDF-1.4") and len(parsed.attachments[1].payload) > 300_000


def test_a_bounce_names_the_message_of_ours_and_the_failed_recipient():
    parsed = parsing.parse(corpus("bounce_dsn.eml"))

    assert parsed.original_message_id == OUR1
    assert parsed.final_recipients == ["old.clerk@globex.example"]
    assert parsed.headers["x-inbox-final-recipients"] == "old.clerk@globex.example"
    assert parsed.headers["auto-submitted"] == "auto-replied"


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe garbage", b"Subject: only a header", b"\r\n\r\n\r\n",
                                 b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nno end"])
def test_parse_never_raises(raw):
    parsed = parsing.parse(raw)
    assert parsed.message_id.endswith("@inbox.invalid>")


# --- Matching and storing ---------------------------------------------------------------------------------------

@pytest.fixture
def book(db):
    return make_book()


@pytest.mark.parametrize(("name", "account", "matched_by", "contact", "answers"), [
    ("gmail_en_alternative_qp.eml", "globex", MB.IN_REPLY_TO, "john", "reminder"),
    ("outlook_de_cp1252_base64.eml", "initech", MB.IN_REPLY_TO, "mueller", "initech_reminder"),
    ("attachments_en_remittance.eml", "globex", MB.IN_REPLY_TO, None, "globex_statement"),
    ("bounce_dsn.eml", "globex", MB.IN_REPLY_TO, "old_clerk", "reminder"),
    ("html_only_fr_latin1.eml", "umbrella", MB.REPLY_ADDRESS, None, None),
    ("shift_jis_ja_base64.eml", "soylent", MB.SENDER, "yamada", None),
    ("auto_reply_de.eml", "initech", MB.SENDER, "mueller", None),
    ("unknown_sender_nl_8bit.eml", None, MB.NONE, None, None),
    ("outlook_es_undeclared_cp1252.eml", None, MB.NONE, None, None),  # her address is at two accounts
    ("malformed_headers.eml", None, MB.NONE, None, None),
])
def test_each_message_is_matched_to_its_account(book, name, account, matched_by, contact, answers):
    email, created = inbound_ingest(corpus(name, book), source=InboundEmail.Source.FILE)

    assert created
    email.refresh_from_db()
    assert email.matched_by == matched_by
    assert email.customer == (getattr(book, account) if account else None)
    if matched_by != MB.IN_REPLY_TO or name != "attachments_en_remittance.eml":
        assert email.contact == (getattr(book, contact) if contact else None)
    assert email.answers == (getattr(book, answers) if answers else None)
    assert email.reply_text and email.text


def test_the_payables_sender_of_a_reply_is_its_contact(book):
    email, _ = inbound_ingest(corpus("attachments_en_remittance.eml"), source="file")

    assert email.contact.email == "ap@globex.example", "the sender, a contact of the account, not the addressee"


def test_the_whole_message_is_kept_and_the_row_says_what_was_read(book):
    raw = corpus("outlook_de_cp1252_base64.eml")
    email, _ = inbound_ingest(raw, source="imap")

    email.refresh_from_db()
    with email.raw.open("rb") as kept:
        assert kept.read() == raw
    assert email.size == len(raw) and email.source == "imap"
    assert email.from_address == "j.mueller@initech.example" and email.from_name == "Müller, Jürgen"
    assert email.to_address == "ar@collections-workbench.local"
    assert email.headers["thread-topic"] == "Zahlungserinnerung INV-2002"
    assert "<html>" in email.html and "Sehr geehrte Damen und Herren" in email.text


def test_the_same_message_twice_is_stored_once(book, monkeypatch):
    calls = []
    monkeypatch.setattr("inbox.effects.inbound_received", calls.append)
    raw = corpus("gmail_en_alternative_qp.eml")

    first, created = inbound_ingest(raw, source="imap")
    again, created_again = inbound_ingest(raw, source="webhook")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.source == "imap"
    assert InboundEmail.objects.count() == 1
    assert calls == [first], "the effects run once"


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(book):
    raw = corpus("malformed_headers.eml")
    inbound_ingest(raw, source="file")
    _, created = inbound_ingest(raw, source="file")

    assert not created and InboundEmail.objects.count() == 1


def test_attachments_over_the_cap_are_recorded_not_stored(book, settings):
    settings.INBOX_MAX_ATTACHMENT_MB = 0.1
    email, _ = inbound_ingest(corpus("attachments_en_remittance.eml"), source="file")

    small, big = email.attachments.order_by("pk")
    assert (small.filename, small.skipped, bool(small.file)) == ("remittance.pdf", False, True)
    assert small.file.read().startswith(b"%PDF-1.4")
    assert (big.filename, big.skipped, bool(big.file)) == ("scan signé.pdf", True, False)
    assert big.size > 300_000


def test_a_message_over_the_size_cap_is_refused_whole(book, settings):
    from inbox.services import MessageRefused

    settings.INBOX_MAX_MESSAGE_MB = 0.1
    with pytest.raises(MessageRefused, match="INBOX_MAX_MESSAGE_MB"):
        inbound_ingest(corpus("attachments_en_remittance.eml"), source="file")
    assert not InboundEmail.objects.exists()


def test_the_classification_is_stored_before_the_effects_run(book, monkeypatch):
    from datetime import date

    from inbox.classify import Result

    seen = []
    monkeypatch.setattr("inbox.classify.classify",
                        lambda email: Result(kind="promise", reason="wir zahlen … bis zum 15.12.2026",
                                             promise_date=date(2026, 12, 15)))
    monkeypatch.setattr("inbox.effects.inbound_received",
                        lambda email: seen.append((email.pk, email.classification, email.proposed_promise_date)))

    email, _ = inbound_ingest(corpus("outlook_de_cp1252_base64.eml"), source="file")

    email.refresh_from_db()
    assert (email.classification, email.classification_reason) == ("promise", "wir zahlen … bis zum 15.12.2026")
    assert email.proposed_promise_date == date(2026, 12, 15)
    assert seen == [(email.pk, "promise", date(2026, 12, 15))]


def test_when_the_effects_fail_nothing_is_stored_so_it_is_retried(book, monkeypatch):
    def boom(email):
        raise RuntimeError("queue down")

    monkeypatch.setattr("inbox.effects.inbound_received", boom)
    raw = corpus("gmail_en_alternative_qp.eml").replace(b"<CAF3x+gmail-en-0001@", b"<effects-fail-once@")
    with pytest.raises(RuntimeError):
        inbound_ingest(raw, source="imap")
    assert not InboundEmail.objects.exists()
    kept = f"inbox/{timezone.now():%Y/%m}/{hashlib.sha256(raw).hexdigest()[:24]}.eml"
    assert not default_storage.exists(kept), "no file is left without its row"


def test_an_unknown_source_is_refused(book):
    with pytest.raises(ValueError, match="Unknown source"):
        inbound_ingest(corpus("gmail_en_alternative_qp.eml"), source="carrier-pigeon")


def test_nul_bytes_and_undecodable_headers_are_stored(book):
    raw = (b"From: \"Bad\x00Name\" <x@y.example>\r\nSubject: caf\xe9 \x00 menu\r\nMessage-ID: <nul-0001@y.example>\r\n"
           b"X-Mailer: \xff\xfe\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWe pay\x00 on Friday.\r\n")
    email, created = inbound_ingest(raw, source="file")

    email.refresh_from_db()
    assert created and email.subject == "café  menu" and email.from_name == "BadName"
    assert email.reply_text == "We pay on Friday."
    assert "\x00" not in str(email.headers)


def test_a_message_stored_meanwhile_by_another_worker_is_returned(book, monkeypatch):
    from inbox import matching

    raw = corpus("unknown_sender_nl_8bit.eml")
    real_match = matching.match

    def racing(parsed):
        InboundEmail.objects.create(message_id=parsed.message_id, source="imap", from_address="x@y",
                                    received_at=timezone.now())
        return real_match(parsed)

    monkeypatch.setattr("inbox.matching.match", racing)
    email, created = inbound_ingest(raw, source="file")

    assert not created and email.source == "imap"
    assert InboundEmail.objects.count() == 1
