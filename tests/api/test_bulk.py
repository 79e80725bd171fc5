"""Bulk upserts: the CSV import's rules over JSON (all or nothing, every bad row, idempotent)."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.models import CreditNote, Customer, Invoice, Payment
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

CUSTOMERS = [
    {"customer_id": "ERP-1", "name": "Acme Foods", "payment_terms_days": "30", "currency": "USD"},
    {"customer_id": "ERP-2", "name": "Acme Foods East", "parent_id": "ERP-1", "currency": "USD"},
]
INVOICES = [
    {"invoice_id": "ERP-INV-1", "customer_id": "ERP-1", "issue_date": "2026-09-01", "due_date": "2026-10-01",
     "amount": "1200.00", "currency": "USD", "po_number": "PO-77"},
    {"invoice_id": "ERP-INV-2", "customer_id": "ERP-2", "issue_date": "2026-09-03", "due_date": "2026-10-03",
     "amount": "800.50", "currency": "USD"},
]


def post(client, kind, rows, **params):
    url = reverse(f"api_import_{kind}")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(url, rows, format="json")


def test_push_customers_invoices_payments_and_credits_then_again_changes_nothing(book, ledger_balances):
    erp = token_client(book["erp"])
    first = post(erp, "customers", CUSTOMERS)
    assert first.status_code == 200, first.json()
    assert first.json()["summary"]["customers"]["created"] == 2
    assert Customer.objects.get(external_id="ERP-2").parent.external_id == "ERP-1"
    response = post(erp, "invoices", INVOICES)
    assert response.status_code == 200, response.json()
    assert Invoice.objects.get(external_id="ERP-INV-2").amount == Decimal("800.50")
    response = post(erp, "payments", [{"payment_id": "ERP-PAY-1", "customer_id": "ERP-1", "received_date": "2026-09-20",
                                       "amount": "500.00", "currency": "USD", "invoice_id": "ERP-INV-1"}])
    assert response.status_code == 200, response.json()
    response = post(erp, "credits", [{"credit_id": "ERP-CN-1", "customer_id": "ERP-2", "issue_date": "2026-09-21",
                                      "amount": "100.00", "currency": "USD", "invoice_id": "ERP-INV-2"}])
    assert response.status_code == 200, response.json()
    assert Invoice.objects.get(external_id="ERP-INV-1").open_amount == Decimal("700.00")
    assert Invoice.objects.get(external_id="ERP-INV-2").open_amount == Decimal("700.50")
    ledger_balances()

    counts = (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count(), CreditNote.objects.count())
    again = post(erp, "invoices", INVOICES)
    assert again.status_code == 200
    assert again.json()["summary"]["invoices"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert post(erp, "customers", CUSTOMERS).json()["summary"]["customers"]["unchanged"] == 2
    assert (Customer.objects.count(), Invoice.objects.count(), Payment.objects.count(),
            CreditNote.objects.count()) == counts
    ledger_balances()


def test_one_bad_row_rejects_the_whole_batch_and_every_bad_row_is_listed(book):
    erp = token_client(book["erp"])
    post(erp, "customers", CUSTOMERS)
    rows = INVOICES + [
        {"invoice_id": "ERP-INV-3", "customer_id": "NOBODY", "issue_date": "2026-09-01", "due_date": "2026-10-01",
         "amount": "10.00", "currency": "USD"},
        {"invoice_id": "ERP-INV-4", "customer_id": "ERP-1", "issue_date": "2026-13-01", "due_date": "2026-10-01",
         "amount": "-5", "currency": "USD"},
    ]
    response = post(erp, "invoices", rows)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    bad_rows = {error["row"] for error in body["errors"]}
    assert bad_rows == {3, 4}
    assert {"customer_id", "issue_date", "amount"} <= {error["column"] for error in body["errors"]}
    assert not Invoice.objects.filter(external_id__startswith="ERP-INV").exists()


def test_dry_run_checks_and_writes_nothing(book):
    erp = token_client(book["erp"])
    response = post(erp, "customers", CUSTOMERS, dry_run="1")
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert not Customer.objects.filter(external_id__startswith="ERP-").exists()


@pytest.mark.parametrize("body", [[], {"invoice_id": "x"}, "text", [1, 2]])
def test_a_body_that_is_not_a_list_of_rows_is_refused(book, body):
    response = post(token_client(book["erp"]), "invoices", body)
    assert response.status_code == 400 and response.json()["errors"]


@pytest.mark.parametrize("role, status", [("alice", 403), ("finance", 403), ("nobody", 403), ("manager", 200),
                                          ("erp", 200)])
def test_only_managers_and_integrations_may_import(book, role, status):
    assert post(token_client(book[role]), "customers", CUSTOMERS).status_code == status


def test_text_no_database_can_store_is_a_bad_row(book):
    rows = [dict(CUSTOMERS[0]), dict(CUSTOMERS[1], name="Acme\x00East"), {"customer_id": "ERP-3", "name": "\udaf6x"}]
    # Sent as the ERP would: ASCII JSON with \u escapes (a lone surrogate cannot be UTF-8 encoded).
    response = token_client(book["erp"]).post(reverse("api_import_customers"), json.dumps(rows),
                                              content_type="application/json")
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "name"), (3, "name")]
    assert not Customer.objects.filter(external_id__startswith="ERP-").exists()
