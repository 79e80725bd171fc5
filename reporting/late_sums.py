"""Root causes' late payments as exact integer sums: the invoices closed after their due day, per
month closed or customer, currency and rate day (how many, Σ cents, Σ cents × days late), read from
the stored month facts (`PaidMonth`'s late figures) for a window's whole stored months and from the
invoices for the rest (`paid_months.window_parts`: the days outside stored months, and over them the
customers with an invoice written since they were taken), so they equal the invoices alone."""

from datetime import date
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, QuerySet, Sum

from core.arrays import any_of, none_of
from ledger.models import Invoice
from reporting.frames import DaysBetween, driver_rows, rate_day, whole_cents
from reporting.models import PaidMonth
from reporting.paid_months import WindowParts


@lru_cache(maxsize=4096)  # a year of late payments has hundreds of thousands of rows but ~365 dates
def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def late_invoices(start: date, end: date, customers=None) -> QuerySet:
    """The invoices closed in start..end after their due day, of `customers` if given, with their
    rate day (`on`)."""
    qs = Invoice.objects.filter(status=Invoice.Status.PAID, closed_on__range=(start, end), closed_on__gt=F("due_date"))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return qs.annotate(on=rate_day()).order_by()  # each group's rate is looked up after the sums


def weighted() -> ExpressionWrapper:
    return ExpressionWrapper(whole_cents() * DaysBetween("closed_on", "due_date"), output_field=BigIntegerField())


KEYS = {"month": ["closed_on"], "customer": ["customer_id", "customer_name"], "ranking": ["customer_id"]}
STORED_KEYS = {"month": ["month"], "customer": ["customer_id", "customer__name"], "ranking": ["customer_id"]}
FIGURES = ("invoices", "cents", "weighted")


def late_sums(start: date, end: date, customers, by: str, of, window: WindowParts,
              figures: tuple[str, ...] = FIGURES) -> dict[tuple, list[int]]:
    """{(month, or customer id and name, or customer id for "ranking"; currency, rate day): the
    `figures` (how many, Σ cents, Σ cents × days late)} of the invoices closed late in start..end,
    exact integers: the window's stored months from `PaidMonth` (every customer but those written
    since), the rest from the invoices (`window`, as `paid_months.window_sums` reads it). The
    invoices are grouped by the day closed, not the month: PostgreSQL truncates a date to its month
    through a time zone (0.15–0.25 s of 350,000 invoices), and the days closed and rate days of a
    year are a few thousand groups. One query per part."""
    sums: dict[tuple, list[int]] = {}
    width = len(KEYS[by]) + 2  # the key, the currency and the rate day, then the figures

    def add(rows: list[tuple]) -> None:
        for row in rows:
            *key, currency, on = row[:width]
            group = sums.setdefault((*group_key(by, key), currency, on), [0] * len(figures))
            for index, value in enumerate(row[width:]):
                group[index] += int(value)

    for first, last in window.gaps:
        add(_invoice_sums(first, last, customers, by, of, figures))
    for first, last in window.runs if window.changed else ():
        add(_invoice_sums(first, last, customers, by, of, figures, only=window.changed))
    if window.stored:
        add(_stored_sums(window.stored, customers, by, of, figures, besides=window.changed))
    return sums


def _invoice_sums(start: date, end: date, customers, by: str, of, figures: tuple[str, ...], *,
                  only: list[int] | None = None) -> list[tuple]:
    """`late_sums` of start..end from the invoices, those of `only` these customers if given."""
    keys = KEYS[by]
    late = late_invoices(start, end, customers)
    if of is not None:
        late = late.filter(customer_id__in=of)
    if only is not None:
        late = any_of(late, "customer_id", only)
    if by == "customer":
        late = late.annotate(customer_name=F("customer__name"))
    sums = {"invoices": Count("pk"), "cents": Sum(whole_cents()), "weighted": Sum(weighted())}
    return _rows(late.values(*keys, "currency", "on").annotate(**{f: sums[f] for f in figures})
                 .values_list(*keys, "currency", "on", *figures))


def _stored_sums(months: list[date], customers, by: str, of, figures: tuple[str, ...], *,
                 besides: list[int]) -> list[tuple]:
    """`late_sums` of these stored months from `PaidMonth`."""
    keys = STORED_KEYS[by]
    whole = BigIntegerField()  # integer sums, no decimal converter (SQLite); numeric on PostgreSQL
    return _rows(stored_late_rows(months, customers, of, besides=besides).order_by()
                 .values(*keys, "currency", "rate_day")
                 .annotate(**{f: Sum(f"late_{f}", output_field=whole) for f in figures})
                 .values_list(*keys, "currency", "rate_day", *figures))


def _rows(qs: QuerySet) -> list[tuple]:
    """`driver_rows`, none for a filter no row can meet (no listed customer: an empty `of`)."""
    try:
        return driver_rows(qs)
    except EmptyResultSet:
        return []


def stored_late_rows(months: list[date], customers, of, *, besides: list[int]) -> QuerySet:
    """The stored months' rows with a late invoice, of `customers` (a scope) and `of` (ids) if given,
    the customers `besides` left out (read from the invoices)."""
    rows = PaidMonth.objects.filter(month__in=months, late_invoices__gt=0)
    if customers is not None:
        rows = rows.filter(customer__in=customers)
    if of is not None:
        rows = rows.filter(customer_id__in=of)
    if besides:
        rows = none_of(rows, "customer_id", besides)
    return rows


def group_key(by: str, key: list) -> tuple:
    return (month_of(key[0]),) if by == "month" else tuple(key)
