"""Filters and inputs of the charges pages (approvals, waiver report, proposals run by hand)."""

from datetime import date

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from core.params import date_range_error
from portfolios.models import Role
from reminders.models import ChargeProposal


def _collectors():
    return User.objects.filter(groups__name=Role.COLLECTOR).order_by("username")


class CollectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


class ChargeFilterForm(forms.Form):
    collector = CollectorChoiceField(queryset=User.objects.none(), required=False, empty_label="Every collector")
    kind = forms.ChoiceField(choices=[("", "Fees and interest"), *ChargeProposal.Kind.choices], required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = _collectors()


class WaiverReportForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    collector = CollectorChoiceField(queryset=User.objects.none(), required=False, empty_label="Every collector")

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        initial = {"start": date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1), "end": today}
        super().__init__({**initial, **{k: v for k, v in (data or {}).items() if v}}, **kwargs)
        self.fields["collector"].queryset = _collectors()

    def clean(self):
        data = super().clean()
        for name, label in (("start", "From"), ("end", "To")):
            if data.get(name) and (error := date_range_error(data[name], label=label)):
                self.add_error(name, error)
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data


class ChargeProposeForm(forms.Form):
    as_of = forms.DateField(label="Interest up to", widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="Usually the statement date.")

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("Interest cannot be proposed for days that have not happened yet.")
        if error := date_range_error(as_of, label="Interest up to"):
            raise forms.ValidationError(error)
        return as_of
