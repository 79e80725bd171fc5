from datetime import date

from django import forms
from django.contrib.auth import get_user_model

from core.params import date_range_error
from portfolios.models import Portfolio, Role
from team.models import OneOnOne


class MonthField(forms.DateField):
    """A calendar month typed as YYYY-MM (the browser's month picker); the first day of it."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class TargetForm(forms.Form):
    collector = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    portfolio = forms.ModelChoiceField(queryset=Portfolio.objects.all(), required=False)
    month = MonthField()
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = (
            get_user_model().objects.filter(groups__name=Role.COLLECTOR, is_active=True).order_by("username")
        )
        self.fields["collector"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        if bool(data.get("collector")) == bool(data.get("portfolio")):
            raise forms.ValidationError("Choose either a collector or a portfolio.")
        return data


class OneOnOneForm(forms.ModelForm):
    class Meta:
        model = OneOnOne
        fields = ["notes", "action_items"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 6, "placeholder": "What you talked about"}),
            "action_items": forms.Textarea(attrs={"rows": 4, "placeholder": "One action per line, with an owner"}),
        }


class HelpRequestForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, label="Account")
    message = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                              label="What do you need help with?")

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers.order_by("name")


class HelpResolveForm(forms.Form):
    resolution = forms.CharField(max_length=300, required=False)


class PeriodForm(forms.Form):
    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "As of: give a date as YYYY-MM-DD (this one does not exist)."})
    days = forms.TypedChoiceField(choices=[(7, "7 days"), (30, "30 days"), (90, "90 days")], coerce=int,
                                  required=False, empty_value=30)
    top = forms.ChoiceField(choices=[("accounts", "Accounts"), ("families", "Account families")], required=False,
                            label="Top 20 by")

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = data.copy()
            data.setdefault("days", "30")
            data.setdefault("top", "accounts")
        super().__init__(data, initial={"days": 30, "top": "accounts"}, **kwargs)

    def clean_as_of(self):
        as_of = self.cleaned_data.get("as_of")
        if as_of and (error := date_range_error(as_of, label="As of")):
            raise forms.ValidationError(error)
        return as_of

    def values(self, today: date) -> tuple[date, int]:
        """as_of and the period in days; a refused one falls back to its default (see `messages`)."""
        if not self.is_bound:
            return today, 30
        self.is_valid()  # cleans every field once; a refused one is left out of cleaned_data
        return self.cleaned_data.get("as_of") or today, self.cleaned_data.get("days") or 30

    @property
    def messages(self) -> list[str]:
        """Every refused parameter's message, for the line beside the filters."""
        if not self.is_bound or self.is_valid():
            return []
        return [message for errors in self.errors.values() for message in errors]

    @property
    def families(self) -> bool:
        if not self.is_bound:
            return False
        self.is_valid()
        return self.cleaned_data.get("top") == "families"
