"""Stored daily AR snapshots: what each customer owed, by aging bucket, at the end of a day.

They make the 12-month trends fast; every figure can still be recomputed from the ledger for any
date, and a test checks a snapshot against that recomputation.
"""

from django.db import models

from core.money import MONEY, ZERO


class ArSnapshotDay(models.Model):
    """A day for which the snapshot is complete (customers owing nothing have no row)."""

    date = models.DateField(unique=True)
    customers = models.PositiveIntegerField(default=0)
    total = models.DecimalField(**MONEY, default=ZERO)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"AR snapshot {self.date}"


class ArSnapshot(models.Model):
    """One customer's open AR at the end of `date`, in base currency, by aging bucket (due date)."""

    date = models.DateField()
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    current = models.DecimalField(**MONEY, default=ZERO)
    days_1_30 = models.DecimalField(**MONEY, default=ZERO)
    days_31_60 = models.DecimalField(**MONEY, default=ZERO)
    days_61_90 = models.DecimalField(**MONEY, default=ZERO)
    days_91_plus = models.DecimalField(**MONEY, default=ZERO)
    total = models.DecimalField(**MONEY, default=ZERO)

    BUCKET_FIELDS = {
        "current": "current", "1-30": "days_1_30", "31-60": "days_31_60", "61-90": "days_61_90", "91+": "days_91_plus",
    }

    class Meta:
        ordering = ["-date", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["date", "customer"], name="one_ar_snapshot_per_customer_day")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.date}: {self.total}"


BASE_AMOUNT = {"max_digits": 30, "decimal_places": 12}


class MonthForecast(models.Model):
    """A closed month's forecast against actual for the whole book, kept as a fact: the forecast made
    at the close of the month before (as of its last day, to this month's end), the at-risk amount
    beside it, and the cash actually collected in the month.

    Stored when the month closes (the nightly job) and retaken when a back-dated ledger write changes
    its history (`services.ar_snapshots_refresh`); while such a write is pending the report
    recomputes the month, as it does for a stale AR snapshot. A report for one collector, segment or
    currency computes its months (their portfolios move between collectors; the book does not)."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    ends_on = models.DateField()
    # Base amounts unrounded, as the engine computes them (amount × rate); pages round for display.
    forecast = models.DecimalField(**BASE_AMOUNT, default=ZERO)
    at_risk = models.DecimalField(**BASE_AMOUNT, default=ZERO)
    actual = models.DecimalField(**BASE_AMOUNT, default=ZERO)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"forecast vs actual {self.month:%Y-%m}"


class PayModel(models.Model):
    """A trained pay-date model (`reporting.pay_model`): when and as of which day it was trained, its
    parameters, its backtest score (both methods' MAPE and bias over the last 12 complete months) and the
    fitted estimator (joblib bytes). The newest one is used; older ones are kept as history."""

    trained_at = models.DateTimeField(auto_now_add=True)
    as_of = models.DateField(help_text="Trained on labels known at the end of this day.")
    method = models.CharField(max_length=40, default="hist_gradient_boosting")
    params = models.JSONField(default=dict)
    score = models.JSONField(default=dict, help_text="The backtest: per method mape, bias, mape_total, bias_total.")
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-pk"]
        get_latest_by = "trained_at"

    def __str__(self) -> str:
        return f"pay model as of {self.as_of} ({self.trained_at:%Y-%m-%d %H:%M})"


class PaidMonth(models.Model):
    """The invoices paid in a closed month, added up per customer, currency and rate day (the issue
    day; none for the base currency), as facts for the payment behaviour (`reporting.paid_months`):
    Σ cents, Σ cents × days late, Σ cents × days to pay (closing − due, closing − issue) and how many;
    and for root causes the same over those closed after their due day only (`late_*`). In the
    documents' own currency: the rates apply when read, so a rate added later counts."""

    month = models.DateField(help_text="The month's first day.")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    rate_day = models.DateField(null=True, blank=True)
    # Whole numbers as the invoices' groups add them up (bigint: summed by the database in 128 bits,
    # twice as fast as numeric); a month whose sums would not fit is not taken (paid_months_take).
    cents = models.BigIntegerField()
    late = models.BigIntegerField()
    pay = models.BigIntegerField()
    invoices = models.PositiveIntegerField()
    late_invoices = models.PositiveIntegerField(default=0)
    late_cents = models.BigIntegerField(default=0)
    late_weighted = models.BigIntegerField(default=0, help_text="Σ cents × days late, late ones only.")

    class Meta:
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.currency}: {self.invoices} paid"


class PaidMonthTaken(models.Model):
    """A month whose paid invoices `PaidMonth` holds: as the ledger was at `cutoff` for every customer
    with no invoice written since (`updated_at` ≥ cutoff); the others are read from the invoices."""

    month = models.DateField(unique=True, help_text="The month's first day.")
    cutoff = models.DateTimeField(help_text="Invoices written from this moment on may not be in the rows.")
    groups = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"paid invoices of {self.month:%Y-%m}"


class PaidWindowTaken(models.Model):
    """The stored months of one payment-behaviour window, added up per customer and converted to base by
    the database once (PostgreSQL), so a window's read is one row per customer instead of every stored
    row joined to its rate (`reporting.paid_months.paid_window_take`). Used only while the months'
    cutoffs are the ones it was added up from (`months`) and the rates that could apply to them are
    unchanged (`rates_signature`); otherwise the months are read as they are."""

    first_month = models.DateField()
    last_month = models.DateField()
    months = models.JSONField(help_text="{month's first day: its cutoff}, ISO, of the months added up.")
    rates_signature = models.CharField(max_length=64)
    rates = models.JSONField(default=list, help_text="The distinct rates the conversion used, as text.")
    customers = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["first_month", "last_month"])]

    def __str__(self) -> str:
        return f"paid invoices of {self.first_month:%Y-%m}..{self.last_month:%Y-%m} in base"


class PaidWindow(models.Model):
    """A customer's row of a `PaidWindowTaken`: Σ cents × rate, Σ cents × days late × rate, Σ cents ×
    days to pay × rate (exact numeric products) and how many invoices, over the window's months (a
    customer has one row for the base currency's invoices and one for the others')."""

    window = models.ForeignKey(PaidWindowTaken, on_delete=models.CASCADE, related_name="rows")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    cents = models.DecimalField(max_digits=40, decimal_places=8)
    late = models.DecimalField(max_digits=40, decimal_places=8)
    pay = models.DecimalField(max_digits=40, decimal_places=8)
    invoices = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.invoices} paid"
