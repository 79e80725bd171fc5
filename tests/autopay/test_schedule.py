from datetime import date

from autopay.schedule import charge_date, day_of_month_on_or_after


def test_an_invoice_is_collected_on_its_due_date_when_the_notice_period_allows():
    assert charge_date(due=date(2026, 12, 15), charge_on=None, earliest=date(2026, 12, 4)) == date(2026, 12, 15)


def test_an_invoice_due_sooner_than_the_notice_period_waits_for_it():
    assert charge_date(due=date(2026, 11, 20), charge_on=None, earliest=date(2026, 12, 4)) == date(2026, 12, 4)


def test_a_chosen_day_of_the_month_comes_on_or_after_the_due_date():
    assert charge_date(due=date(2026, 12, 10), charge_on=15, earliest=date(2026, 12, 4)) == date(2026, 12, 15)
    assert charge_date(due=date(2026, 12, 16), charge_on=15, earliest=date(2026, 12, 4)) == date(2027, 1, 15)
    assert charge_date(due=date(2026, 12, 1), charge_on=3, earliest=date(2026, 12, 4)) == date(2027, 1, 3)


def test_a_day_whose_announcement_went_out_is_not_used_again():
    taken = {date(2026, 12, 15)}
    assert charge_date(due=date(2026, 12, 15), charge_on=None, earliest=date(2026, 12, 4), taken=taken) \
        == date(2026, 12, 16)
    assert charge_date(due=date(2026, 12, 15), charge_on=15, earliest=date(2026, 12, 4), taken=taken) \
        == date(2027, 1, 15)


def test_the_day_of_month_wraps_the_year():
    assert day_of_month_on_or_after(date(2026, 12, 29), 28) == date(2027, 1, 28)
    assert day_of_month_on_or_after(date(2026, 12, 28), 28) == date(2026, 12, 28)
