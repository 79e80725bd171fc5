from django import forms
from django.template import Template, TemplateSyntaxError

from ledger.models import Invoice
from reminders.models import CustomerDunningSettings, DunningPolicy, DunningStep, MessageTemplate, OutboundMessage
from reminders.rendering import PLACEHOLDERS


class PolicyForm(forms.ModelForm):
    class Meta:
        model = DunningPolicy
        fields = ["name", "segment", "is_default"]


CHARGE_FIELDS = ("fee_amount", "interest_annual_rate", "charge_min_balance", "charge_grace_days")


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(kind=MessageTemplate.Kind.DUNNING)
        for name in CHARGE_FIELDS:  # left empty: no fee, no interest
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if data.get("action") == DunningStep.Action.EMAIL and not data.get("template"):
            self.add_error("template", "A step that sends an email needs a template.")
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
        data = super().clean()
        for field in ("subject", "body"):
            try:
                Template(data.get(field) or "")
            except TemplateSyntaxError as exc:
                self.add_error(field, f"Placeholder syntax: {exc}")
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


class InvoiceCopyForm(forms.Form):
    invoice = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = customer.invoices.exclude(status=Invoice.Status.VOID)


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *OutboundMessage.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *OutboundMessage.Kind.choices], required=False)
    q = forms.CharField(required=False, label="Search")
