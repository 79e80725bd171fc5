"""Demo customers: account families, segments, terms, currencies, contacts and portfolio history."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from devtools.demo import names
from ledger.models import Contact, Customer

# segment → (share of accounts, invoices a year, median invoice amount, terms to pick from)
SEGMENTS = {
    "enterprise": (0.10, 40, 12000, (30, 45, 60, 60)),
    "mid-market": (0.30, 20, 3500, (30, 30, 45, 60)),
    "small business": (0.50, 10, 900, (15, 15, 30, 30, 30)),
    "public sector": (0.10, 18, 6000, (30, 45, 45, 60)),
}
# How an account pays: share of accounts by segment (enterprise, mid, small, public).
BEHAVIOURS = {
    "early": (0.14, 0.14, 0.12, 0.05),
    "on_time": (0.40, 0.36, 0.32, 0.25),
    "late": (0.26, 0.26, 0.26, 0.45),
    "very_late": (0.08, 0.10, 0.13, 0.17),
    "partial": (0.08, 0.09, 0.10, 0.05),
    "stopped": (0.02, 0.03, 0.05, 0.01),
    "closed": (0.02, 0.02, 0.02, 0.02),
}
CURRENCIES = (("USD", 0.85), ("EUR", 0.07), ("GBP", 0.05), ("CAD", 0.03))
CONTACT_ROLES = (
    (Contact.Role.AP_CLERK, "Accounts Payable", 1.0),
    (Contact.Role.APPROVER, "Purchasing Manager", 0.8),
    (Contact.Role.CONTROLLER, "Controller", 0.5),
    (Contact.Role.SALES_REP, "Buyer", 0.4),
)
REGIONAL = (0, 1, 2, 3)  # portfolios of alice, bob, chen, dana
STRATEGIC, INTERNATIONAL = 4, 5  # elena, farid


@dataclass
class Account:
    """A customer with what the generator decided about it (how it pays, who owned it when)."""

    customer: Customer
    rng: random.Random
    behaviour: str
    invoices_a_year: float
    median_amount: float
    pay_weekday: int
    stop_on: date | None = None
    owners: list = field(default_factory=list)  # [(starts_on, ends_on | None, portfolio index)]
    contacts: list[Contact] = field(default_factory=list)

    def owner_on(self, on: date) -> int:
        for starts_on, ends_on, portfolio in self.owners:
            if starts_on <= on and (ends_on is None or on <= ends_on):
                return portfolio
        return self.owners[0][2]


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _company_name(rng: random.Random, segment: str) -> str:
    if segment == "public sector":
        return f"{rng.choice(names.PUBLIC_BODIES)} {rng.choice(names.PLACES)}"
    return f"{rng.choice(names.COMPANY_FIRST)} {rng.choice(names.COMPANY_SECOND)} {rng.choice(names.COMPANY_SUFFIX)}"


def plan_accounts(*, count: int, seed: int, start: date, as_of: date, invoice_scale: float) -> list[Account]:
    """`count` customers in families (a head with 2–5 children) and standalone accounts, in the
    order they get their ids. Children have `customer.parent` pointing at the head's object."""
    rng = random.Random(f"accounts-{seed}")
    accounts: list[Account] = []
    segment_names = list(SEGMENTS)
    seen_names: set[str] = set()
    while len(accounts) < count:
        segment = rng.choices(segment_names, weights=[SEGMENTS[s][0] for s in segment_names])[0]
        currency = _pick(rng, CURRENCIES) if segment != "public sector" else "USD"
        name = _company_name(rng, segment)
        while name in seen_names:
            name = f"{name.rsplit(' (', 1)[0]} ({rng.choice(names.PLACES)})"
        seen_names.add(name)
        family_size = rng.choice((2, 3, 3, 4, 5)) if segment != "small business" and rng.random() < 0.12 else 0
        family_size = min(family_size, count - len(accounts) - 1)
        if currency != "USD":
            portfolio = INTERNATIONAL
        elif segment == "public sector" or (segment == "enterprise" and family_size):
            portfolio = STRATEGIC
        else:
            portfolio = rng.choice(REGIONAL)
        reassigned_on = None
        if portfolio in REGIONAL and rng.random() < 0.07:
            reassigned_on = start + timedelta(days=rng.randint(60, max(61, (as_of - start).days - 30)))
            new_portfolio = rng.choice([p for p in REGIONAL if p != portfolio])
            owners = [(start, reassigned_on - timedelta(days=1), portfolio), (reassigned_on, None, new_portfolio)]
        else:
            owners = [(start, None, portfolio)]
        head = _account(rng, seed, len(accounts), name, segment, currency, owners, start, as_of, invoice_scale)
        accounts.append(head)
        for _ in range(family_size):
            child_segment = segment if rng.random() < 0.7 else rng.choice(("mid-market", "small business"))
            child_name = f"{name.split(' ', 2)[0]} {name.split(' ', 2)[1]} — {rng.choice(names.PLACES)}"
            while child_name in seen_names:
                child_name = f"{child_name} {rng.randint(2, 99)}"
            seen_names.add(child_name)
            child = _account(
                rng, seed, len(accounts), child_name, child_segment, currency, owners, start, as_of, invoice_scale
            )
            child.customer.parent = head.customer
            accounts.append(child)
    return accounts


def _account(rng, seed, index, name, segment, currency, owners, start, as_of, invoice_scale) -> Account:
    _share, per_year, median, terms = SEGMENTS[segment]
    column = list(SEGMENTS).index(segment)
    behaviour = rng.choices(list(BEHAVIOURS), weights=[shares[column] for shares in BEHAVIOURS.values()])[0]
    invoices_a_year = per_year * invoice_scale * rng.uniform(0.4, 1.6)
    median_amount = median * rng.uniform(0.5, 1.8)
    monthly = median_amount * invoices_a_year / 12
    credit_limit = Decimal(max(5000, round(monthly * rng.uniform(1.5, 3.5) / 5000) * 5000))
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:20] + ".example.com"
    customer = Customer(
        external_id=f"C{index + 1:06d}", name=name, email=f"ap@{domain}", phone=_phone(rng),
        payment_terms_days=rng.choice(terms), credit_limit=credit_limit, currency=currency, segment=segment,
    )
    account = Account(
        customer=customer, rng=random.Random(f"account-{seed}-{index}"), behaviour=behaviour,
        invoices_a_year=invoices_a_year, median_amount=median_amount, pay_weekday=rng.choice((1, 3, 3, 4, 4)),
        owners=list(owners),
    )
    if behaviour == "stopped":
        account.stop_on = as_of - timedelta(days=rng.randint(75, 200))
        customer.status = Customer.Status.ON_HOLD
        customer.hold_reason = "Credit hold: no payment received since " + account.stop_on.isoformat()
    elif behaviour == "closed":
        customer.status = Customer.Status.CLOSED
    return account


def _phone(rng: random.Random) -> str:
    return f"+1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}"


def plan_contacts(account: Account) -> list[Contact]:
    rng, customer = account.rng, account.customer
    domain = customer.email.split("@", 1)[1]
    contacts = []
    for role, _title, chance in CONTACT_ROLES:
        if rng.random() > chance:
            continue
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
        contacts.append(Contact(
            customer=customer, name=f"{first} {last}", role=role, email=f"{local}@{domain}", phone=_phone(rng),
            is_primary=role == Contact.Role.AP_CLERK, receives_statements=role == Contact.Role.AP_CLERK,
        ))
    account.contacts = contacts
    return contacts
