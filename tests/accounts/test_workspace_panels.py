"""The account workspace as one page: every panel rendered in one request, each action answering
with its panel (HTMX) or the page, a refused action's error in both, and the old addresses of the
panels redirecting to the new ones."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ledger.models import Contact
from reminders.models import MessageTemplate, OutboundMessage
from tests.accounts.test_workspace import _book
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    PaymentPlanFactory,
    PortfolioFactory,
    collector,
    finance,
    manager,
    past_due_invoice,
)
from work.holds.services import credit_hold_place
from work.models import Activity

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PANEL_IDS = ('id="account-actions"', 'id="workspace-messages"', 'id="plans"', 'id="credit-hold"', 'id="portal"',
             'id="timeline-entries"')


def today():
    return timezone.localdate()


@pytest.fixture
def alice():
    return collector("alice")


@pytest.fixture
def account(alice):
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Northwind")
    ContactFactory(customer=customer, role=Contact.Role.AP_CLERK)
    past_due_invoice(customer, "700.00", days=50)
    past_due_invoice(customer, "300.00", days=20)
    return customer


def test_workspace_renders_every_panel_in_one_request(client, alice, django_assert_max_num_queries):
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    _book(customer, 500)
    client.force_login(alice)

    with django_assert_max_num_queries(26 + 1):  # reply: + the customer's mail panel (accounts/inbox_panel.py)
        response = client.get(reverse("account", args=[customer.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="load"' not in html
    for panel in PANEL_IDS:
        assert html.count(panel) == 1, panel
    assert f'action="{reverse("account_log", args=[customer.pk])}"' in html
    assert f'action="{reverse("account_statement_now", args=[customer.pk])}"' in html
    assert html.count(f'action="{reverse("account_invoice_copy", args=[customer.pk])}"') == 25 + 25
    assert "note 2" in html  # the timeline


def test_each_panel_has_an_address_of_its_own_that_also_works_without_javascript(client, alice, account):
    client.force_login(alice)
    for name, panel in (("account_actions", PANEL_IDS[0]), ("account_messages", PANEL_IDS[1]),
                        ("account_credit_hold", PANEL_IDS[3]), ("account_timeline", PANEL_IDS[5])):
        fragment = client.get(reverse(name, args=[account.pk]), headers=HX).content.decode()
        page = client.get(reverse(name, args=[account.pk])).content.decode()
        assert panel in fragment and "<html" not in fragment, name
        assert all(p in page for p in PANEL_IDS) and "<html" in page, name


def test_finance_reads_the_workspace_without_the_collection_actions(client, account):
    client.force_login(finance())
    html = client.get(reverse("account", args=[account.pk])).content.decode()
    assert 'id="account-actions"' not in html and 'id="workspace-messages"' in html
    assert client.get(reverse("account_actions", args=[account.pk]), headers=HX).status_code == 403


OLD_ADDRESSES = [
    ("/queue/account/{pk}/timeline/", "account_timeline"),
    ("/queue/account/{pk}/actions/", "account_actions"),
    ("/queue/account/{pk}/log/", "account_log"),
    ("/queue/account/{pk}/escalate/", "account_escalate"),
    ("/queue/account/{pk}/follow-up/", "account_follow_up"),
    ("/reminders/accounts/{pk}/", "account_messages"),
    ("/reminders/accounts/{pk}/statement/", "account_statement_now"),
    ("/reminders/accounts/{pk}/statement.pdf", "account_statement_pdf"),
    ("/reminders/accounts/{pk}/invoice-copy/", "account_invoice_copy"),
    ("/reminders/accounts/{pk}/compose/", "account_compose"),
    ("/reminders/accounts/{pk}/dunning-settings/", "customer_dunning_settings"),
]


@pytest.mark.parametrize(("old", "name"), OLD_ADDRESSES)
def test_old_addresses_redirect_permanently_to_the_account_page(client, alice, account, old, name):
    client.force_login(alice)
    new = reverse(name, args=[account.pk])
    assert new.startswith(f"/accounts/{account.pk}/")

    got = client.get(old.format(pk=account.pk))
    posted = client.post(old.format(pk=account.pk), {"reason": "x"})

    assert (got.status_code, got["Location"]) == (301, new)
    assert (posted.status_code, posted["Location"]) == (308, new)


def test_old_address_keeps_its_query_and_a_repeated_post_reaches_the_new_action(client, alice, account):
    client.force_login(alice)
    got = client.get(f"/queue/account/{account.pk}/timeline/?kind=promise")
    assert got["Location"] == reverse("account_timeline", args=[account.pk]) + "?kind=promise"

    response = client.post(f"/queue/account/{account.pk}/log/", {"kind": "call", "outcome": "no_answer"},
                           follow=True)

    assert response.redirect_chain[0][1] == 308
    assert Activity.objects.get(customer=account).by == alice


# --- A refused action shows its error in the panel (HTMX) and in the page (without) ---------------

def _plan(customer):
    return PaymentPlanFactory(customer=customer, invoices=list(customer.invoices.all()))


def _plan_data(customer, **extra):
    data = {"invoices": [i.pk for i in customer.invoices.all()], "count": 2, "interval": "monthly",
            "split": "equal", "first_due": (today() - timedelta(days=1)).isoformat(), "note": ""}
    return {**data, **extra}


REFUSED = {
    # action: (URL arguments, posted data, who posts, the error shown, status)
    "account_log": (lambda c: [c.pk], lambda c: {"kind": "call", "outcome": "promised"}, "alice",
                    "How much did they promise?", 422),
    "account_escalate": (lambda c: [c.pk], lambda c: {"reason": ""}, "alice", "This field is required.", 422),
    "account_follow_up": (lambda c: [c.pk], lambda c: {"on": (today() - timedelta(days=2)).isoformat()}, "alice",
                          "A follow-up is for today or later.", 422),
    "account_portal_revoke": (lambda c: [c.pk], lambda c: {"reason": " "}, "alice",
                              "Say why the links are revoked.", 422),
    "account_compose": (lambda c: [c.pk], lambda c: {"subject": "", "body": "Hi"}, "alice",
                        "This field is required.", 422),
    "account_statement_now": (lambda c: [c.pk], lambda c: {"nonce": "n1"}, "alice",
                              "No AP contact receives statements for this account.", 422),
    "account_invoice_copy": (lambda c: [c.pk], lambda c: {"invoice": past_due_invoice(CustomerFactory(), "5.00",
                                                                                        days=3).pk}, "alice",
                             "No copy sent: pick an invoice of this account.", 422),
    "customer_dunning_settings": (lambda c: [c.pk], lambda c: {"policy": 987654}, "boss",
                                  "Select a valid choice.", 422),
    "plan_new": (lambda c: [c.pk], _plan_data, "alice", "The first installment cannot be in the past.", 422),
    "plan_renegotiate": (lambda c: [c.pk, _plan(c).pk], _plan_data, "alice",
                         "The first installment cannot be in the past.", 422),
    "plan_cancel": (lambda c: [c.pk, _plan(c).pk], lambda c: {"reason": ""}, "alice",
                    "Nothing cancelled: say why the plan is cancelled.", 422),
    "account_credit_hold": (lambda c: [c.pk], lambda c: {"reason": ""}, "alice", "This field is required.", 400),
    "account_credit_release": (lambda c: [c.pk], lambda c: {"reason": "Paid", "exempt_until": "2001-01-01"}, "boss",
                               "Pick today or a later day.", 400),
}


@pytest.mark.parametrize("action", REFUSED)
def test_a_refused_action_shows_its_error_in_the_panel_and_in_the_page(client, alice, account, action):
    args, data, who, error, status = REFUSED[action]
    if action == "account_statement_now":
        account.contacts.update(receives_statements=False)
    if action == "account_credit_release":
        credit_hold_place(customer=account, reason="Cheques bounced")
    client.force_login(alice if who == "alice" else manager("boss"))
    url = reverse(action, args=args(account))

    fragment = client.post(url, data(account), headers=HX)
    page = client.post(url, data(account))

    assert fragment.status_code == status and error in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert page.status_code == status and error in page.content.decode()
    assert "<html" in page.content.decode() and all(p in page.content.decode() for p in PANEL_IDS[1:])


# --- What an HTMX action gets back ----------------------------------------------------------------

def test_holding_in_place_swaps_the_hold_panel_and_the_header_badge(client, account):
    client.force_login(manager("boss"))

    response = client.post(reverse("account_credit_hold", args=[account.pk]), {"reason": "Bankruptcy filing"},
                           headers=HX)

    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Trigger"] == "timeline-changed"
    assert 'id="credit-hold"' in html and 'id="release-form"' in html and "is on credit hold" in html
    assert '<span id="credit-hold-badge" hx-swap-oob="true">' in html and "Credit hold: Bankruptcy filing" in html


def test_follow_up_in_place_updates_the_header_out_of_band(client, alice, account):
    client.force_login(alice)
    on = today() + timedelta(days=5)

    response = client.post(reverse("account_follow_up", args=[account.pk]), {"on": on.isoformat(), "note": "CFO"},
                           headers=HX)

    html = response.content.decode()
    assert 'id="account-actions"' in html and f"Follow-up set for {date_format(on)}." in html
    assert '<span id="follow-up" hx-swap-oob="true">' in html and "CFO" in html


def test_compose_opens_in_the_messages_panel_and_a_sent_message_comes_back_listed(client, alice, account,
                                                                                 django_capture_on_commit_callbacks):
    client.force_login(alice)
    url = reverse("account_compose", args=[account.pk])
    form = client.get(url, headers=HX).content.decode()
    assert 'id="workspace-messages"' in form and 'id="compose"' in form and "<html" not in form

    contact = account.contacts.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"contact": contact.pk, "subject": "About INV", "body": "Please call.",
                                     "nonce": str(uuid.uuid4())}, headers=HX)

    html = response.content.decode()
    assert response.status_code == 200 and f"Email to {contact.email} queued." in html
    assert "About INV" in html and 'id="compose"' not in html


def test_offering_a_plan_opens_the_form_in_the_plans_panel(client, alice, account):
    client.force_login(alice)
    url = reverse("plan_new", args=[account.pk])

    fragment = client.get(url, headers=HX).content.decode()
    response = client.post(url, _plan_data(account, first_due=(today() + timedelta(days=7)).isoformat()),
                           headers=HX)

    assert 'id="plans"' in fragment and 'id="plan-form"' in fragment and "<html" not in fragment
    html = response.content.decode()
    assert response.status_code == 200 and "Payment plan agreed: 1,000.00 USD in 2 installment(s)." in html
    assert 'id="plan-form"' not in html and html.count('class="plan ') == 1


def test_a_dispute_logged_in_place_is_listed_in_the_actions_panel_it_returns(client, alice, account):
    client.force_login(alice)
    invoice = account.invoices.first()

    response = client.post(reverse("account_log", args=[account.pk]), {
        "kind": "call", "outcome": "disputed", "dispute_root_cause": "pricing", "invoices": [invoice.pk],
    }, headers=HX)

    assert response.status_code == 200 and "Disputes (1 open)" in response.content.decode()


@pytest.mark.parametrize("action", ["account_statement_now", "account_invoice_copy"])
def test_a_template_that_no_longer_fills_in_is_said_in_the_panel_and_sends_nothing(client, alice, account, action):
    """A template saved before templates were tried on save (here written straight to the table)
    refuses the manual email in place instead of a server error."""
    kind = MessageTemplate.Kind.STATEMENT if action == "account_statement_now" else MessageTemplate.Kind.INVOICE_COPY
    MessageTemplate.objects.update_or_create(kind=kind, defaults={"name": f"broken {kind}", "subject": "Hello",
                                                                  "body": '{% include "missing.html" %}'})
    MessageTemplate.objects.filter(kind=kind).update(body='{% include "missing.html" %}')
    client.force_login(alice)
    data = {"nonce": str(uuid.uuid4()), "invoice": account.invoices.first().pk}
    response = client.post(reverse(action, args=[account.pk]), data, headers=HX)
    html = response.content.decode()
    assert response.status_code == 422 and 'id="workspace-messages"' in html
    assert "template cannot be filled in" in html
    assert not OutboundMessage.objects.filter(customer=account).exists()
