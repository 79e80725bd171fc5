"""Portal forms. Everything a customer types is checked here against the link's own accounts:
another customer's invoice is not a valid choice, amounts are positive and no more than is open,
dates are not in the past."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ledger.models import CreditNote, Invoice
from portal.language import money
from portal.links import PortalLink
from portal.selectors import open_invoices
from portal.wording import choices
from work.models import Dispute
from work.plans.schedule import Interval, equal_schedule
from work.plans.selectors import plannable_invoices

MAX_PROMISE_DAYS = 120
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01"),
         # typed as the page's language writes it: "12,50" on a French page, "12.50" on any
         "localize": True}


class InvoiceChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, invoice: Invoice) -> str:
        due, open_amount = date_format(invoice.due_date), money(invoice.open_amount, invoice.currency)
        return gettext("%(invoice)s · due %(due)s · %(amount)s open") % {
            "invoice": invoice.external_id, "due": due, "amount": open_amount}


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, customer) -> str:
        return f"{customer.name} ({customer.external_id})"


def _open_total(invoices) -> Decimal:
    return sum((inv.open_amount for inv in invoices), Decimal("0.00"))


class DisputeForm(forms.Form):
    # No preselected reason: a default would be recorded whenever the customer skips the field and
    # skew the root-cause report, so the first choice is blank and the customer must pick one.
    root_cause = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason…")), *choices("root_cause")],
                                   error_messages={"required": _("Please choose the reason for the dispute.")})
    message = forms.CharField(label=_("What is wrong?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    amount = forms.DecimalField(label=_("Amount in dispute (leave empty for the whole open amount)"), required=False,
                                **MONEY)

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount > self.invoice.open_amount:
            raise forms.ValidationError(gettext("Only %(amount)s is open on this invoice.") % {
                "amount": money(self.invoice.open_amount, self.invoice.currency)})
        return amount

    def clean(self):
        if self.invoice.status != Invoice.Status.OPEN:
            raise forms.ValidationError(gettext("This invoice is not open any more."))
        if self.invoice.disputes.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.IN_REVIEW]).exists():
            raise forms.ValidationError(gettext("This invoice is already under dispute; we will get back to you."))
        return self.cleaned_data


class PromiseForm(forms.Form):
    invoices = InvoiceChoices(queryset=Invoice.objects.none(), label=_("Invoices you will pay"))
    pay_by = forms.DateField(label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    note = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, link: PortalLink, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["invoices"].queryset = open_invoices(link)

    def clean_pay_by(self):
        pay_by = self.cleaned_data["pay_by"]
        if pay_by < self.today:
            raise forms.ValidationError(gettext("The payment date cannot be in the past."))
        if pay_by > self.today + timedelta(days=MAX_PROMISE_DAYS):
            raise forms.ValidationError(gettext("Please choose a date within %(days)s days.")
                                        % {"days": MAX_PROMISE_DAYS})
        return pay_by

    def clean(self):
        data = super().clean()
        invoices, amount = data.get("invoices"), data.get("amount")
        if not invoices:
            return data
        if len({inv.customer_id for inv in invoices}) > 1:
            raise forms.ValidationError(gettext("Please promise for one account at a time."))
        if len({inv.currency for inv in invoices}) > 1:
            raise forms.ValidationError(gettext("Please promise for invoices in one currency at a time."))
        if amount is not None and amount > _open_total(invoices):
            self.add_error("amount", gettext("The invoices you chose have %(amount)s open.") % {
                "amount": money(_open_total(invoices), invoices[0].currency)})
        return data


class CreditApplyForm(forms.Form):
    invoices = InvoiceChoices(queryset=Invoice.objects.none(), label=_("Apply the credit to"))
    amount = forms.DecimalField(label=_("Amount to apply"), **MONEY)
    message = forms.CharField(label=_("Message (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, link: PortalLink, credit: CreditNote, **kwargs):
        super().__init__(*args, **kwargs)
        self.credit = credit
        self.fields["invoices"].queryset = open_invoices(link).filter(currency=credit.currency)
        self.fields["amount"].initial = credit.unapplied_amount

    def clean(self):
        data = super().clean()
        invoices, amount = data.get("invoices"), data.get("amount")
        if amount is None:
            return data
        if amount > self.credit.unapplied_amount:
            self.add_error("amount", gettext("Only %(amount)s is left on this credit.") % {
                "amount": money(self.credit.unapplied_amount, self.credit.currency)})
        elif invoices and amount > _open_total(invoices):
            self.add_error("amount", gettext("The invoices you chose have %(amount)s open.") % {
                "amount": money(_open_total(invoices), self.credit.currency)})
        return data


class AccountForm(forms.Form):
    """A request about one of the link's accounts."""

    account = AccountChoice(queryset=None, empty_label=None, label=_("Account"))

    def __init__(self, *args, link: PortalLink, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = link.accounts
        self.fields["account"].initial = link.customer.pk
        if not link.family:
            self.fields["account"].widget = forms.HiddenInput()


class AutopayForm(AccountForm):
    email = forms.EmailField(label=_("Who should we contact to set it up?"))
    message = forms.CharField(label=_("Message (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("Yes, please set up automatic payment of our invoices on their due date."))


class ApContactForm(AccountForm):
    contact_name = forms.CharField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("Email for invoices, reminders and statements"))
    message = forms.CharField(label=_("Message (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How easy was it to work with our collections team? (1 = hard, 5 = very easy)"),
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Anything we should do better? (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))



class PortalPlanForm(forms.Form):
    """A customer proposes a payment plan for past-due invoices, within the policy's limits: at
    most `max_installments` equal installments, the first today or later, the last no more than
    `max_days` ahead."""

    invoices = InvoiceChoices(queryset=Invoice.objects.none(), label=_("Past-due invoices to pay in installments"))
    count = forms.TypedChoiceField(label=_("Number of installments"), coerce=int)
    first_due = forms.DateField(label=_("First payment date"), widget=forms.DateInput(attrs={"type": "date"}))
    interval = forms.ChoiceField(label=_("Then"), choices=choices("interval"), initial=Interval.MONTHLY)
    note = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, link: PortalLink, policy, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.policy = today, policy
        self.fields["invoices"].queryset = plannable_invoices(link.customer_ids).filter(due_date__lt=today)
        self.fields["count"].choices = [(n, str(n)) for n in range(2, policy.portal_plan_max_installments + 1)] or [
            (1, "1")]
        self.schedule = []

    def clean_first_due(self):
        first_due = self.cleaned_data["first_due"]
        if first_due < self.today:
            raise forms.ValidationError(gettext("The first payment date cannot be in the past."))
        return first_due

    def clean(self):
        data = super().clean()
        invoices, count, first_due = data.get("invoices"), data.get("count"), data.get("first_due")
        if not invoices or not count or not first_due:
            return data
        if len({inv.customer_id for inv in invoices}) > 1:
            raise forms.ValidationError(gettext("Please set up a plan for one account at a time."))
        if len({inv.currency for inv in invoices}) > 1:
            raise forms.ValidationError(gettext("Please set up a plan for invoices in one currency at a time."))
        self.schedule = equal_schedule(total=_open_total(invoices), count=count, first_due=first_due,
                                       interval=data["interval"])
        last_allowed = self.today + timedelta(days=self.policy.portal_plan_max_days)
        if self.schedule[-1].due_on > last_allowed:
            raise forms.ValidationError(
                gettext("The last installment would fall on %(last)s; a plan set up here must end by %(end)s. Choose "
                        "fewer installments, a shorter interval or an earlier first date, or contact us.") % {
                    "last": date_format(self.schedule[-1].due_on), "end": date_format(last_allowed)})
        return data
