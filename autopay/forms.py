"""The customer's autopay choices: which account (a family's link shows several), card or direct
debit, which day, and the authorization they accept. The page that shows it (the portal) passes
the accounts the link may act for; an id outside them is not a valid choice."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ledger.models import Customer
from payments.models import MethodKind

DUE_DATE, DAY_OF_MONTH = "due", "day"
DAYS = [(n, str(n)) for n in range(1, 29)]


def methods_for(customer: Customer) -> list[tuple[str, str]]:
    """What autopay may use for this account: a card; a SEPA direct-debit mandate for an account
    billed in euros (SEPA debits only euros); narrowed to the methods its payment settings allow."""
    offered = [(MethodKind.CARD, gettext("Card (Visa, Mastercard, American Express)"))]
    if customer.currency == "EUR":
        offered.append((MethodKind.SEPA_DEBIT, gettext("SEPA Direct Debit from a euro bank account")))
    allowed = getattr(getattr(customer, "payment_settings", None), "methods_allowed", None) or []
    return [(kind, label) for kind, label in offered if not allowed or kind in allowed]


def authorization_text(account_name: str) -> str:
    """What the customer accepts, shown beside the checkbox and stored with the mandate as they saw it
    (in the language of the page they saw it on)."""
    return gettext(
        "I authorize you to charge the card or debit the bank account I save next for the open invoices of "
        "%(account)s, on the day chosen above, until I cancel autopay in this portal. Before each charge you "
        "will email me, %(days)s days ahead, the invoices and the amount you will collect; you will never collect "
        "more than that email says. Invoices already due when I sign up are collected %(days)s days from now. "
        "A disputed invoice is not collected. For a direct debit, I authorize my bank to debit my account "
        "according to these instructions, and I am entitled to a refund from my bank under the terms of my "
        "agreement with it; a refund must be claimed within 8 weeks of the debit."
    ) % {"account": account_name, "days": settings.AUTOPAY_NOTICE_DAYS}


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, customer) -> str:
        return f"{customer.name} ({customer.external_id})"


class AutopaySetupForm(forms.Form):
    account = AccountChoice(queryset=Customer.objects.none(), empty_label=None, label=_("Account"))
    kind = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect,
                             error_messages={"required": _("Choose a card or a direct debit.")})
    schedule = forms.ChoiceField(
        label=_("When"), widget=forms.RadioSelect, initial=DUE_DATE,
        choices=[(DUE_DATE, _("On each invoice's due date")), (DAY_OF_MONTH, _("On a day of the month I choose"))])
    day = forms.TypedChoiceField(label=_("Day of the month (for invoices due by then)"), choices=[("", "—"), *DAYS],
                                 coerce=int, required=False, empty_value=None)
    accept = forms.BooleanField(error_messages={"required": _("Please accept the authorization to turn autopay on.")})

    def __init__(self, *args, accounts, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once, with their payment settings: the choices, the methods and the page use these rows;
        # what is posted is still checked against the queryset.
        self.accounts: list[Customer] = list(accounts.select_related("payment_settings"))
        field = self.fields["account"]
        field.queryset, field.initial = accounts, customer.pk
        field.choices = [(c.pk, field.label_from_instance(c)) for c in self.accounts]
        family = len(self.accounts) > 1
        if not family:
            field.widget = forms.HiddenInput()
        offered: dict[str, str] = {}
        for account in self.accounts:
            offered.update((kind, label) for kind, label in methods_for(account) if kind not in offered)
        self.fields["kind"].choices = list(offered.items())
        if len(offered) == 1:
            self.fields["kind"].initial = next(iter(offered))
        self.authorization = authorization_text(gettext("the account chosen above") if family else customer.name)
        self.fields["accept"].label = gettext("I accept the authorization above.")

    def clean(self):
        data = super().clean()
        account = data.get("account")
        if account is not None and data.get("kind") and data["kind"] not in dict(methods_for(account)):
            self.add_error("kind", gettext("%(method)s is not offered for %(account)s.") % {
                "method": dict(self.fields["kind"].choices).get(data["kind"], data["kind"]), "account": account.name})
        if data.get("schedule") == DAY_OF_MONTH and not data.get("day"):
            self.add_error("day", gettext("Choose the day of the month (1 to 28)."))
        return data

    @property
    def charge_on(self) -> int | None:
        return self.cleaned_data["day"] if self.cleaned_data.get("schedule") == DAY_OF_MONTH else None

    def accepted_text(self) -> str:
        """The authorization as shown, and what it was given for: the record kept with the mandate."""
        data, kinds = self.cleaned_data, dict(self.fields["kind"].choices)
        when = "on each invoice's due date" if self.charge_on is None else f"on day {self.charge_on} of the month"
        return (f"{self.authorization}\n\nAccount: {data['account'].name} ({data['account'].external_id}). "
                f"Pay with: {kinds[data['kind']]}. When: {when}.")
