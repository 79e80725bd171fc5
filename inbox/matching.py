"""Which account an inbound message belongs to, in this order:

1. `In-Reply-To` / `References` (and a bounce's returned Message-ID) name a message we sent:
   `OutboundMessage.provider_message_id`;
2. it was sent to the account's own reply-to address, `ar+<token>@INBOX_REPLY_DOMAIN`, whose token
   is an HMAC of the customer id (`reply_address_for`): it cannot be guessed for another account;
3. the sender's address is an active contact's (or the customer's own address) of exactly one
   customer;
4. else no account: the message waits in the AR inbox."""

from dataclasses import dataclass

from inbox.models import InboundEmail
from inbox.parsing import Parsed
from ledger.models import Contact, Customer
from reminders import reply_address
from reminders.models import OutboundMessage


@dataclass(frozen=True)
class Match:
    matched_by: str = InboundEmail.MatchedBy.NONE
    customer: Customer | None = None
    contact: Contact | None = None
    answers: OutboundMessage | None = None


def reply_address_for(customer: Customer) -> str:
    """The account's own reply-to address (reminders.reply_address): mail sent to it is matched to it."""
    return reply_address.reply_address_for(customer.pk)


customer_id_for_reply_address = reply_address.customer_id_for_reply_address


def _contact_of(customer: Customer, address: str, preferred: Contact | None = None) -> Contact | None:
    if not address:
        return None
    if preferred is not None and preferred.email.lower() == address:
        return preferred
    return Contact.objects.filter(customer=customer, email__iexact=address).order_by("-active", "-is_primary",
                                                                                      "pk").first()


def _by_thread(parsed: Parsed) -> OutboundMessage | None:
    # The most recent first: In-Reply-To, then References from the last one back.
    ids = [parsed.in_reply_to, *reversed(parsed.references), parsed.original_message_id]
    ids = [i for i in dict.fromkeys(ids) if i]
    if not ids:
        return None
    # Our Message-IDs are stored with their angle brackets; accept them without too.
    bare = [i.strip("<>") for i in ids]
    candidates = bare + [f"<{i}>" for i in bare]
    found = {m.provider_message_id.strip("<>"): m for m in
             OutboundMessage.objects.filter(provider_message_id__in=candidates).select_related("customer", "contact")}
    for message_id in ids:
        if message_id.strip("<>") in found:
            return found[message_id.strip("<>")]
    return None


def _by_sender(address: str) -> tuple[Customer | None, Contact | None]:
    contacts = list(Contact.objects.filter(email__iexact=address, active=True).select_related("customer")[:20])
    customers = {c.customer_id for c in contacts}
    if len(customers) == 1:
        contact = sorted(contacts, key=lambda c: (not c.is_primary, c.pk))[0]
        return contact.customer, contact
    if customers:
        return None, None  # the same address at several accounts: a person decides (AR inbox)
    owners = list(Customer.objects.filter(email__iexact=address)[:2])
    return (owners[0], None) if len(owners) == 1 else (None, None)


def match(parsed: Parsed) -> Match:
    """The account of a parsed message, and how it was found."""
    sender = parsed.from_address.lower()
    answered = _by_thread(parsed)
    if answered is not None:
        contact = _contact_of(answered.customer, sender, answered.contact) or (
            answered.contact if parsed.final_recipients else None)
        return Match(InboundEmail.MatchedBy.IN_REPLY_TO, answered.customer, contact, answered)
    for address in parsed.recipients:
        pk = customer_id_for_reply_address(address)
        customer = Customer.objects.filter(pk=pk).first() if pk else None
        if customer is not None:
            return Match(InboundEmail.MatchedBy.REPLY_ADDRESS, customer, _contact_of(customer, sender))
    if sender and "@" in sender:
        customer, contact = _by_sender(sender)
        if customer is not None:
            return Match(InboundEmail.MatchedBy.SENDER, customer, contact)
    return Match()
