"""The accounts, contacts and sent messages the corpus (tests/inbox/corpus/*.eml) refers to."""

from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from inbox.matching import reply_address_for
from reminders.models import OutboundMessage
from tests.factories import ContactFactory, CustomerFactory

CORPUS = Path(__file__).parent / "corpus"
OUR1 = "<3f1c0a9e5b7d4c2a8e6f0b1d2c3a4e5f@collections-workbench.local>"
OUR2 = "<9a8b7c6d5e4f30211223344556677889@collections-workbench.local>"
OUR3 = "<0badc0ffee0ddf00d1234567890abcde@collections-workbench.local>"


@dataclass
class Book:
    globex: object
    initech: object
    umbrella: object
    soylent: object
    hooli: object
    hooli_es: object
    john: object
    old_clerk: object
    mueller: object
    yamada: object
    reminder: object  # OUR1, to globex's old clerk then John
    initech_reminder: object  # OUR2
    globex_statement: object  # OUR3


def sent(customer, contact, message_id: str, key: str) -> OutboundMessage:
    return OutboundMessage.objects.create(
        customer=customer, contact=contact, kind=OutboundMessage.Kind.DUNNING, key=key, to_email=contact.email,
        subject="Invoice past due", body="Please pay.", status=OutboundMessage.Status.SENT,
        provider_message_id=message_id, sent_at=timezone.now())


def make_book(portfolio=None) -> Book:
    globex = CustomerFactory(name="Globex", email="billing@globex.example", portfolio=portfolio)
    initech = CustomerFactory(name="Initech GmbH", email="info@initech.example")
    umbrella = CustomerFactory(name="Umbrella SARL", email="compta@umbrella.example")
    soylent = CustomerFactory(name="Soylent KK", email="keiri@soylent.example.jp")
    hooli, hooli_es = CustomerFactory(name="Hooli"), CustomerFactory(name="Hooli España")
    john = ContactFactory(customer=globex, name="John Smith", email="john.smith@globex.example")
    old_clerk = ContactFactory(customer=globex, name="Old Clerk", email="old.clerk@globex.example", is_primary=False)
    ContactFactory(customer=globex, name="Payables", email="ap@globex.example", is_primary=False)
    mueller = ContactFactory(customer=initech, name="Jürgen Müller", email="J.Mueller@initech.example")
    yamada = ContactFactory(customer=soylent, name="山田 太郎", email="t.yamada@soylent.example.jp")
    ContactFactory(customer=hooli, name="María García", email="maria.garcia@hooli.example.es")
    ContactFactory(customer=hooli_es, name="María García", email="maria.garcia@hooli.example.es")
    return Book(
        globex, initech, umbrella, soylent, hooli, hooli_es, john, old_clerk, mueller, yamada,
        reminder=sent(globex, old_clerk, OUR1, "dunning-globex-1"),
        initech_reminder=sent(initech, mueller, OUR2, "dunning-initech-1"),
        globex_statement=sent(globex, john, OUR3, "statement-globex-2026-11"),
    )


def corpus(name: str, book: Book | None = None) -> bytes:
    raw = (CORPUS / name).read_bytes()
    if book is not None:
        raw = raw.replace(b"REPLY_ADDRESS", reply_address_for(book.umbrella).encode())
    return raw
