"""Forms of the e-delivery page: fix an account's delivery, and a manager's coverage goal."""

from decimal import Decimal

from django import forms

from portfolios.models import Team


class EDeliveryFixForm(forms.Form):
    ap_email = forms.EmailField(required=False, label="AP email")
    e_delivery = forms.ChoiceField(required=False, choices=[("", "Leave as is"), ("on", "Email"), ("off", "Paper")],
                                   label="Delivery")

    def clean(self):
        data = super().clean()
        if not data.get("ap_email") and not data.get("e_delivery"):
            raise forms.ValidationError("Give an AP email or switch the delivery.")
        return data

    def changes(self) -> dict:
        choice = self.cleaned_data.get("e_delivery")
        return {"ap_email": self.cleaned_data.get("ap_email", ""),
                "e_delivery": {"on": True, "off": False}.get(choice)}


class EDeliveryGoalForm(forms.Form):
    """"+20 points in four months": the target is today's share plus the gain, or a share typed in."""

    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False, empty_label="Whole book")
    months = forms.IntegerField(min_value=1, max_value=36, initial=4, label="Over (months)")
    gain_points = forms.DecimalField(required=False, min_value=Decimal("0.1"), max_value=100, decimal_places=1,
                                     label="Gain (percentage points)", help_text="e.g. 20 for +20 points")
    target_percent = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=1,
                                        label="…or target share (%)")
    note = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if (data.get("gain_points") is None) == (data.get("target_percent") is None):
            raise forms.ValidationError("Give either a gain in points or a target share, not both.")
        return data

    def target_share(self, baseline: Decimal) -> Decimal:
        if self.cleaned_data.get("gain_points") is not None:
            return min(baseline + self.cleaned_data["gain_points"] / 100, Decimal("1"))
        return self.cleaned_data["target_percent"] / 100
