"""Every model is in the Django admin, and every changelist renders for a superuser."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from ledger import services
from ledger.models import Invoice
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, UserFactory
from work import services as work_services
from work.models import Activity, Dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_rows(ledger_balances):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    ContactFactory(customer=customer)
    invoice = InvoiceFactory(customer=customer)
    services.payment_receive(customer=customer, external_id="P-1", received_date=date(2026, 10, 1), amount="300.00",
                             currency="USD", applications=[(invoice, Decimal("200.00"))])
    services.credit_note_issue(customer=customer, external_id="CN-1", issue_date=date(2026, 10, 2), amount="50.00",
                               currency="USD", invoice=invoice)
    work_services.activity_log(customer=customer, kind=Activity.Kind.CALL)
    work_services.dispute_open(customer=customer, invoices=[invoice], amount="10.00",
                               root_cause=Dispute.RootCause.OTHER)
    ledger_balances()


def test_every_registered_models_changelist_renders_for_a_superuser(client, some_rows):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"


def test_every_model_of_the_project_is_registered():
    missing = [
        model._meta.label for app in ("collections_app", "portfolios", "reminders", "reporting", "portal")
        for model in apps.get_app_config(app).get_models() if not admin.site.is_registered(model)
    ]
    assert missing == []


@pytest.mark.parametrize("model", ["invoice", "payment", "creditnote", "application", "writeoff"])
def test_ledger_rows_cannot_be_added_or_deleted_through_the_admin_even_by_a_superuser(client, some_rows, model):
    services.invoice_write_off(invoice=Invoice.objects.get(), amount="10.00", reason="rounding")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    row = apps.get_model("ledger", model).objects.first()

    assert client.get(reverse(f"admin:ledger_{model}_add")).status_code == 403
    assert client.post(reverse(f"admin:ledger_{model}_add"), {}).status_code == 403
    assert client.post(reverse(f"admin:ledger_{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse(f"admin:ledger_{model}_change", args=[row.pk])).status_code == 200


def test_an_invoice_cannot_be_edited_through_the_admin(client, some_rows, ledger_balances):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    invoice = Invoice.objects.get()

    client.post(reverse("admin:ledger_invoice_change", args=[invoice.pk]),
                {"amount": "1.00", "open_amount": "0.00", "status": "paid"})

    invoice.refresh_from_db()
    assert (invoice.amount, invoice.open_amount, invoice.status) == (Decimal("1000.00"), Decimal("750.00"), "open")
    ledger_balances()


def test_ledger_corrections_are_read_only_in_the_admin(client, some_rows):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("admin:work_ledgercorrection_add")).status_code == 403
