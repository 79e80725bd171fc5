"""The forecast computed for the whole frame at once (issue 18) gives what the rule per invoice gives:
the same dates, bases, weeks, collectors and at-risk rows; the payment behaviour's exact sums."""

import random
from datetime import date, timedelta
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pytest

from reporting import behaviour as behaviour_module
from reporting import forecast as forecast_module
from reporting.behaviour import PaymentBehaviour, payment_behaviour
from reporting.forecast import BOOK, DisputeCycle, forecast_of, round_days
from reporting.frames import date_ordinals, ordinal_dates
from reporting.paid_months import WindowSums

D = date(2026, 11, 12)  # a Thursday: the month's weeks are cut on both sides


def test_ordinals_and_dates_are_each_others_inverse():
    days = pd.Series([date(2026, 1, 31), date(2024, 2, 29), date(2026, 1, 31), date(1999, 12, 31)], dtype=object)
    ordinals = date_ordinals(days)
    assert ordinals.dtype == np.int64 and ordinals.tolist() == [d.toordinal() for d in days]
    assert ordinal_dates(ordinals).tolist() == days.tolist()
    assert ordinal_dates(np.array([], dtype="int64")).tolist() == []


def _frame(rows: int, seed: int) -> pd.DataFrame:
    pick = random.Random(seed)
    collectors = ["ana", "bo", "(unassigned)", "zoë"]
    records = []
    for n in range(rows):
        due = D + timedelta(days=pick.randint(-120, 60))
        open_amount = Decimal(pick.randint(1, 10**7)).scaleb(-2)
        rate = pick.choice([Decimal(1), Decimal("1.10000000"), Decimal("0.74231012")])
        records.append({
            "invoice_id": n + 1, "invoice": f"INV{n % 97:05d}", "customer_id": pick.randint(1, 40),
            "customer": "c", "collector": pick.choice(collectors), "currency": "USD", "open": open_amount,
            "open_base": open_amount * rate, "issue_date": due - timedelta(days=30), "due_date": due,
            "days_past_due": (D - due).days,
        })
    return pd.DataFrame.from_records(records)


