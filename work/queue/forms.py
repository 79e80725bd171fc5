"""The small forms of the queue and the account workspace: log an outcome, snooze, escalate,
follow up, update or resolve a dispute, reassign an item."""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from core import aging
from ledger.models import Contact, Invoice
from portfolios.access import portfolio_rows
from portfolios.models import Portfolio
from work.models import Activity, Dispute, EscalationLevel
from work.queue import scoring
from work.queue.selectors import QUEUE_SORTS, QUEUE_STATES

DATE = forms.DateInput(attrs={"type": "date"})


class _AccountForm(forms.Form):
    """A form about one account: its contacts and open invoices are the only choices."""

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        if "contact" in self.fields:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer, active=True)
        if "invoices" in self.fields:
            self.fields["invoices"].queryset = Invoice.objects.filter(
                customer=customer, status=Invoice.Status.OPEN
            ).order_by("due_date", "pk")
            self.fields["invoices"].label_from_instance = (
                lambda i: f"{i.external_id} · due {date_format(i.due_date)} · {i.open_amount:,.2f} {i.currency}"
            )


class OutcomeForm(_AccountForm):
    kind = forms.ChoiceField(choices=[c for c in Activity.Kind.choices if c[0] in ("call", "email", "meeting",
                                                                                   "letter", "note")],
                             initial=Activity.Kind.CALL)
    outcome = forms.ChoiceField(choices=[c for c in Activity.Outcome.choices if c[0]])
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, empty_label="— nobody named —")
    invoices = forms.ModelMultipleChoiceField(queryset=Invoice.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_action_on = forms.DateField(required=False, widget=DATE, label="Follow up on")
    promise_amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0.01,
                                        label="Promised amount")
    pay_by = forms.DateField(required=False, widget=DATE, label="Pay by")
    dispute_root_cause = forms.ChoiceField(required=False, choices=[("", "—")] + Dispute.RootCause.choices,
                                           label="Dispute reason")
    dispute_owner = forms.ChoiceField(required=False, choices=Dispute.Owner.choices, initial=Dispute.Owner.BILLING,
                                      label="Owner")

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Activity.Outcome.PROMISED:
            if not data.get("promise_amount"):
                self.add_error("promise_amount", "How much did they promise?")
            if not data.get("pay_by"):
                self.add_error("pay_by", "By when?")
            elif data["pay_by"] < timezone.localdate():
                self.add_error("pay_by", "A promise is for today or later.")
        if outcome == Activity.Outcome.DISPUTED:
            if not data.get("dispute_root_cause"):
                self.add_error("dispute_root_cause", "Why do they dispute it?")
            if not data.get("invoices"):
                self.add_error("invoices", "Tick the disputed invoices.")
        return data


class SnoozeForm(forms.Form):
    until = forms.DateField(widget=DATE, label="Until")
    reason = forms.CharField(max_length=200)

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError("Snooze until a later day.")
        return until


class EscalateForm(_AccountForm):
    level = forms.ModelChoiceField(queryset=EscalationLevel.objects.all(), empty_label=None)
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, empty_label="— nobody named —",
                                     label="To")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    on = forms.DateField(widget=DATE, label="Follow up on")
    note = forms.CharField(max_length=200, required=False)

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on < timezone.localdate():
            raise forms.ValidationError("A follow-up is for today or later.")
        return on


class DisputeUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=[c for c in Dispute.Status.choices if c[0] != Dispute.Status.RESOLVED])
    owner = forms.ChoiceField(choices=Dispute.Owner.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DisputeResolveForm(forms.Form):
    resolution = forms.ChoiceField(choices=[c for c in Dispute.Resolution.choices if c[0]])
    credit_amount = forms.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0.01,
                                       help_text="For a credit: leave empty to credit the disputed amount.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReassignItemForm(forms.Form):
    portfolio = forms.ModelChoiceField(queryset=None, empty_label="Reassign to…")
    reason = forms.CharField(max_length=200)

    def __init__(self, *args, user, **kwargs):
        """Only the portfolios `user` may move accounts into (their teams' and those on no team)."""
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].queryset = Portfolio.objects.filter(
            portfolio_rows(user), collector__isnull=False).select_related("collector")


class QueueFilterForm(forms.Form):
    """The queue's filters and sort, read from the query string; a bad value is an error shown to
    the collector, never silently dropped."""

    reason = forms.ChoiceField(required=False, label="Reason",
                               choices=[("", "Any reason")] + [(k, v[0]) for k, v in scoring.REASON_KINDS.items()])
    bucket = forms.ChoiceField(required=False, label="Oldest past due",
                               choices=[("", "Any age")] + [(name, f"{label} days" if name != "current" else
                                                             "Nothing past due")
                                                            for name, label in aging.BUCKET_LABELS.items()])
    amount_min = forms.DecimalField(required=False, label="Past due at least", min_value=0, max_digits=14,
                                    decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01",
                                                                                      "placeholder": "0.00"}))
    state = forms.ChoiceField(required=False, label="Promise / dispute",
                              choices=[("", "Any")] + list(QUEUE_STATES.items()))
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[(k, v[0]) for k, v in QUEUE_SORTS.items()])
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self) -> dict:
        """The valid filters (an invalid one is left out, and its error is shown)."""
        data = getattr(self, "cleaned_data", {})
        return {"reason": data.get("reason") or "", "bucket": data.get("bucket") or "",
                "amount_min": data.get("amount_min"), "state": data.get("state") or "",
                "sort": data.get("sort") or "score"}

    def error_text(self) -> str:
        return "; ".join(f"{self.fields[name].label if name in self.fields else 'Filter'}: {' '.join(errors)}"
                         for name, errors in self.errors.items())
