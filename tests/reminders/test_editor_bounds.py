"""Editors refuse nonsense in the manager's words: a dunning step a year off its due date, a negative
fee (not a raw constraint name), two steps on one day; a hold rule's segment is one the book has,
its days bounded; the charges forms refuse year-one dates."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reminders.charge_forms import ChargeProposeForm, WaiverReportForm
from reminders.models import DunningStep
from tests.factories import CustomerFactory, manager
from tests.reminders.factories import policy
from work.holds.forms import CreditHoldRuleForm
from work.holds.models import CreditHoldRule

pytestmark = pytest.mark.django_db

STEP = {"offset_days": 10, "name": "Final", "action": "task", "template": "", "fee_amount": "40.00",
        "interest_annual_rate": "0", "charge_min_balance": "0", "charge_grace_days": 0}


@pytest.fixture
def step(client):
    client.force_login(manager())
    p = policy(steps=((3, "task"), (10, "task")))
    return p.steps.get(offset_days=10)


@pytest.mark.parametrize("changed, message", [
    ({"offset_days": -99999}, "A step runs at most 365 days before or after the due date."),
    ({"offset_days": 99999999}, "A step runs at most 365 days before or after the due date."),
    ({"fee_amount": "-5.00"}, "A fee cannot be negative: 0 means no fee."),
    ({"interest_annual_rate": "-1"}, "Interest is between 0 and 100 % a year"),
    ({"interest_annual_rate": "250"}, "Interest is between 0 and 100 % a year"),
    ({"charge_min_balance": "-1"}, "cannot be negative"),
    ({"charge_grace_days": 9999}, "Grace days are between 0 and 365."),
    ({"offset_days": 3}, "already has a step at this offset"),
])
def test_step_editor_refuses_nonsense_with_a_clear_message(client, step, changed, message):
    response = client.post(reverse("dunning_step", args=[step.policy_id, step.pk]), {**STEP, **changed})
    assert response.status_code == 200  # the form again, with its error
    page = response.content.decode()
    assert message in page
    assert "Constraint" not in page and "step_fee_not_negative" not in page
    step.refresh_from_db()
    assert (step.offset_days, step.fee_amount) == (10, Decimal("0"))


def test_a_new_step_on_a_taken_day_is_refused_not_a_server_error(client, step):
    response = client.post(reverse("dunning_step_new", args=[step.policy_id]), {**STEP, "offset_days": 10})
    assert response.status_code == 200
    assert "already has a step at this offset" in response.content.decode()
    assert DunningStep.objects.filter(policy=step.policy, offset_days=10).count() == 1


def test_sane_step_values_are_saved(client, step):
    response = client.post(reverse("dunning_step", args=[step.policy_id, step.pk]), {**STEP, "offset_days": -365})
    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.offset_days, step.fee_amount) == (-365, Decimal("40.00"))


def test_hold_rule_segment_is_a_choice_of_the_books_segments():
    CustomerFactory(segment="Enterprise")
    CustomerFactory(segment="SMB")
    form = CreditHoldRuleForm()
    assert [value for value, _ in form.fields["segment"].choices] == ["", "Enterprise", "SMB"]
    typed = CreditHoldRuleForm({"name": "Late", "kind": "days_past_due", "days_past_due": "90", "min_amount": "0",
                                "segment": "Enterprise "})
    assert not typed.is_valid() and "segment" in typed.errors


def test_hold_rule_keeps_a_segment_no_customer_carries_any_more():
    rule = CreditHoldRule.objects.create(name="Old", kind="over_limit", segment="Retail")
    assert ("Retail", "Retail") in CreditHoldRuleForm(instance=rule).fields["segment"].choices


@pytest.mark.parametrize("days", ["99999999", "4000"])
def test_hold_rule_days_are_bounded(client, days):
    client.force_login(manager())
    response = client.post(reverse("hold_rules"), {"name": "Late", "kind": "days_past_due", "days_past_due": days,
                                                   "min_amount": "0", "active": "on"})
    assert response.status_code == 400
    assert "Between 1 and 3650 days past due." in response.content.decode()
    assert not CreditHoldRule.objects.exists()


def test_hold_rule_minimum_cannot_be_negative():
    form = CreditHoldRuleForm({"name": "Big", "kind": "over_limit", "min_amount": "-10", "segment": ""})
    assert not form.is_valid()
    assert "cannot be negative" in str(form.errors["min_amount"])


def test_charges_forms_refuse_year_one():
    assert "on or after 2000-01-01" in str(ChargeProposeForm({"as_of": "0001-01-01"}).errors)
    assert "on or after 2000-01-01" in str(WaiverReportForm({"start": "0001-01-01", "end": "2026-01-01"}).errors)
