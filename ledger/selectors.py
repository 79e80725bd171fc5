"""Read paths over the ledger that every layer above shares."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from ledger.models import Customer
from portfolios.access import api_customer_rows, customer_rows


def visible_customers(user: User) -> QuerySet[Customer]:
    """The accounts this user may see (portfolios.access decides)."""
    return Customer.objects.filter(customer_rows(user))


def api_customers(user: User) -> QuerySet[Customer]:
    """The customers this API user's requests may touch."""
    return Customer.objects.filter(api_customer_rows(user))
