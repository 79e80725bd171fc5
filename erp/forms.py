from django import forms
from django.conf import settings

from erp.models import MappingProfile
from ledger.imports.mapping import DATE_FORMATS, SIGNS, Mapping, MappingError
from ledger.imports.validation import FILE_NAMES

FROM_PROFILE = ""
THOUSANDS_CHOICES = [(FROM_PROFILE, "profile's (none)"), ("none", "none"), (",", "1,234.50"), (".", "1.234,50"),
                     ("space", "1 234,50"), ("'", "1'234.50")]


class ImportUploadForm(forms.Form):
    """Up to four ERP exports (CSV or XLSX); at least one. How they are read: a saved profile, the
    options below (over the profile's), or neither (our own CSV files, UTF-8 and ',')."""

    customers = forms.FileField(required=False, label="Customers (customers.csv)")
    invoices = forms.FileField(required=False, label="Invoices (invoices.csv)")
    payments = forms.FileField(required=False, label="Payments (payments.csv)")
    credits = forms.FileField(required=False, label="Credit notes (credit_notes.csv)")
    profile = forms.ModelChoiceField(MappingProfile.objects.all(), required=False, to_field_name="name",
                                     empty_label="none: our own columns", label="Mapping profile")
    date_format = forms.ChoiceField(required=False, label="Dates",
                                    choices=[(FROM_PROFILE, "profile's (YYYY-MM-DD)"), *DATE_FORMATS.items()])
    decimal = forms.ChoiceField(required=False, label="Decimal separator",
                                choices=[(FROM_PROFILE, "profile's (.)"), (".", "point 1234.50"),
                                         (",", "comma 1234,50")])
    thousands = forms.ChoiceField(required=False, label="Thousands separator", choices=THOUSANDS_CHOICES)
    parentheses = forms.BooleanField(required=False, label="(12.50) is a negative amount")
    sign = forms.ChoiceField(required=False, label="Negative amounts",
                             choices=[(FROM_PROFILE, "profile's (refused)"), *SIGNS.items()])
    default_currency = forms.CharField(required=False, max_length=8, label="Currency when the file has none",
                                       help_text="an ISO code such as USD, or “customer” for the customer's")
    encoding = forms.CharField(required=False, max_length=30, label="Encoding", help_text="empty: detected")
    delimiter = forms.ChoiceField(required=False, label="Delimiter",
                                  choices=[(FROM_PROFILE, "detected"), (",", ","), (";", ";"), ("tab", "tab"),
                                           ("|", "|")])
    sheet = forms.CharField(required=False, max_length=100, label="XLSX sheet", help_text="empty: the first")
    columns = forms.CharField(required=False, label="Columns", widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="one per line: our column=the export's column, e.g. invoice_id=DocNo")
    create_customers = forms.BooleanField(required=False, label="Make the invoices' customers that do not exist "
                                                                "(no customers file)")
    save_as = forms.CharField(required=False, max_length=80, label="Save these options as a profile named")

    OPTIONS = ("date_format", "decimal", "thousands", "parentheses", "sign", "default_currency", "encoding",
               "delimiter", "sheet", "columns", "create_customers")

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
        self._mapping = self._build_mapping(data)
        name = (data.get("save_as") or "").strip()
        if name and MappingProfile.objects.filter(name=name).exists():
            self.add_error("save_as", f"A profile named {name} exists already; choose another name or pick it above.")
        if name and self._mapping is None:
            self.add_error("save_as", "Set some options to save, or leave the name empty.")
        return data

    def _build_mapping(self, data) -> Mapping | None:
        changes: dict = {}
        for option in ("date_format", "decimal", "sign", "encoding", "sheet"):
            if data.get(option):
                changes[option] = data[option].strip()
        if data.get("thousands"):
            changes["thousands"] = {"none": "", "space": " "}.get(data["thousands"], data["thousands"])
        if data.get("delimiter"):
            changes["delimiter"] = data["delimiter"]
        if (data.get("default_currency") or "").strip():
            changes["default_currency"] = data["default_currency"].strip()
        for option in ("parentheses", "create_customers"):
            if data.get(option):
                changes[option] = True
        columns = self._columns(data.get("columns") or "")
        profile = data.get("profile")
        if profile is None and not changes and not columns:
            return None  # our own files, read as they always were
        base = profile.mapping() if profile else Mapping()
        if columns:
            changes["columns"] = base.columns | columns
        try:
            return base.replaced(**changes)
        except MappingError as problem:
            for reason in problem.problems:
                self.add_error(None, f"Mapping: {reason}.")
            return None


    def _columns(self, lines: str) -> dict:
        columns = {}
        for number, line in enumerate(lines.splitlines(), 1):
            if not line.strip():
                continue
            ours, equals, theirs = line.partition("=")
            if not equals or not ours.strip() or not theirs.strip():
                self.add_error("columns", f"Line {number} ({line.strip()[:40]}): write our column=the export's "
                                          "column, e.g. invoice_id=DocNo.")
                continue
            columns[ours.strip()] = theirs.strip()
        return columns

    def files_given(self) -> dict:
        return {kind: self.cleaned_data[kind] for kind in FILE_NAMES if self.cleaned_data.get(kind)}

    def mapping(self) -> Mapping | None:
        """How the files are read: the profile's options with the ones set here over them; None
        without a profile or an option (our own CSV files)."""
        return self._mapping

    def profile_to_save(self) -> str:
        return (self.cleaned_data.get("save_as") or "").strip()
