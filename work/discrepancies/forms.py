"""Forms of the discrepancies worklist: its filters and a collector's decision on a flag."""

from django import forms

from work.discrepancies.models import Discrepancy


class DiscrepancyFilterForm(forms.Form):
    """`?kind=&status=`. The list opens on the open flags; a value the form refuses is named above the
    list (`error_text`) and that filter is left out, never silently replaced."""

    kind = forms.ChoiceField(choices=[("", "Every kind"), *Discrepancy.Kind.choices], required=False)
    status = forms.ChoiceField(choices=[*Discrepancy.Status.choices, ("all", "Every status")], required=False)

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or Discrepancy.Status.OPEN
        return {"kind": data.get("kind", ""), "status": "" if status == "all" else status}

    def error_text(self) -> str:
        return " ".join(f"{self.fields[name].label or name.title()}: {' '.join(errors)}"
                        for name, errors in self.errors.items())


class DecisionForm(forms.Form):
    note = forms.CharField(max_length=300, required=False, strip=True, widget=forms.TextInput(
        attrs={"placeholder": "Note, e.g. same delivery invoiced twice"}))
