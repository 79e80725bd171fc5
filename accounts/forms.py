"""Forms of the accounts pages: the list's filters and the manager's bulk reassignment."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.selectors import DEFAULT_SORT, SORTS, family_heads, segments
from portfolios.models import Portfolio


class CollectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


class FamilyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer) -> str:
        return f"{customer.name} ({customer.external_id})"


class AccountFilterForm(forms.Form):
    """GET filters of the accounts list. Invalid values are ignored rather than refused, so a stale
    bookmark still shows a list."""

    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Name or customer id", "autocomplete": "off"}))
    collector = CollectorChoiceField(queryset=get_user_model().objects.none(), required=False,
                                     empty_label="All collectors")
    segment = forms.ChoiceField(required=False)
    family = FamilyChoiceField(queryset=None, required=False, empty_label="All families")
    past_due = forms.BooleanField(required=False, label="Has past-due")
    sort = forms.ChoiceField(choices=[(key, label) for key, (label, _order) in SORTS.items()], required=False)

    def __init__(self, data, *, customers: QuerySet, show_collector: bool):
        super().__init__(data)
        self.fields["segment"].choices = [("", "All segments")] + [(s, s) for s in segments(customers)]
        self.fields["family"].queryset = family_heads(customers)
        if show_collector:
            self.fields["collector"].queryset = (
                get_user_model().objects.filter(portfolios__isnull=False).distinct().order_by("first_name", "username")
            )
        else:
            del self.fields["collector"]

    def filters(self) -> dict:
        """The cleaned filters for accounts_search; a field that did not validate is left out."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "q": (data.get("q") or "").strip(),
            "collector": data.get("collector"),
            "segment": data.get("segment") or "",
            "family": data.get("family"),
            "past_due_only": bool(data.get("past_due")),
            "sort": data.get("sort") or DEFAULT_SORT,
        }


class ReassignForm(forms.Form):
    """Move the ticked accounts to another portfolio; the reason goes into the assignment history."""

    customers = forms.ModelMultipleChoiceField(queryset=None, error_messages={"required": "Tick at least one account."})
    portfolio = forms.ModelChoiceField(queryset=Portfolio.objects.select_related("collector"),
                                       empty_label="Choose a portfolio")
    reason = forms.CharField(max_length=200, error_messages={"required": "Say why the accounts move."})

    def __init__(self, data=None, *, customers: QuerySet):
        super().__init__(data)
        self.fields["customers"].queryset = customers
