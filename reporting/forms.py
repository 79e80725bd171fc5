"""The filters every report page reads from its query string."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format

from core.params import date_range_error, latest_future
from ledger.hierarchy import MAX_DEPTH
from ledger.models import Customer, FxRate

GROUP_CHOICES = [("collector", "Collector"), ("customer", "Customer"), ("family", "Account family"),
                 ("segment", "Segment")]


def report_currencies() -> set[str]:
    """The currencies a report can be filtered by: the base one and each with an FX rate. Every
    report converts to base, so a document in a currency without a rate cannot be reported on at
    all; this reads the small rate table, not a DISTINCT over every invoice on each page view
    (a sequential scan of the whole book)."""
    return {settings.BASE_CURRENCY, *FxRate.objects.order_by().values_list("currency", flat=True).distinct()}


class ReportFilters(forms.Form):
    as_of = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="As of",
                            error_messages={"invalid": "As of: give a date as YYYY-MM-DD (this one does not exist)."})
    collector = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False,
                                       to_field_name="username", empty_label="All collectors")
    segment = forms.ChoiceField(required=False)
    currency = forms.ChoiceField(required=False)
    group_by = forms.ChoiceField(choices=GROUP_CHOICES, required=False, initial="collector", label="Rows by")
    window_days = forms.IntegerField(required=False, min_value=1, max_value=730, label="DSO window (days)",
                                     widget=forms.NumberInput(attrs={"placeholder": "90", "size": 4}),
                                     error_messages={"invalid": "The DSO window is a whole number of days.",
                                                     "min_value": "The DSO window is 1 to 730 days.",
                                                     "max_value": "The DSO window is 1 to 730 days."})
    # --- family ---
    level = forms.IntegerField(required=False, min_value=0, max_value=MAX_DEPTH, label="Family level",
                               widget=forms.NumberInput(attrs={"placeholder": "top", "size": 3}),
                               error_messages={"invalid": "The family level is a whole number (0 = the top).",
                                               "min_value": f"The family level is 0 (the top) to {MAX_DEPTH}.",
                                               "max_value": f"The family level is 0 (the top) to {MAX_DEPTH}."})
    # --- end family ---
    horizon_end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Horizon",
                                  error_messages={"invalid": "Horizon: give a date as YYYY-MM-DD (this one does "
                                                             "not exist)."})

    def __init__(self, data, *, sees_everything: bool):
        if data is not None and data.get("window") and not data.get("window_days"):
            data = data.copy()  # ?window= is how people type it: read it, refuse it if it is wrong
            data["window_days"] = data["window"]
        super().__init__(data, initial={"as_of": timezone.localdate(), "group_by": "collector"})
        self.sees_everything = sees_everything
        if sees_everything:
            self.fields["collector"].queryset = (
                get_user_model().objects.filter(portfolios__isnull=False).distinct().order_by("username")
            )
        else:
            del self.fields["collector"]
        segments = Customer.objects.exclude(segment="").order_by().values_list("segment", flat=True).distinct()
        currencies = report_currencies()
        self.fields["segment"].choices = [("", "All segments")] + [(s, s) for s in sorted(segments)]
        self.fields["currency"].choices = [("", "All currencies")] + [(c, c) for c in sorted(currencies)]

    def clean_as_of(self):
        as_of = self.cleaned_data.get("as_of")
        if as_of and (error := date_range_error(as_of, label="As of")):
            raise forms.ValidationError(error)
        return as_of

    def clean_horizon_end(self):
        horizon_end = self.cleaned_data.get("horizon_end")
        if horizon_end and (error := date_range_error(horizon_end, latest=latest_future(timezone.localdate()),
                                                      label="The horizon")):
            raise forms.ValidationError(error)
        return horizon_end

    def clean(self):
        data = super().clean()
        as_of, horizon_end = data.get("as_of") or timezone.localdate(), data.get("horizon_end")
        if horizon_end and horizon_end < as_of:
            self.add_error("horizon_end", f"The horizon ({date_format(horizon_end)}) must not be before the as-of date "
                                          f"({date_format(as_of)}).")
        return data

    @property
    def messages(self) -> list[str]:
        """Every refused parameter's message, for the line beside the filters."""
        if not self.is_bound or self.is_valid():
            return []
        return [message for errors in self.errors.values() for message in errors]

    def chosen(self, user) -> dict:
        """The report parameters: as_of (default today), group_by, horizon_end and the scope
        (collector / segment / currency); a collector always gets their own portfolio, whatever they ask.
        A refused parameter falls back to its default (its message is in `messages`); the others stay."""
        data: dict = {}
        if self.is_bound:
            self.is_valid()  # cleans every parameter once; a refused one is left out of cleaned_data
            data = self.cleaned_data
        collector = data.get("collector") if self.sees_everything else user
        return {
            "as_of": data.get("as_of") or timezone.localdate(),
            "group_by": data.get("group_by") or "collector",
            "horizon_end": data.get("horizon_end"),
            "window_days": data.get("window_days") or 90,
            "level": data.get("level"),  # --- family --- None: the top of each family
            "scope": {"collector": collector or None, "segment": data.get("segment") or None,
                      "currency": data.get("currency") or None},
        }
