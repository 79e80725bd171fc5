"""Forms of the corrections page: reverse a payment, write off, void, and the decision on a request.
They read the values; the bounds (positive, at most what is open, who may) are the service's."""

from typing import cast

from django import forms
from django.http import QueryDict
from django.utils.formats import date_format

from core.money import MONEY
from ledger.models import Customer, Invoice, Payment
from work.corrections import selectors


class PaymentChoice(forms.ModelChoiceField):
    def label_from_instance(self, payment: Payment) -> str:
        return (f"{payment.external_id} · received {date_format(payment.received_date)} · {payment.amount:,.2f} "
                f"{payment.currency}")


class InvoiceChoice(forms.ModelChoiceField):
    def label_from_instance(self, invoice: Invoice) -> str:
        return (f"{invoice.external_id} · due {date_format(invoice.due_date)} · {invoice.open_amount:,.2f} of "
                f"{invoice.amount:,.2f} {invoice.currency} open")


class ReversalForm(forms.Form):
    payment = PaymentChoice(queryset=Payment.objects.none(), empty_label="Choose a payment",
                            error_messages={"required": "Choose the payment to reverse."})
    reason = forms.CharField(max_length=200, strip=True,
                             error_messages={"required": "Say why the payment is reversed."},
                             widget=forms.TextInput(attrs={"placeholder": "e.g. cheque bounced, keyed twice"}))

    def __init__(self, data: QueryDict | None = None, *, customer: Customer) -> None:
        super().__init__(data, auto_id="reverse_%s")
        cast(PaymentChoice, self.fields["payment"]).queryset = selectors.reversible_payments(customer)


class WriteOffForm(forms.Form):
    invoice = InvoiceChoice(queryset=Invoice.objects.none(), empty_label="Choose an invoice",
                            error_messages={"required": "Choose the invoice to write off."})
    amount = forms.DecimalField(**MONEY, error_messages={"required": "Say how much is written off."},
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reason = forms.CharField(max_length=200, strip=True, error_messages={"required": "Say why it is written off."},
                             widget=forms.TextInput(attrs={"placeholder": "e.g. customer insolvent"}))

    def __init__(self, data: QueryDict | None = None, *, customer: Customer) -> None:
        super().__init__(data, auto_id="write_off_%s")
        cast(InvoiceChoice, self.fields["invoice"]).queryset = selectors.invoices_to_write_off(customer)


class VoidForm(forms.Form):
    invoice = InvoiceChoice(queryset=Invoice.objects.none(), empty_label="Choose an invoice",
                            error_messages={"required": "Choose the invoice to void."})
    reason = forms.CharField(max_length=200, strip=True, error_messages={"required": "Say why the invoice is voided."},
                             widget=forms.TextInput(attrs={"placeholder": "e.g. raised twice"}))

    def __init__(self, data: QueryDict | None = None, *, customer: Customer) -> None:
        super().__init__(data, auto_id="void_%s")
        cast(InvoiceChoice, self.fields["invoice"]).queryset = selectors.voidable_invoices(customer)


class DecisionForm(forms.Form):
    """Approve or reject one request; the ids carry the request's number (several on one page)."""

    reason = forms.CharField(max_length=200, strip=True, error_messages={"required": "Say why."})

    def __init__(self, data: QueryDict | None = None, *, correction_id: int) -> None:
        super().__init__(data, auto_id=f"decide_{correction_id}_%s")
