"""The filters every report page reads from its query string."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from ledger.models import Customer, Invoice

GROUP_CHOICES = [("collector", "Collector"), ("customer", "Customer"), ("family", "Account family"),
                 ("segment", "Segment")]


class ReportFilters(forms.Form):
    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="As of")
    collector = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                       to_field_name="username", empty_label="All collectors")
    segment = forms.ChoiceField(required=False)
    currency = forms.ChoiceField(required=False)
    group_by = forms.ChoiceField(choices=GROUP_CHOICES, required=False, initial="collector", label="Rows by")
    window_days = forms.IntegerField(required=False, min_value=1, max_value=730, label="DSO window (days)",
                                     widget=forms.NumberInput(attrs={"placeholder": "90", "size": 4}))
    horizon_end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Horizon")

    def __init__(self, data, *, sees_everything: bool):
        super().__init__(data, initial={"as_of": timezone.localdate(), "group_by": "collector"})
        self.sees_everything = sees_everything
        if sees_everything:
            self.fields["collector"].queryset = (
                get_user_model().objects.filter(portfolios__isnull=False).distinct().order_by("username")
            )
        else:
            del self.fields["collector"]
        segments = Customer.objects.exclude(segment="").order_by().values_list("segment", flat=True).distinct()
        currencies = Invoice.objects.order_by().values_list("currency", flat=True).distinct()
        self.fields["segment"].choices = [("", "All segments")] + [(s, s) for s in sorted(segments)]
        self.fields["currency"].choices = [("", "All currencies")] + [(c, c) for c in sorted(currencies)]

    def chosen(self, user) -> dict:
        """The report parameters: as_of (default today), group_by, horizon_end and the scope
        (collector / segment / currency); a collector always gets their own portfolio, whatever they ask."""
        data = self.cleaned_data if self.is_valid() else {}
        collector = data.get("collector") if self.sees_everything else user
        return {
            "as_of": data.get("as_of") or timezone.localdate(),
            "group_by": data.get("group_by") or "collector",
            "horizon_end": data.get("horizon_end"),
            "window_days": data.get("window_days") or 90,
            "scope": {"collector": collector or None, "segment": data.get("segment") or None,
                      "currency": data.get("currency") or None},
        }