def _expected(frame, behaviour, cycle, planned, promised, disputed, horizon_end):
    """The rule invoice by invoice, as it was written before the frame was computed at once."""
    rows = []
    for row in frame.to_dict("records"):
        invoice_id, customer_id, due = row["invoice_id"], row["customer_id"], row["due_date"]
        if invoice_id in planned:
            predicted, basis = planned[invoice_id], "payment plan"
        elif invoice_id in promised:
            predicted, basis = promised[invoice_id], "promise"
        elif invoice_id in disputed:
            offset = cycle.days(disputed[invoice_id]) + behaviour.days_late(customer_id)
            predicted, basis = due + timedelta(days=round_days(offset)), f"dispute: {disputed[invoice_id]}"
        else:
            predicted, basis = due + timedelta(days=round_days(behaviour.days_late(customer_id))), "payment history"
        rows.append({**row, "predicted": predicted, "basis": basis})
    inside = [r for r in rows if D < r["predicted"] <= horizon_end]
    risky = [r for r in rows if r["predicted"] <= D]
    names = sorted({r["collector"] for r in inside + risky})

    def total(part, name):
        return sum((r["open_base"] for r in part if r["collector"] == name), Decimal(0))

    collectors = [{"collector": name, "forecast": total(inside, name),
                   "invoices": sum(1 for r in inside if r["collector"] == name), "at_risk": total(risky, name)}
                  for name in names]
    return rows, inside, risky, collectors


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_frame_at_once_predicts_what_the_rule_per_invoice_predicts(monkeypatch, seed):
    frame = _frame(600, seed)
    behaviour = PaymentBehaviour(
        as_of=D, start=D, book_days_late=Decimal("12.5"), book_days_to_pay=Decimal(40),  # halves round up
        customers={c: {"days_late": Decimal(c * 7 - 60) / 3, "days_to_pay": Decimal(30), "invoices": 1,
                       "amount": Decimal(1)} for c in range(1, 31)})  # customers 31–40: the book's figure
    cycle = DisputeCycle(by_root_cause={"pricing": Decimal("20.5")}, overall=Decimal(9))
    ids = frame["invoice_id"].tolist()
    planned = {i: D + timedelta(days=i % 40 - 10) for i in ids[0:30]}
    promised = {i: D + timedelta(days=i % 25 - 5) for i in ids[20:60]}  # 20–29 planned too: the plan wins
    disputed = {i: ("pricing" if i % 2 else "quality") for i in ids[50:90]}
    monkeypatch.setattr(forecast_module, "_plan_dates", lambda as_of, f: planned)
    monkeypatch.setattr(forecast_module, "_promised_dates", lambda as_of, scope: promised)
    monkeypatch.setattr(forecast_module, "_disputed", lambda as_of, scope: disputed)
    horizon_end = date(2026, 11, 30)

    report = forecast_of(frame, as_of=D, horizon_end=horizon_end, scope=BOOK, behaviour=behaviour, cycle=cycle)

    rows, inside, risky, collectors = _expected(frame, behaviour, cycle, planned, promised, disputed, horizon_end)
    assert report.invoices["predicted"].tolist() == [r["predicted"] for r in rows]
    assert report.invoices["basis"].tolist() == [r["basis"] for r in rows]
    assert report.forecast == sum((r["open_base"] for r in inside), Decimal(0))
    assert report.at_risk == sum((r["open_base"] for r in risky), Decimal(0))
    assert report.beyond == sum((r["open_base"] for r in rows if r["predicted"] > horizon_end), Decimal(0))
    assert report.by_collector == collectors
    assert [(w["start"], w["end"]) for w in report.weeks] == [
        (date(2026, 11, 13), date(2026, 11, 15)), (date(2026, 11, 16), date(2026, 11, 22)),
        (date(2026, 11, 23), date(2026, 11, 29)), (date(2026, 11, 30), date(2026, 11, 30))]
    for week in report.weeks:
        chosen = [r for r in inside if week["start"] <= r["predicted"] <= week["end"]]
        assert (week["amount"], week["invoices"]) == (sum((r["open_base"] for r in chosen), Decimal(0)), len(chosen))
    expected_risky = sorted(risky, key=lambda r: r["invoice"])
    expected_risky.sort(key=lambda r: r["open_base"], reverse=True)
    columns = forecast_module.AT_RISK_COLUMNS
    assert report.at_risk_invoices == [{c: r[c] for c in columns} for r in expected_risky]
    assert all(type(r["invoice_id"]) is int and type(r["days_past_due"]) is int for r in report.at_risk_invoices)
    assert {"payment plan", "promise", "dispute: pricing", "dispute: quality", "payment history"} <= set(
        report.invoices["basis"])


def test_an_empty_frame_forecasts_nothing(monkeypatch):
    frame = _frame(3, 1).iloc[0:0]
    behaviour = PaymentBehaviour(as_of=D, start=D, book_days_late=Decimal(0), book_days_to_pay=Decimal(0))
    monkeypatch.setattr(forecast_module, "_plan_dates", lambda as_of, f: {})
    monkeypatch.setattr(forecast_module, "_promised_dates", lambda as_of, scope: {})
    monkeypatch.setattr(forecast_module, "_disputed", lambda as_of, scope: {})
    report = forecast_of(frame, as_of=D, horizon_end=date(2026, 11, 30), scope=BOOK, behaviour=behaviour,
                         cycle=DisputeCycle({}, None))
    assert (report.forecast, report.at_risk, report.beyond, report.by_collector, report.at_risk_invoices) == (
        0, 0, 0, [], [])
    assert [w["invoices"] for w in report.weeks] == [0, 0, 0, 0]


