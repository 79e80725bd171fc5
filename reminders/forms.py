from django import forms

from ledger.models import Invoice
from reminders.manual import template_check_errors
from reminders.models import CustomerDunningSettings, DunningPolicy, DunningStep, MessageTemplate, OutboundMessage
from reminders.outbox import SubjectError, subject_check
from reminders.rendering import PLACEHOLDERS


class PolicyForm(forms.ModelForm):
    class Meta:
        model = DunningPolicy
        fields = ["name", "segment", "is_default"]


CHARGE_FIELDS = ("fee_amount", "interest_annual_rate", "charge_min_balance", "charge_grace_days")
MAX_STEP_OFFSET_DAYS = 365  # a reminder a year off the due date is a typo, not a policy


class StepForm(forms.ModelForm):
    class Meta:
        model = DunningStep
        fields = ["offset_days", "name", "action", "template", "fee_amount", "interest_annual_rate",
                  "charge_min_balance", "charge_grace_days"]
        labels = {"fee_amount": "Late-payment fee", "interest_annual_rate": "Interest, % a year",
                  "charge_min_balance": "No charges under this open amount",
                  "charge_grace_days": "Interest grace days"}
        help_texts = {
            "fee_amount": "Proposed once per invoice reaching this step, in the invoice's currency; a collector "
                          "or manager approves or waives it. 0 = no fee.",
            "interest_annual_rate": "Computed daily on the overdue amount from the due date (after the grace "
                                    "days) to the payment or statement date, in 365- or 366-day years, rounded "
                                    "once to the cent, half up. Example: 8 % a year on 1,000.00 overdue for 30 "
                                    "days = 1,000.00 × 8 / 100 × 30 / 365 = 6.58. 0 = no interest.",
            "charge_min_balance": "An invoice with less open than this gets no fee, and no interest for the days "
                                  "its overdue amount is below it.",
            "charge_grace_days": "Interest starts this many days after the due date; the grace days are never "
                                 "charged. Example: due June 1 with 10 grace days, interest counts from June 12.",
        }

    # Bounds a person can mean, with the reason said in their words (the database's constraints would
    # only name themselves): (low, high, message) per field; None = no upper bound.
    BOUNDS = {
        "offset_days": (-MAX_STEP_OFFSET_DAYS, MAX_STEP_OFFSET_DAYS,
                        f"A step runs at most {MAX_STEP_OFFSET_DAYS} days before or after the due date."),
        "fee_amount": (0, None, "A fee cannot be negative: 0 means no fee."),
        "interest_annual_rate": (0, 100, "Interest is between 0 and 100 % a year: 0 means no interest."),
        "charge_min_balance": (0, None, "The open amount under which nothing is charged cannot be negative."),
        "charge_grace_days": (0, MAX_STEP_OFFSET_DAYS,
                              f"Grace days are between 0 and {MAX_STEP_OFFSET_DAYS}."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(kind=MessageTemplate.Kind.DUNNING)
        for name in CHARGE_FIELDS:  # left empty: no fee, no interest
            self.fields[name].required = False
        for name, (low, high, _) in self.BOUNDS.items():
            self.fields[name].widget.attrs.update({"min": low, **({"max": high} if high is not None else {})})

    def clean(self):
        data = super().clean()
        for name, (low, high, message) in self.BOUNDS.items():
            value = data.get(name)
            if value is not None and (value < low or (high is not None and value > high)):
                self.add_error(name, message)
        if data.get("action") == DunningStep.Action.EMAIL and not data.get("template"):
            self.add_error("template", "A step that sends an email needs a template.")
        offset = data.get("offset_days")
        if offset is not None and "offset_days" not in self.errors and self.instance.policy_id:
            twin = self.instance.policy.steps.exclude(pk=self.instance.pk).filter(offset_days=offset).first()
            if twin is not None:  # one step per day of a policy (one_step_per_offset)
                self.add_error("offset_days", f"{self.instance.policy.name} already has a step at this offset: "
                                              f"{twin}. Pick another day or edit that step.")
        for name in CHARGE_FIELDS:
            if name not in self.errors and data.get(name) is None:
                data[name] = DunningStep._meta.get_field(name).default
        return data


class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "kind", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "cols": 80})}
        help_texts = {"body": "Placeholders: " + ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)}

    def clean(self):
        """The template is filled in for a real account before it is saved: a tag we do not allow, a
        file it cannot include or anything else that fails would otherwise fail every reminder."""
        data = super().clean()
        if "subject" in data and "body" in data:
            for field, error in template_check_errors(subject=data["subject"], body=data["body"]).items():
                self.add_error(field, error)
        return data


class DunningSettingsForm(forms.ModelForm):
    class Meta:
        model = CustomerDunningSettings
        fields = ["policy", "paused", "note"]
        labels = {"policy": "Policy (blank: the segment's)"}


class ComposeForm(forms.Form):
    template = forms.ModelChoiceField(queryset=MessageTemplate.objects.all(), required=False)
    contact = forms.ModelChoiceField(queryset=None)
    subject = forms.CharField(max_length=250)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "cols": 80}))
    invoices = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    # One id per form shown: submitting the same form twice queues one message.
    nonce = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(active=True).exclude(email="")
        self.fields["invoices"].queryset = customer.invoices.filter(status=Invoice.Status.OPEN)

    def clean_subject(self) -> str:
        """An email subject is one header line: a line break would make every send attempt fail."""
        try:
            return subject_check(self.cleaned_data["subject"])
        except SubjectError as exc:
            raise forms.ValidationError(str(exc)) from exc


class InvoiceCopyForm(forms.Form):
    invoice = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = customer.invoices.exclude(status=Invoice.Status.VOID)


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *OutboundMessage.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *OutboundMessage.Kind.choices], required=False)
    q = forms.CharField(required=False, label="Search")
