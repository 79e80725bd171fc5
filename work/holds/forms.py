"""Forms of the credit hold pages: hold and release an account, and the managers' rules."""

from django import forms
from django.utils import timezone

from ledger.models import Customer
from work.holds.models import MAX_RULE_DAYS_PAST_DUE, CreditHoldRule


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


def segment_choices(current: str = "") -> list[tuple[str, str]]:
    """The segments the book's customers carry (a rule typed "Enterprise " would never match), and the
    rule's own if no customer carries it any more."""
    segments = set(Customer.objects.exclude(segment="").order_by().values_list("segment", flat=True).distinct())
    if current:
        segments.add(current)
    return [("", "Every segment")] + [(s, s) for s in sorted(segments)]


class CreditHoldRuleForm(forms.ModelForm):
    segment = forms.ChoiceField(required=False, choices=[], help_text="Only customers of this segment.")

    class Meta:
        model = CreditHoldRule
        fields = ["name", "kind", "days_past_due", "min_amount", "segment", "active"]
        widgets = {"days_past_due": forms.NumberInput(attrs={"min": 1, "max": MAX_RULE_DAYS_PAST_DUE})}
        error_messages = {"days_past_due": {code: f"Between 1 and {MAX_RULE_DAYS_PAST_DUE} days past due."
                                            for code in ("min_value", "max_value")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = segment_choices(self.instance.segment)

    def clean(self):
        data = super().clean()
        if data.get("kind") == CreditHoldRule.Kind.DAYS_PAST_DUE and not data.get("days_past_due"):
            self.add_error("days_past_due", "Say after how many days past due the rule holds an account.")
        if data.get("kind") != CreditHoldRule.Kind.DAYS_PAST_DUE:
            data["days_past_due"] = None
        return data
