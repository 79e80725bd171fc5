"""The plan form a collector fills in (queue panel, account workspace, renegotiation): invoices,
number of installments, first date and interval, equal or custom amounts. It builds the schedule
the service checks again; `preview` shows it while the collector types."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.formats import date_format

from core.money import ZERO
from ledger.models import Customer, Invoice
from work.plans.models import PaymentPlan
from work.plans.schedule import Interval, Planned, equal_schedule
from work.plans.selectors import LIVE, account_invoice_owners
from work.plans.services import MAX_INSTALLMENTS

EQUAL, CUSTOM = "equal", "custom"


class PlanInvoiceChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, invoice: Invoice) -> str:
        due = date_format(invoice.due_date)
        return f"{invoice.external_id} · due {due} · {invoice.open_amount:,} {invoice.currency}"


@dataclass
class Preview:
    total: Decimal = ZERO
    currency: str = ""
    rows: list[Planned] = field(default_factory=list)
    custom: bool = False

    @property
    def planned(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.total - self.planned


def plan_invoices(customer: Customer, *, renegotiating: PaymentPlan | None = None):
    """Open invoices of the account (and of its subsidiaries) that are in no other live plan."""
    other_plans = PaymentPlan.objects.filter(invoices=OuterRef("pk"), status__in=LIVE)
    if renegotiating is not None:
        other_plans = other_plans.exclude(pk=renegotiating.pk)
    return (Invoice.objects.filter(customer__in=account_invoice_owners(customer), status=Invoice.Status.OPEN,
                                   open_amount__gt=0)
            .exclude(Exists(other_plans)).order_by("due_date", "pk"))


class PlanForm(forms.Form):
    invoices = PlanInvoiceChoices(queryset=Invoice.objects.none(), label="Invoices in the plan")
    count = forms.IntegerField(label="Installments", min_value=1, max_value=MAX_INSTALLMENTS, initial=3)
    first_due = forms.DateField(label="First payment date", widget=forms.DateInput(attrs={"type": "date"}))
    interval = forms.ChoiceField(label="Then", choices=Interval.CHOICES, initial=Interval.MONTHLY)
    split = forms.ChoiceField(label="Amounts", choices=[(EQUAL, "Equal"), (CUSTOM, "Custom")], initial=EQUAL,
                              widget=forms.RadioSelect)
    note = forms.CharField(label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, customer: Customer, renegotiating: PaymentPlan | None = None, **kwargs):
        kwargs.setdefault("auto_id", "plan_%s")  # the queue panel also holds the outcome form's fields
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["invoices"].queryset = plan_invoices(customer, renegotiating=renegotiating)
        self.schedule: list[Planned] = []

    def _custom_rows(self) -> list[Planned]:
        rows = []
        dues, amounts = self.data.getlist("row_due"), self.data.getlist("row_amount")
        for number, (due, amount) in enumerate(zip(dues, amounts, strict=False), start=1):
            try:
                rows.append(Planned(number, date.fromisoformat(due), Decimal(amount.replace(",", ""))))
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(f"Installment {number}: give a date and an amount.") from None
        return rows

    def clean(self):
        data = super().clean()
        invoices, count, first_due = data.get("invoices"), data.get("count"), data.get("first_due")
        if not invoices or not count or not first_due:
            return data
        total = sum((i.open_amount for i in invoices), ZERO)
        if data.get("split") == CUSTOM:
            self.schedule = self._custom_rows()
            if not self.schedule:
                raise forms.ValidationError("Give each installment a date and an amount.")
        else:
            self.schedule = equal_schedule(total=total, count=count, first_due=first_due, interval=data["interval"])
        return data

    @property
    def installments(self) -> list[tuple[date, Decimal]]:
        return [(row.due_on, row.amount) for row in self.schedule]

    def preview(self) -> Preview:
        """The schedule as far as the form can tell, valid or not (for the live preview)."""
        if not self.is_bound:
            return Preview()
        self.is_valid()
        data = self.cleaned_data
        invoices = data.get("invoices") or []
        total = sum((i.open_amount for i in invoices), ZERO)
        preview = Preview(total=total, currency=invoices[0].currency if invoices else "",
                          custom=data.get("split") == CUSTOM, rows=list(self.schedule))
        if not preview.rows and invoices and data.get("count") and data.get("first_due"):
            preview.rows = equal_schedule(total=total, count=data["count"], first_due=data["first_due"],
                                          interval=data.get("interval") or Interval.MONTHLY)
        if preview.custom and data.get("count") and len(preview.rows) != data["count"] and data.get("first_due"):
            # The number of installments changed: start the custom rows again from an equal split.
            preview.rows = equal_schedule(total=total, count=data["count"], first_due=data["first_due"],
                                          interval=data.get("interval") or Interval.MONTHLY)
        return preview


class PlanCancelForm(forms.Form):
    reason = forms.CharField(label="Why is the plan cancelled?", max_length=200)