def test_payment_behaviour_sums_exactly_whatever_the_rates_exponents(monkeypatch):
    """Rates of several exponents (1, 1.1, 0.74231012, 2E+1) and sums too large for int64 (Python
    integers, as `closed_sums` gives them when an int64 sum could wrap): Σ rate × cents exactly."""
    rates = [Decimal(1), Decimal("1.1"), Decimal("0.74231012"), Decimal("2E+1")]
    big = 3 * 10**18
    groups = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 3],
        "currency": ["USD", "EUR", "GBP", "EUR", "JPY", "USD"],
        "rate": [rates[0], rates[1], rates[2], rates[1], rates[3], rates[0]],
        "cents": pd.Series([10010, 25033, 99, big, 7, 0], dtype=object),
        "late": pd.Series([10010 * 17, -25033 * 5, 99 * 3, big * 40, 0, 0], dtype=object),
        "pay": pd.Series([10010 * 47, 25033 * 25, 99 * 33, big * 70, 7 * 30, 0], dtype=object),
        "invoices": [1, 1, 1, 2, 1, 1],
    })
    monkeypatch.setattr(behaviour_module, "window_sums", lambda start, end: WindowSums(groups))
    result = payment_behaviour(D)

    def exact(customer, column):
        rows = groups[groups["customer_id"] == customer]
        return sum((Decimal(int(v)) * r for v, r in zip(rows[column], rows["rate"], strict=True)), Decimal(0)) / 100

    for customer in (1, 2):
        base = exact(customer, "cents")
        assert result.customers[customer]["amount"] == base
        assert result.customers[customer]["days_late"] == exact(customer, "late") / base
        assert result.customers[customer]["days_to_pay"] == exact(customer, "pay") / base
        assert result.customers[customer]["invoices"] == int(groups.loc[groups["customer_id"] == customer,
                                                                         "invoices"].sum())
    assert 3 not in result.customers  # nothing closed for money: the book's figure
    with localcontext(prec=100):  # the book's sums exactly (29 digits here), then one division, rounded once
        book, late, pay = ((exact(1, column) + exact(2, column)) for column in ("cents", "late", "pay"))
    assert result.book_days_late == late / book
    assert result.book_days_to_pay == pay / book


def test_payment_behaviour_adds_the_months_the_database_converted_exactly_as_the_groups(monkeypatch):
    """The stored months come converted by the database (Σ cents × rate per customer, numeric): the
    behaviour is the same, to the representation, as with every group converted here."""
    rates = [Decimal("1"), Decimal("1.10000000"), Decimal("0.74231012")]
    groups = pd.DataFrame({
        "customer_id": [1, 1, 2, 2], "currency": ["USD", "EUR", "EUR", "GBP"],
        "rate": [rates[0], rates[1], rates[1], rates[2]],
        "cents": [10010, 25033, 777, 99], "late": [10010 * 17, -25033 * 5, 777 * 2, 99 * 3],
        "pay": [10010 * 47, 25033 * 25, 777 * 32, 99 * 33], "invoices": [1, 1, 2, 1],
    })
    monkeypatch.setattr(behaviour_module, "window_sums", lambda start, end: WindowSums(groups))
    whole = payment_behaviour(D)
    converted = groups.iloc[[1, 3]]  # customer 1's EUR, customer 2's GBP: as the database gives them
    in_base = [(int(r.customer_id), Decimal(r.cents) * r.rate, Decimal(r.late) * r.rate, Decimal(r.pay) * r.rate,
                Decimal(r.invoices)) for r in converted.itertuples()]
    split = WindowSums(groups.iloc[[0, 2]].reset_index(drop=True), in_base, {rates[1], rates[2]})
    monkeypatch.setattr(behaviour_module, "window_sums", lambda start, end: split)
    mixed = payment_behaviour(D)
    assert mixed.customers == whole.customers
    assert {k: {f: str(v) for f, v in row.items()} for k, row in mixed.customers.items()} == {
        k: {f: str(v) for f, v in row.items()} for k, row in whole.customers.items()}
    assert (str(mixed.book_days_late), str(mixed.book_days_to_pay)) == (
        str(whole.book_days_late), str(whole.book_days_to_pay))
