"""Factories for the foundation models. Apps built on top keep theirs in tests/<app>/factories.py."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from ledger.models import Contact, Customer, Invoice
from portfolios.models import Assignment, CollectorProfile, Portfolio, Role, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("demo-pass-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])


def collector(username: str | None = None, **kwargs) -> User:
    kwargs.setdefault("roles", [Role.COLLECTOR])
    user = UserFactory(username=username, **kwargs) if username else UserFactory(**kwargs)
    CollectorProfile.objects.get_or_create(user=user)
    return user


def manager(username: str | None = None, **kwargs) -> User:
    kwargs.setdefault("roles", [Role.MANAGER])
    return UserFactory(username=username, **kwargs) if username else UserFactory(**kwargs)


def finance(username: str | None = None, **kwargs) -> User:
    kwargs.setdefault("roles", [Role.FINANCE])
    return UserFactory(username=username, **kwargs) if username else UserFactory(**kwargs)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    manager = factory.LazyFunction(manager)


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio

    name = factory.Sequence(lambda n: f"Portfolio {n}")
    collector = factory.LazyFunction(collector)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Faker("company")
    email = factory.Faker("company_email")
    payment_terms_days = 30
    credit_limit = Decimal("50000.00")
    currency = "USD"
    segment = "mid-market"
    portfolio = None

    @factory.post_generation
    def assignment(self, create, extracted, **kwargs):
        if create and self.portfolio_id:
            Assignment.objects.create(customer=self, portfolio=self.portfolio, starts_on=date(2025, 1, 1))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name")
    role = Contact.Role.AP_CLERK
    email = factory.Faker("email")
    phone = factory.Faker("phone_number")
    is_primary = True


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An open invoice with nothing applied. Use services to pay, credit or write it off."""

    class Meta:
        model = Invoice

    external_id = factory.Sequence(lambda n: f"INV{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    issue_date = date(2026, 9, 1)
    due_date = factory.LazyAttribute(lambda i: i.issue_date + timedelta(days=30))
    amount = Decimal("1000.00")
    currency = "USD"
    open_amount = factory.LazyAttribute(lambda i: i.amount)


def past_due_invoice(customer, amount: str, *, days: int, **kwargs) -> Invoice:
    """An open invoice of `customer` that fell due `days` ago (negative: not due yet)."""
    from django.utils import timezone

    due = timezone.localdate() - timedelta(days=days)
    return InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                          amount=Decimal(amount), **kwargs)


def PaymentPlanFactory(*, customer=None, invoices=None, count: int = 3, first_in_days: int = 7, **kwargs):  # noqa: N802
    """A live plan made through `plan_create`: `count` monthly installments, equal split, over past-due
    invoices of the customer (two are made when none are given)."""
    from django.utils import timezone

    from work.plans.schedule import Interval, equal_schedule
    from work.plans.services import plan_create

    customer = customer or CustomerFactory()
    invoices = invoices or [past_due_invoice(customer, "600.00", days=40), past_due_invoice(customer, "400.00",
                                                                                          days=10)]
    total = sum((i.open_amount for i in invoices), Decimal("0.00"))
    schedule = equal_schedule(total=total, count=count, interval=Interval.MONTHLY,
                              first_due=timezone.localdate() + timedelta(days=first_in_days))
    return plan_create(invoices=invoices, installments=[(p.due_on, p.amount) for p in schedule], **kwargs)
