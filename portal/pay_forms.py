"""The portal's pay form: which invoices, how much on each, and how to pay.

The customer ticks invoices (an email's Pay button arrives with exactly its invoices ticked), pays
them in full, types one smaller amount (applied oldest due first, `payments.services.lines_oldest_first`)
or an amount per invoice, then chooses how to pay on the provider's page among the methods their
payment settings allow (payments.services.methods_for). Everything is checked
against the link's own accounts: another customer's invoice is not a choice, an amount is never more
than is open, and an invoice paid since the page was opened is named ("INV-1 was paid meanwhile").
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import ZERO
from ledger.models import Customer, Invoice
from payments.models import MethodKind, PaymentRequest
from payments.selectors import invoices_payment_pending
from payments.services import (
    BY_CARD,
    NOT_BY_CARD,
    card_surcharge_percent,
    lines_oldest_first,
    methods_for,
    payment_settings,
)
from portal.language import figure, money
from portal.links import PortalLink
from portal.selectors import open_invoices
from portal.wording import named

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01"),
         # typed as the page's language writes it: "12,50" on a French page, "12.50" on any
         "localize": True}
# Where a checkout may start from the portal; autopay charges never come through this page.
ORIGINS = [PaymentRequest.Origin.PORTAL, PaymentRequest.Origin.EMAIL, PaymentRequest.Origin.STATEMENT]


@dataclass(frozen=True)
class MethodsOffered:
    """What the page tells the customer about how they can pay (the provider's page offers them)."""

    labels: list[str]
    card_max_amount: Decimal | None = None
    card_surcharge_percent: Decimal = ZERO  # above 0, the customer chooses card (with it) or not first


def methods_offered(customer: Customer) -> MethodsOffered:
    """The methods a checkout offers this customer (payments.services.methods_for, the one rule),
    and the amount above which cards are not offered."""
    setting = payment_settings(customer)
    kinds = methods_for(customer, ZERO, setting)
    card_max = setting.card_max_amount if setting is not None and MethodKind.CARD in kinds else None
    surcharge = card_surcharge_percent(setting) if MethodKind.CARD in kinds else ZERO
    return MethodsOffered([named("method_kind", kind) for kind in kinds], card_max, surcharge)


def card_choice(methods: MethodsOffered) -> str:
    """The card choice when cards carry a surcharge: "Card, with a 2.5 % surcharge"."""
    return gettext("Card, with a %(percent)s %% surcharge") % {"percent": figure(methods.card_surcharge_percent)}


def other_choice(methods: MethodsOffered) -> str:
    """The other choice: "Bank transfer or SEPA Direct Debit, no surcharge"."""
    card = named("method_kind", MethodKind.CARD)
    others = [label for label in methods.labels if label != card]
    joined = gettext(" or ").join(others) if others else gettext("Another method")
    return gettext("%(methods)s, no surcharge") % {"methods": joined}


def preselected(link: PortalLink, params: QueryDict, today: date) -> tuple[list[int], list[str]]:
    """The invoice ids a link asks to tick (`?invoices=1,2`, `?select=due`, `?select=all`) among the
    link's open invoices, and what to tell the customer about the ones it named that cannot be paid."""
    select, text = params.get("select", ""), params.get("invoices", "")
    invoices = open_invoices(link)
    if select == "all":
        return list(invoices.values_list("pk", flat=True)), []
    if select == "due":
        return list(invoices.filter(due_date__lte=today).values_list("pk", flat=True)), []
    notes = [gettext("“%(select)s” is not a choice of invoices: use select=due or select=all.") % {"select": select}
             ] if select else []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        return [], [*notes, gettext("The link's list of invoices cannot be read; please tick the invoices to pay.")]
    wanted = [int(part) for part in parts]
    found = {i.pk: i for i in Invoice.objects.filter(pk__in=wanted, customer_id__in=link.customer_ids)
             .exclude(status=Invoice.Status.VOID)}
    ids = [pk for pk in wanted if pk in found and found[pk].status == Invoice.Status.OPEN]
    notes += [gettext("%(invoice)s is already paid. Thank you!") % {"invoice": found[pk].external_id}
              for pk in wanted if pk in found and found[pk].status != Invoice.Status.OPEN]
    if len(found) < len(set(wanted)):
        notes.append(gettext("Some invoices in the link are not on your account any more; they are not listed."))
    return ids, notes


class PayForm(forms.Form):
    """Built on the link's open invoices; `rows` pairs each with its own amount field for the template."""

    invoices = forms.ModelMultipleChoiceField(
        queryset=Invoice.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("One of the invoices you ticked is not on your account."),
                        "invalid_pk_value": _("One of the invoices you ticked is not on your account.")})
    amount = forms.DecimalField(label=_("Pay a part only (optional)"), required=False, **MONEY,
                                help_text=_("Leave it empty to pay the ticked invoices in full; a smaller amount "
                                            "goes to the oldest invoices first."))
    origin = forms.ChoiceField(choices=[(o, o) for o in ORIGINS], initial=PaymentRequest.Origin.PORTAL,
                               widget=forms.HiddenInput)

    def __init__(self, *args: Any, link: PortalLink, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.link = link
        self.open = list(open_invoices(link))
        # Any invoice of the link's accounts is a valid pick, so that one paid since the page was
        # opened is named in the error rather than refused as "not a valid choice".
        choices = Invoice.objects.filter(customer_id__in=link.customer_ids).exclude(status=Invoice.Status.VOID)
        self.fields["invoices"].queryset = choices  # type: ignore[attr-defined]
        for invoice in self.open:
            self.fields[self.amount_name(invoice)] = forms.DecimalField(
                label=gettext("Amount to pay on %(invoice)s") % {"invoice": invoice.external_id}, required=False,
                **MONEY)
        self.methods = methods_offered(link.customer)
        if self.methods.card_surcharge_percent > 0:
            self.fields["method"] = forms.ChoiceField(
                label=_("How you pay"), widget=forms.RadioSelect,
                choices=[(BY_CARD, card_choice(self.methods)), (NOT_BY_CARD, other_choice(self.methods))],
                error_messages={"required": _("Choose how you pay: by card (with the surcharge) or another way.")})
        self.lines: list[tuple[Invoice, Decimal]] = []
        self.total = ZERO

    @staticmethod
    def amount_name(invoice: Invoice) -> str:
        return f"amount_{invoice.pk}"

    @property
    def rows(self) -> list[tuple[Invoice, forms.BoundField, bool]]:
        """(invoice, its amount field, ticked?) for the table."""
        ticked = {str(v) for v in (self["invoices"].value() or [])}
        return [(inv, self[self.amount_name(inv)], str(inv.pk) in ticked) for inv in self.open]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = sorted(data.get("invoices") or [], key=lambda i: (i.due_date, i.external_id))
        picked_ids = {i.pk for i in picked}
        for invoice in self.open:
            if data.get(self.amount_name(invoice)) is not None and invoice.pk not in picked_ids:
                self.add_error(self.amount_name(invoice), gettext("Tick %(invoice)s to pay it, or clear its amount.")
                               % {"invoice": invoice.external_id})
        if not picked:
            if "invoices" not in self.errors:
                self.add_error("invoices", gettext("Tick at least one invoice to pay."))
            return data
        if not self._still_payable(picked) or self.errors:
            return data
        self.lines = self._lines(picked, data)
        self.total = sum((amount for _, amount in self.lines), ZERO)
        return data

    def _still_payable(self, picked: list[Invoice]) -> bool:
        """Each picked invoice is still open and not already being paid (a transfer on its way)."""
        pending = set(invoices_payment_pending().filter(pk__in=[i.pk for i in picked]).values_list("pk", flat=True))
        problems = []
        for invoice in picked:
            if invoice.status == Invoice.Status.PAID or (invoice.status == Invoice.Status.OPEN
                                                         and invoice.open_amount <= 0):
                problems.append(gettext("%(invoice)s was paid meanwhile; untick it.")
                                % {"invoice": invoice.external_id})
            elif invoice.status != Invoice.Status.OPEN:
                problems.append(gettext("%(invoice)s is not open any more; untick it.")
                                % {"invoice": invoice.external_id})
            elif invoice.pk in pending:
                problems.append(gettext("A payment for %(invoice)s is already on its way; untick it.")
                                % {"invoice": invoice.external_id})
        if len({i.currency for i in picked}) > 1:
            problems.append(gettext("Please pay invoices in one currency at a time."))
        for problem in problems:
            self.add_error("invoices", problem)
        return not problems

    def _lines(self, picked: list[Invoice], data: dict[str, Any]) -> list[tuple[Invoice, Decimal]]:
        open_total = sum((i.open_amount for i in picked), ZERO)
        typed = {i.pk: data.get(self.amount_name(i)) for i in picked}
        own: dict[int, Decimal] = {pk: amount for pk, amount in typed.items() if amount is not None}
        for invoice in picked:
            if invoice.pk in own and own[invoice.pk] > invoice.open_amount:
                self.add_error(self.amount_name(invoice), gettext("Only %(amount)s is open on %(invoice)s.") % {
                    "amount": money(invoice.open_amount, invoice.currency), "invoice": invoice.external_id})
        amount = data.get("amount")
        currency = picked[0].currency
        if amount is not None and amount > open_total:
            self.add_error("amount", gettext("The invoices you ticked have %(amount)s open; you can pay at most that.")
                           % {"amount": money(open_total, currency)})
        if self.errors:
            return []
        if own:
            lines = [(i, own.get(i.pk, i.open_amount)) for i in picked]
            total = sum((a for _, a in lines), ZERO)
            if amount is not None and amount != total:
                self.add_error("amount", gettext("The amounts per invoice add up to %(total)s: leave this empty or "
                                                 "make it %(total)s.") % {"total": money(total, currency)})
                return []
            return lines
        if amount is not None and amount < open_total:
            return lines_oldest_first(customer=self.link.customer, invoices=picked, amount=amount)
        return [(i, i.open_amount) for i in picked]
