"""The provider's inbound webhook (Mailgun through django-anymail): signed posts of raw MIME."""

import base64
import hashlib
import hmac
import time

import pytest
from django.test import Client
from django.urls import reverse

from inbox.models import InboundEmail
from tests.inbox.ingest_book import corpus, make_book

KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)  # as the provider posts: no CSRF cookie or token


@pytest.fixture
def book(db, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY, "WEBHOOK_SECRET": ""}
    return make_book()


def mailgun_post(raw: bytes, *, key: str = KEY, **extra) -> dict:
    """The fields of a Mailgun route's forward() with "raw MIME" on, as its docs and anymail's tests show."""
    timestamp, token = str(int(time.time())), "50dcb4d3a3a0f8bb9a4c0ad3b3a33c1d9e0b0c4f7fe5e6b2b1"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"recipient": "ar@collections-workbench.local", "sender": "john.smith@globex.example",
            "body-mime": raw.decode("utf-8"), "timestamp": timestamp, "token": token, "signature": signature,
            **extra}


def test_a_signed_post_is_ingested_like_any_message(client, book):
    response = client.post(reverse("inbox_webhook_mailgun"), mailgun_post(corpus("gmail_en_alternative_qp.eml")))

    assert response.status_code == 200
    email = InboundEmail.objects.get()
    assert (email.source, email.customer, email.matched_by) == ("webhook", book.globex, "in_reply_to")
    assert "We paid invoice INV-1001" in email.reply_text


def test_the_provider_retrying_the_same_message_stores_it_once(client, book):
    data = mailgun_post(corpus("shift_jis_ja_base64.eml"))
    assert [client.post(reverse("inbox_webhook_mailgun"), data).status_code for _ in range(2)] == [200, 200]
    assert InboundEmail.objects.count() == 1


def test_a_bad_signature_is_refused(client, book):
    response = client.post(reverse("inbox_webhook_mailgun"),
                           mailgun_post(corpus("gmail_en_alternative_qp.eml"), key="not-the-key"))
    assert response.status_code == 400
    assert not InboundEmail.objects.exists()


def test_without_a_signing_key_every_post_is_refused(client, book, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    response = client.post(reverse("inbox_webhook_mailgun"), mailgun_post(corpus("gmail_en_alternative_qp.eml"),
                                                                          key=""))
    assert response.status_code == 503 and b"MAILGUN_WEBHOOK_SIGNING_KEY" in response.content
    assert not InboundEmail.objects.exists()


def test_basic_auth_is_checked_when_set(client, book, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY, "WEBHOOK_SECRET": "mailgun:s3cret"}
    data = mailgun_post(corpus("gmail_en_alternative_qp.eml"))
    assert client.post(reverse("inbox_webhook_mailgun"), data).status_code == 400
    auth = "Basic " + base64.b64encode(b"mailgun:s3cret").decode()
    assert client.post(reverse("inbox_webhook_mailgun"), data, HTTP_AUTHORIZATION=auth).status_code == 200
    assert InboundEmail.objects.count() == 1


def test_a_parsed_post_without_raw_mime_is_rebuilt_and_ingested(client, book):
    data = mailgun_post(b"")
    del data["body-mime"]
    data.update({"from": "山田 太郎 <t.yamada@soylent.example.jp>", "To": "ar@collections-workbench.local",
                 "subject": "お支払い", "body-plain": "12月10日に支払います。",
                 "message-headers": '[["Message-Id", "<parsed-0001@soylent.example.jp>"], '
                                    '["From", "t.yamada@soylent.example.jp"], ["Subject", "Payment"]]'})
    assert client.post(reverse("inbox_webhook_mailgun"), data).status_code == 200
    email = InboundEmail.objects.get()
    assert (email.message_id, email.customer, email.matched_by) == (
        "<parsed-0001@soylent.example.jp>", book.soylent, "sender")
    assert "12月10日に支払います。" in email.text
