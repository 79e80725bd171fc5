from django import forms
from django.conf import settings

from ledger.imports.validation import FILE_NAMES


class ImportUploadForm(forms.Form):
    """Up to four ERP exports; at least one."""

    customers = forms.FileField(required=False, label="Customers (customers.csv)")
    invoices = forms.FileField(required=False, label="Invoices (invoices.csv)")
    payments = forms.FileField(required=False, label="Payments (payments.csv)")
    credits = forms.FileField(required=False, label="Credit notes (credit_notes.csv)")

    def clean(self):
        data = super().clean()
        limit_mb = settings.IMPORT_MAX_UPLOAD_MB
        for kind in FILE_NAMES:
            upload = data.get(kind)
            if upload and upload.size > limit_mb * 1024 * 1024:
                self.add_error(kind, f"{upload.name} is {upload.size / 2**20:.1f} MB; the import takes files up to "
                                     f"{limit_mb} MB. Export the rows in several files and upload them one by one.")
        if not any(data.get(kind) for kind in FILE_NAMES):
            raise forms.ValidationError("Choose at least one file to import.")
        return data

    def files_given(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in FILE_NAMES if self.cleaned_data.get(kind)}
