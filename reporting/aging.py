"""Aging by due date: buckets for the book, per collector, per customer and per account family.

Everything is computed in pandas over the one-query frame of `frames.open_invoices`.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.aging import BUCKETS
from core.money import ZERO
from ledger.hierarchy import level_keys
from ledger.models import Customer
from reporting.cache import kept
from reporting.frames import Scope, open_groups_at, open_invoices, unapplied_at

HUNDRED = Decimal(100)
GROUPS = {
    "collector": ("collector", "collector"),
    "customer": ("customer_id", "customer"),
    "family": ("family_id", "family"),
    "segment": ("segment", "segment"),
}


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole * HUNDRED if whole else None


def _money_sum(values) -> Decimal:
    return sum(values, ZERO)


@dataclass
class AgingLine:
    key: object
    label: str
    total: Decimal
    buckets: dict[str, Decimal]
    invoices: int

    @property
    def pct(self) -> dict[str, Decimal | None]:
        return {name: percent(amount, self.total) for name, amount in self.buckets.items()}

    @property
    def pct_past_due(self) -> Decimal | None:
        return HUNDRED - self.buckets["current"] / self.total * HUNDRED if self.total else None

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "total": self.total, "buckets": self.buckets,
                "pct": self.pct, "invoices": self.invoices}


@dataclass
class AgingReport:
    as_of: date
    total: Decimal
    buckets: dict[str, Decimal]
    invoices: int
    group_by: str | None = None
    rows: list[AgingLine] = field(default_factory=list)
    unapplied_cash: Decimal = ZERO
    unapplied_credits: Decimal = ZERO

    @property
    def pct(self) -> dict[str, Decimal | None]:
        return {name: percent(amount, self.total) for name, amount in self.buckets.items()}

    @property
    def current(self) -> Decimal:
        return self.buckets["current"]

    @property
    def past_due(self) -> Decimal:
        return self.total - self.buckets["current"]

    @property
    def pct_current(self) -> Decimal | None:
        return percent(self.buckets["current"], self.total)

    @property
    def pct_past_due(self) -> Decimal | None:
        return None if self.pct_current is None else HUNDRED - self.pct_current

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of, "total": self.total, "buckets": self.buckets, "pct": self.pct,
            "pct_current": self.pct_current, "pct_past_due": self.pct_past_due,
            "unapplied_cash": self.unapplied_cash, "unapplied_credits": self.unapplied_credits,
            "invoices": self.invoices, "group_by": self.group_by, "rows": [row.as_dict() for row in self.rows],
        }


def bucket_totals(frame: pd.DataFrame) -> dict[str, Decimal]:
    sums = frame.groupby("bucket")["open_base"].agg(_money_sum).to_dict() if not frame.empty else {}
    return {name: sums.get(name, ZERO) for name in BUCKETS}


def lines_of(frame: pd.DataFrame, group_by: str) -> list[AgingLine]:
    """One line per collector / customer / family / segment, largest AR first."""
    if frame.empty:
        return []
    key, label = GROUPS[group_by]
    sums = frame.groupby([key, "bucket"])["open_base"].agg(_money_sum).unstack(fill_value=ZERO)
    sums = sums.reindex(columns=list(BUCKETS), fill_value=ZERO)
    labels = frame.groupby(key)[label].first()
    counts = _counts(frame, key)
    lines = [
        AgingLine(
            key=k, label=str(labels[k]), buckets={name: sums.at[k, name] for name in BUCKETS},
            total=_money_sum(sums.loc[k]), invoices=int(counts[k]),
        )
        for k in sums.index
    ]
    return sorted(lines, key=lambda line: (-line.total, line.label))


# --- family ---
def family_at(frame: pd.DataFrame, level: int | None) -> pd.DataFrame:
    """The frame with `family_id` / `family` at `level` of the hierarchy (0 or None: the top, as the
    frame has it; 1: the accounts just below the top, each with its own accounts below; …). Two
    queries for the levels, one for the names."""
    if not level or frame.empty:
        return frame
    keys = level_keys(frame["customer_id"].unique().tolist(), level)
    names = dict(Customer.objects.filter(pk__in=set(keys.values())).values_list("pk", "name"))
    frame = frame.copy()
    frame["family_id"] = frame["customer_id"].map(keys)
    frame["family"] = frame["family_id"].map(names)
    return frame
# --- end family ---


def _counts(frame: pd.DataFrame, key: str) -> pd.Series:
    """Invoices per group: a frame of invoices counts its rows; one of sums (`open_groups_at`) says
    how many invoices each row holds."""
    return frame.groupby(key)["invoices"].sum() if "invoices" in frame else frame.groupby(key).size()


def report_of(frame: pd.DataFrame, as_of: date, group_by: str | None = None) -> AgingReport:
    buckets = bucket_totals(frame)
    rows = lines_of(frame, group_by) if group_by and group_by != "book" else []
    invoices = int(frame["invoices"].sum()) if "invoices" in frame else len(frame)
    return AgingReport(as_of=as_of, total=_money_sum(buckets.values()), buckets=buckets, invoices=invoices,
                       group_by=group_by, rows=rows)


SUMMED = {None: (), "book": (), "collector": ("collector",), "segment": ("segment",)}  # read as sums


@kept
def aging(
    *, as_of: date, collector=None, segment: str | None = None, currency: str | None = None,
    group_by: str | None = None, with_unapplied: bool = True, level: int | None = None,
) -> AgingReport:
    """AR at the end of `as_of` by due-date bucket (current, 1-30, 31-60, 61-90, 91+) with % of AR,
    for the book or one collector / segment / currency, optionally per collector, customer or family
    (the top of each family, or the accounts at `level` of the hierarchy with all below them).
    Unapplied cash and credits are shown beside AR, never netted."""
    if group_by not in (None, "book", *GROUPS):
        raise ValueError(f"Unknown group_by {group_by!r}")
    scope = Scope(collector=collector, segment=segment, currency=currency)
    # today's book, or by collector or segment: sums per group, not every invoice (at a past date
    # many invoices moved since, read one by one there: the frame of every invoice is as quick)
    if group_by in SUMMED and as_of >= timezone.localdate():
        report = report_of(open_groups_at(as_of, scope, SUMMED[group_by]), as_of, group_by)
    else:
        frame = open_invoices(as_of, scope)
        report = report_of(family_at(frame, level) if group_by == "family" else frame, as_of, group_by)
    if with_unapplied:
        unapplied = unapplied_at(as_of, scope)
        report.unapplied_cash, report.unapplied_credits = unapplied["unapplied_cash"], unapplied["unapplied_credits"]
    return report


def ar_at(as_of: date, collector=None, segment: str | None = None, currency: str | None = None) -> Decimal:
    """AR(D): the sum of open amounts at the end of D, in base currency (gross)."""
    return aging(as_of=as_of, collector=collector, segment=segment, currency=currency, with_unapplied=False).total


def aging_invoices(
    *, as_of: date, bucket: str | None = None, group_by: str | None = None, key=None, collector=None,
    segment: str | None = None, currency: str | None = None, level: int | None = None,
) -> pd.DataFrame:
    """The invoices behind one cell of the aging table (drill-down), largest first."""
    frame = open_invoices(as_of, Scope(collector=collector, segment=segment, currency=currency))
    if group_by == "family":
        frame = family_at(frame, level)
    if bucket:
        frame = frame[frame["bucket"] == bucket]
    if group_by in GROUPS and key not in (None, ""):
        column = GROUPS[group_by][0]
        frame = frame[frame[column].astype(str) == str(key)]
    return frame.sort_values(["days_past_due", "invoice"], ascending=[False, True]).reset_index(drop=True)


GROUP_NAMES = {"collector": "collector", "customer": "customer", "family": "account family", "segment": "segment"}


def group_heading(group_by: str | None, key) -> str:
    """What a drill-down's group is called: "collector Farid Haddad", "customer Greenleaf Outfitters"
    (the group's own name, never that of the first invoice's customer); "" for the whole book."""
    if group_by not in GROUPS or key in (None, ""):
        return ""
    label = str(key)
    if group_by == "collector":
        person = get_user_model().objects.filter(username=key).first()
        label = (person.get_full_name() or person.get_username()) if person else label
    elif group_by in ("customer", "family") and str(key).isdigit():
        label = Customer.objects.filter(pk=int(key)).values_list("name", flat=True).first() or label
    return f"{GROUP_NAMES[group_by]} {label}"


def month_ends(as_of: date, months: int = 12) -> list[date]:
    """The last `months` month-ends on or before `as_of`, oldest first."""
    first = as_of.replace(day=1)
    ends = []
    end = as_of if (as_of + timedelta(days=1)).day == 1 else first - timedelta(days=1)
    while len(ends) < months:
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    return ends[::-1]
