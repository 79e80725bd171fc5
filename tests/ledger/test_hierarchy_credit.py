"""A credit limit for a group: set on a parent, its usage is the open balance of the parent and every
account below it (the book of tests/ledger/test_hierarchy.py: Globex 2,100.00 over six accounts,
South 1,100.00 with Madrid). The credit-limit rule holds every account of a group over its limit."""

from decimal import Decimal

import pytest

from ledger.models import Customer
from tests.ledger.test_hierarchy import AS_OF, globex_book
from work.holds.models import CreditHoldEvent, CreditHoldRule
from work.holds.selectors import group_credit_usage
from work.holds.services import credit_holds_apply_rules

pytestmark = pytest.mark.django_db
D = Decimal


def test_group_usage_is_summed_over_the_subtree():
    book = globex_book()
    Customer.objects.filter(pk=book["G"].pk).update(group_credit_limit=D("2000.00"))
    Customer.objects.filter(pk=book["R2"].pk).update(group_credit_limit=D("1200.00"))
    usage = group_credit_usage(Customer.objects.all())
    assert set(usage) == {book["G"].pk, book["R2"].pk}
    group, south = usage[book["G"].pk], usage[book["R2"].pk]
    assert (group.used, group.limit, group.over, len(group.members)) == (D("2100.00"), D("2000.00"), True, 6)
    assert (south.used, south.over, round(south.pct, 2)) == (D("1100.00"), False, D("91.67"))


def test_the_credit_limit_rule_holds_the_whole_group_over_its_limit():
    book = globex_book(credit_limit=D("0.00"))  # no account limit of their own: only the group's counts
    Customer.objects.filter(pk=book["G"].pk).update(group_credit_limit=D("2000.00"))
    Customer.objects.filter(pk=book["R2"].pk).update(group_credit_limit=D("1200.00"))
    CreditHoldRule.objects.create(name="Over limit", kind=CreditHoldRule.Kind.OVER_CREDIT_LIMIT)
    result = credit_holds_apply_rules(on=AS_OF)
    assert result.held == 6
    held = set(Customer.objects.filter(credit_hold=True).values_list("external_id", flat=True))
    assert held == {"G", "R1", "S1", "S2", "R2", "S3"}
    reasons = set(CreditHoldEvent.objects.values_list("reason", flat=True))
    assert reasons == {"Rule “Over limit”: group Globex Group open balance 2,100.00 USD over the group credit "
                       "limit 2,000.00"}


def test_a_group_under_its_limit_holds_nobody_and_the_account_limit_still_works_alone():
    book = globex_book(credit_limit=D("0.00"))
    Customer.objects.filter(pk=book["R2"].pk).update(group_credit_limit=D("1200.00"))
    Customer.objects.filter(pk=book["S3"].pk).update(credit_limit=D("550.00"))  # Madrid owes 600.00
    CreditHoldRule.objects.create(name="Over limit", kind=CreditHoldRule.Kind.OVER_CREDIT_LIMIT)
    assert credit_holds_apply_rules(on=AS_OF).held == 1
    assert list(Customer.objects.filter(credit_hold=True).values_list("external_id", flat=True)) == ["S3"]
