"""Read paths over the ledger that every layer above shares."""

from django.db.models import QuerySet

from ledger.models import Customer
from portfolios.access import api_customer_rows, customer_rows


def visible_customers(user) -> QuerySet:
    """The accounts this user may see (portfolios.access decides)."""
    return Customer.objects.filter(customer_rows(user))


def api_customers(user) -> QuerySet:
    """The customers this API user's requests may touch."""
    return Customer.objects.filter(api_customer_rows(user))
