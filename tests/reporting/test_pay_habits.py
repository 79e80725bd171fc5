"""The pay model's payment-habit features: read from cash dated on or before the snapshot day only, and
the rule's date moved on to the customer's payment-run weekday."""

from datetime import date, timedelta

import numpy as np
import pandas as pd

from reporting.pay_model import Snapshot, at_horizon, pay_habits, rolled_ordinals

DAY = date(2026, 5, 31)  # a Sunday


def _cash(rows):
    return pd.DataFrame(rows, columns=["invoice_id", "customer_id", "on", "cents"])


def test_habits_read_only_cash_dated_on_or_before_the_day():
    thursdays = [date(2026, 5, 7) + timedelta(days=7 * k) for k in range(4)]  # May 7 … May 28
    cash = _cash([(k, 1, on, 100) for k, on in enumerate(thursdays)] + [(9, 1, date(2026, 5, 26), 100)])
    habits = pay_habits(DAY, cash)
    assert habits.loc[1, "pay_weekday"] == 3  # Thursday
    assert habits.loc[1, "since_paid"] == 3  # May 28
    assert habits.loc[1, "weekday_regular"] == 4 / 5
    # Payments dated after the day (a Monday, many of them) change nothing.
    later = [(20 + k, 1, DAY + timedelta(days=1 + 7 * k), 100) for k in range(6)]
    assert pay_habits(DAY, pd.concat([cash, _cash(later)], ignore_index=True)).equals(habits)
    assert pay_habits(DAY, _cash([])).empty and pay_habits(DAY, None).empty


def test_rolled_date_and_payment_runs_left_before_the_horizon():
    predicted = date(2026, 6, 26)  # a Friday: a Thursday payer pays on July 2
    rolled = rolled_ordinals([predicted, predicted, date(2026, 6, 25)], np.array([3.0, np.nan, 3.0]))
    assert [date.fromordinal(int(o)) for o in rolled] == [date(2026, 7, 2), predicted, date(2026, 6, 25)]
    frame = pd.DataFrame({
        "invoice_id": [1, 2], "customer_id": [7, 7], "due_date": [predicted, predicted],
        "predicted": [predicted, predicted],
        "pay_weekday": [3.0, float("nan")],
        "rolled_ordinal": rolled[:2],
    })
    rows = at_horizon(Snapshot(DAY, frame), date(2026, 6, 30))
    assert list(rows["rule_to_horizon"]) == [4, 4]
    assert list(rows["rolled_to_horizon"]) == [-2.0, 4.0]
    # Thursdays in June 1..30: 4, 11, 18, 25; no payment run known: every day of the span.
    assert list(rows["pay_days_left"]) == [4.0, 30.0]
