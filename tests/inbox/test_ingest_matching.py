"""The per-customer reply-to address and the order of matching."""

import pytest

from inbox import matching, parsing
from inbox.models import InboundEmail
from tests.factories import ContactFactory, CustomerFactory
from tests.inbox.ingest_book import OUR1, make_book


def test_the_reply_address_names_its_customer_and_cannot_be_forged(db, settings):
    settings.INBOX_REPLY_DOMAIN = "ar.example.com"
    customer, other = CustomerFactory(), CustomerFactory()
    address = matching.reply_address_for(customer)

    assert address.startswith(f"ar+c{customer.pk}-") and address.endswith("@ar.example.com")
    assert matching.customer_id_for_reply_address(address) == customer.pk
    assert matching.customer_id_for_reply_address(address.upper().replace("EXAMPLE.COM", "example.com")) == customer.pk
    forged = address.replace(f"c{customer.pk}-", f"c{other.pk}-")
    assert matching.customer_id_for_reply_address(forged) is None
    assert matching.customer_id_for_reply_address(address.replace("ar.example.com", "evil.example")) is None
    assert matching.customer_id_for_reply_address("ar@ar.example.com") is None


def test_the_reply_address_token_depends_on_the_secret_key(db, settings):
    customer = CustomerFactory()
    address = matching.reply_address_for(customer)
    settings.SECRET_KEY = "another-install"
    assert matching.customer_id_for_reply_address(address) is None


def _parsed(**fields) -> parsing.Parsed:
    return parsing.Parsed(message_id="<t@x>", **fields)


@pytest.fixture
def book(db):
    return make_book()


def test_the_thread_wins_over_the_reply_address_and_the_sender(book):
    found = matching.match(_parsed(in_reply_to=OUR1, from_address="t.yamada@soylent.example.jp",
                                   recipients=[matching.reply_address_for(book.umbrella)]))
    assert (found.matched_by, found.customer, found.answers) == ("in_reply_to", book.globex, book.reminder)
    assert found.contact is None, "the sender is not a contact of the account the thread belongs to"


def test_our_message_id_without_angle_brackets_still_matches(book):
    found = matching.match(_parsed(in_reply_to=OUR1.strip("<>")))
    assert found.answers == book.reminder


def test_the_reply_address_wins_over_the_sender(book):
    found = matching.match(_parsed(from_address="t.yamada@soylent.example.jp",
                                   recipients=["someone@else.example", matching.reply_address_for(book.umbrella)]))
    assert (found.matched_by, found.customer) == ("reply_address", book.umbrella)


def test_an_inactive_contact_is_not_matched_but_the_customer_address_is(book):
    gone = ContactFactory(customer=book.initech, email="left@initech.example", active=False)
    assert matching.match(_parsed(from_address=gone.email)).customer is None
    found = matching.match(_parsed(from_address="INFO@initech.example"))
    assert (found.matched_by, found.customer, found.contact) == ("sender", book.initech, None)


def test_unknown_everything_is_unmatched(book):
    found = matching.match(_parsed(in_reply_to="<nope@elsewhere>", from_address="x@nowhere.example",
                                   recipients=["ar+c1-0000000000000000@" + "ar.collections-workbench.local"]))
    assert found == matching.Match()
    assert found.matched_by == InboundEmail.MatchedBy.NONE
