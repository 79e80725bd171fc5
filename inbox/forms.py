"""Forms of the AR inbox and of answering a customer's email from the workspace."""

from django import forms
from django.db.models import QuerySet

from core.money import MAX_AMOUNT
from inbox.selectors import FILTERS
from ledger.models import Customer
from work.models import Dispute

DATE = forms.DateInput(attrs={"type": "date"})
AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "max_value": MAX_AMOUNT}


class InboxFilterForm(forms.Form):
    show = forms.ChoiceField(choices=list(FILTERS.items()), required=False, label="Show")
    q = forms.CharField(required=False, max_length=100, label="Sender, subject or text")


class AssignForm(forms.Form):
    """Assign an unmatched email to one of the accounts the user may open."""

    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label="Account",
                                      error_messages={"required": "Choose the account this email is from.",
                                                      "invalid_choice": "Choose one of the accounts found."})

    def __init__(self, *args, customers: QuerySet[Customer], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class PromiseConfirmForm(forms.Form):
    amount = forms.DecimalField(label="Amount promised", **AMOUNT,
                                error_messages={"required": "Say how much the customer promised."})
    pay_by = forms.DateField(label="Pay by", widget=DATE,
                             error_messages={"required": "Give the date the customer will pay by.",
                                             "invalid": "Give the date as YYYY-MM-DD."})


class DisputeOpenForm(forms.Form):
    amount = forms.DecimalField(label="Amount disputed", **AMOUNT,
                                error_messages={"required": "Say how much is disputed."})
    root_cause = forms.ChoiceField(choices=Dispute.RootCause.choices, label="Root cause",
                                   error_messages={"required": "Choose the dispute's root cause."})
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    subject = forms.CharField(max_length=250, error_messages={"required": "A reply needs a subject."})
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20000, label="Answer",
                           error_messages={"required": "Write the answer before sending it."})

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        if "\n" in subject or "\r" in subject:
            raise forms.ValidationError("A subject is one line: remove the line break.")
        return subject
