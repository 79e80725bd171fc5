from django import forms

from ledger.imports.validation import FILE_NAMES


class ImportUploadForm(forms.Form):
    """Up to four ERP exports; at least one."""

    customers = forms.FileField(required=False, label="Customers (customers.csv)")
    invoices = forms.FileField(required=False, label="Invoices (invoices.csv)")
    payments = forms.FileField(required=False, label="Payments (payments.csv)")
    credits = forms.FileField(required=False, label="Credit notes (credit_notes.csv)")

    def clean(self):
        data = super().clean()
        if not any(data.get(kind) for kind in FILE_NAMES):
            raise forms.ValidationError("Choose at least one file to import.")
        return data

    def files_given(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in FILE_NAMES if self.cleaned_data.get(kind)}
