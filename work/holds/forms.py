"""Forms of the credit hold pages: hold and release an account, and the managers' rules."""

from django import forms
from django.utils import timezone

from work.holds.models import CreditHoldRule


class HoldForm(forms.Form):
    reason = forms.CharField(max_length=200, strip=True, widget=forms.TextInput(
        attrs={"placeholder": "Why orders must stop, e.g. 3 cheques bounced"}))


class ReleaseForm(forms.Form):
    reason = forms.CharField(max_length=200, strip=True, widget=forms.TextInput(
        attrs={"placeholder": "Why orders may flow again, e.g. paid in full"}))
    exempt_until = forms.DateField(
        required=False, label="Keep the rules away until", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. Without a date the rules hold the account again tonight if it still meets one.",
    )

    def clean_exempt_until(self):
        day = self.cleaned_data.get("exempt_until")
        if day and day < timezone.localdate():
            raise forms.ValidationError("Pick today or a later day.")
        return day


class CreditHoldRuleForm(forms.ModelForm):
    class Meta:
        model = CreditHoldRule
        fields = ["name", "kind", "days_past_due", "min_amount", "segment", "active"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == CreditHoldRule.Kind.DAYS_PAST_DUE and not data.get("days_past_due"):
            self.add_error("days_past_due", "Say after how many days past due the rule holds an account.")
        if data.get("kind") != CreditHoldRule.Kind.DAYS_PAST_DUE:
            data["days_past_due"] = None
        return data
