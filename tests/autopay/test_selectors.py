"""What keeps an invoice out of dunning: a charge still to come under active autopay, or in flight."""

import pytest

from autopay.models import AutopayCharge, Mandate
from autopay.selectors import invoices_autopay_covered
from tests.autopay.conftest import customer_with_invoices, enrol

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("charge_status", "mandate_status", "covered"), [
    ("scheduled", "active", True),
    ("announced", "active", True),
    ("charging", "active", True),
    ("charging", "paused", True),  # already with the provider: the money is on its way
    ("scheduled", "paused", False),
    ("succeeded", "active", False),
    ("failed", "active", False),
    ("skipped", "active", False),
])
def test_an_invoice_is_covered_only_while_autopay_will_collect_it(commit, charge_status, mandate_status, covered):
    customer = customer_with_invoices(10)
    mandate = enrol(customer, commit)
    AutopayCharge.objects.update(status=charge_status)
    Mandate.objects.filter(pk=mandate.pk).update(status=mandate_status)
    assert list(invoices_autopay_covered()) == (list(customer.invoices.all()) if covered else [])


def test_a_paid_invoice_is_not_covered(commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    customer.invoices.update(status="paid", open_amount=0)
    assert not invoices_autopay_covered().exists()


def test_the_selector_is_one_query_without_distinct(commit, django_assert_num_queries):
    customer = customer_with_invoices(10, 20, 30)
    enrol(customer, commit)
    with django_assert_num_queries(1) as captured:
        assert len(list(invoices_autopay_covered())) == 3
    assert "DISTINCT" not in captured.captured_queries[0]["sql"]
