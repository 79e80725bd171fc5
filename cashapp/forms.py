"""The cash application pages' forms: the statement upload, the worklist's filters, and the line
page's decisions (split across invoices, assign to another customer, park, undo) and remittance
advice upload. They check what the person typed; the services check the rules again."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.formats import date_format

from banking.models import StatementFile
from cashapp.models import CashMatch
from core.params import date_range_error
from ledger.models import Customer, Invoice

DATE = forms.DateInput(attrs={"type": "date"})
FORMATS = [("auto", "Detect from the file"), *StatementFile.Format.choices]
REMITTANCE_TYPES = (".pdf", ".csv", ".txt")


def _upload_limit_error(upload) -> str:
    limit_mb = settings.IMPORT_MAX_UPLOAD_MB
    if upload.size > limit_mb * 1024 * 1024:
        return (f"{upload.name} is {upload.size / 2**20:.1f} MB; files up to {limit_mb} MB are taken. "
                f"Ask the bank for one statement per file.")
    return ""


class StatementUploadForm(forms.Form):
    file = forms.FileField(label="Statement file")
    format = forms.ChoiceField(choices=FORMATS, initial="auto")
    dry_run = forms.BooleanField(required=False, label="Dry run: check the file and show what would be matched, "
                                                      "write nothing")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if error := _upload_limit_error(upload):
            raise forms.ValidationError(error)
        if not upload.size:
            raise forms.ValidationError(f"{upload.name} is empty.")
        return upload


class WorklistFilterForm(forms.Form):
    """`?status=&file=&date_from=&date_to=&amount_min=&amount_max=&q=`; a refused value is
    named above the list (`error_text`) and that filter is left out, never silently replaced."""

    STATUSES = [("", "To review and unmatched"), *CashMatch.Status.choices]

    status = forms.ChoiceField(choices=STATUSES, required=False)
    file = forms.ModelChoiceField(queryset=StatementFile.objects.none(), required=False,
                                  empty_label="All statements", label="Statement")
    date_from = forms.DateField(required=False, widget=DATE, label="Booked from")
    date_to = forms.DateField(required=False, widget=DATE, label="Booked until")
    amount_min = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2,
                                    label="Amount from")
    amount_max = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2,
                                    label="Amount up to")
    q = forms.CharField(required=False, max_length=100, label="Payer, text or amount")

    def __init__(self, *args, recent_files: int = 30, **kwargs):
        """The statement list offers the latest `recent_files` imported files (and the one asked for)."""
        super().__init__(*args, **kwargs)
        files = StatementFile.objects.defer("content")
        self.fields["file"].queryset = files
        asked = str(self.data.get("file", ""))
        shown = files.filter(status=StatementFile.Status.DONE).order_by("-created_at")[:recent_files]
        shown = list(shown) + (list(files.filter(pk=int(asked))) if asked.isdigit() else [])
        choices = {f.pk: f"{f.filename} · {date_format(f.created_at.date())}" for f in shown}
        self.fields["file"].widget.choices = [("", "All statements"), *choices.items()]

    def clean(self):
        data = super().clean()
        for field in ("date_from", "date_to"):
            if data.get(field) and (error := date_range_error(data[field], label="The booking date")):
                self.add_error(field, error)
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The last booking date is before the first.")
        if data.get("amount_min") is not None and data.get("amount_max") is not None \
                and data["amount_min"] > data["amount_max"]:
            self.add_error("amount_max", "The highest amount is below the lowest.")
        return data

    def filters(self) -> dict:
        """The valid filters only (a refused one is dropped and named by `error_text`)."""
        data = getattr(self, "cleaned_data", {})
        filters = {name: data.get(name) for name in self.fields if name not in self.errors}
        return {name: value for name, value in filters.items() if value not in (None, "")}

    def error_text(self) -> str:
        return " ".join(f"{self.fields[name].label or name}: {' '.join(errors)}" if name != "__all__"
                        else " ".join(errors) for name, errors in self.errors.items())


class SplitForm(forms.Form):
    """An amount per open invoice of one customer (`amount_<invoice id>`): each at most the invoice's
    open amount, together at most the receipt; what is left stays on the account as unapplied cash."""

    customer = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, customer: Customer, invoices: list[Invoice], line_amount: Decimal,
                 line_currency: str, initial_amounts: dict[int, Decimal] | None = None, **kwargs):
        kwargs["initial"] = {**kwargs.get("initial", {}), "customer": customer.pk}
        super().__init__(*args, **kwargs)
        self.account, self.invoices = customer, invoices
        self.line_amount, self.line_currency = line_amount, line_currency
        initial_amounts = initial_amounts or {}
        for invoice in invoices:
            self.fields[f"amount_{invoice.pk}"] = forms.DecimalField(
                required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2,
                label=invoice.external_id, initial=initial_amounts.get(invoice.pk),
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "class": "split-amount",
                                                "data-open": invoice.open_amount}))

    def rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(invoice, self[f"amount_{invoice.pk}"]) for invoice in self.invoices]

    def clean_customer(self):
        if self.cleaned_data["customer"] != self.account.pk:
            raise forms.ValidationError("The customer changed meanwhile: reload the page.")
        return self.account

    def clean(self):
        data = super().clean()
        total = Decimal("0.00")
        for invoice in self.invoices:
            name = f"amount_{invoice.pk}"
            amount = data.get(name)
            if not amount:
                continue
            if amount > invoice.open_amount:
                self.add_error(name, f"{invoice.external_id} has only {invoice.open_amount:,.2f} "
                                     f"{invoice.currency} open.")
            elif invoice.currency != self.line_currency:
                self.add_error(name, f"{invoice.external_id} is in {invoice.currency}, the receipt in "
                                     f"{self.line_currency}: apply it from the account workspace.")
            total += amount
        if not self.errors and not total:
            raise forms.ValidationError("Enter the amount paid on at least one invoice.")
        if total > self.line_amount:
            raise forms.ValidationError(f"The amounts add up to {total:,.2f} {self.line_currency}, more than the "
                                        f"{self.line_amount:,.2f} {self.line_currency} received.")
        return data

    def allocations(self) -> list[tuple[Invoice, Decimal]]:
        return [(invoice, self.cleaned_data[f"amount_{invoice.pk}"]) for invoice in self.invoices
                if self.cleaned_data.get(f"amount_{invoice.pk}")]

    @property
    def total(self) -> Decimal:
        data = getattr(self, "cleaned_data", None) or {}
        return sum((value for name, value in data.items() if name.startswith("amount_") and value),
                   Decimal("0.00"))


class CustomerChoiceForm(forms.Form):
    """Assign the receipt to another customer, or park it on one: a customer the user may open."""

    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label="Customer",
                                      error_messages={"required": "Choose the customer who paid.",
                                                      "invalid_choice": "Choose one of the customers found."})

    def __init__(self, *args, customers: QuerySet[Customer], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


def customer_search(customers: QuerySet[Customer], text: str, limit: int = 15) -> list[Customer]:
    """Customers whose name or id contains `text` (at least two characters), best known first."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(customers.filter(Q(name__icontains=text) | Q(external_id__icontains=text))
                .order_by("name", "pk")[:limit])


class UndoForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is this match wrong?",
                             error_messages={"required": "Say why the match is wrong: it is kept with the undo."})


class RemittanceForm(forms.Form):
    file = forms.FileField(label="Remittance advice (PDF or CSV)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if error := _upload_limit_error(upload):
            raise forms.ValidationError(error)
        if not upload.name.lower().endswith(REMITTANCE_TYPES):
            raise forms.ValidationError(f"{upload.name} is not a PDF or CSV file.")
        if not upload.size:
            raise forms.ValidationError(f"{upload.name} is empty.")
        return upload
