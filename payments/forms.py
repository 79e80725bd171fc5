"""Forms of the payments pages: the sandbox's number field, a refund, a sandbox event."""

from decimal import Decimal

from django import forms

from core.money import MONEY


class SandboxNumberForm(forms.Form):
    number = forms.CharField(label="Card number or IBAN", max_length=40, strip=True)


class RefundForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label="Amount to refund", required=False, min_value=Decimal("0.01"), **MONEY,
                                help_text="Empty: everything not refunded yet.")


class SandboxEventForm(forms.Form):
    request = forms.IntegerField(required=False, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(choices=())

    def __init__(self, *args, choices: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(c, c) for c in choices]
