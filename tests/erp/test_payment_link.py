"""Back to the ERP: a payment taken here (online, or matched from a bank statement) that the ERP
imports under its own id, with our payment id as `reference`, is linked, never booked twice."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from erp.models import ImportJob
from ledger import services
from ledger.imports.engine import import_files
from ledger.models import Application, Payment
from tests.api.conftest import integration_user, token_client
from tests.erp.test_import_pages import upload
from tests.factories import CustomerFactory, InvoiceFactory, manager

pytestmark = pytest.mark.django_db
D = Decimal
HEADER = ("payment_id", "customer_id", "received_date", "amount", "currency", "invoice_id", "reference")


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def manager_client(client):
    client.force_login(manager("boss"))
    return client


def payments_csv(*rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue().encode()


def erp_row(pid="ERP-PAY-9", cid="C1", on="2026-10-03", amount="100.00", currency="EUR", iid="I1", ref="ONL-1"):
    return (pid, cid, on, amount, currency, iid, ref)


@pytest.fixture
def taken_online():
    """Customer C1 paid invoice I1 (100.00 EUR) online here: our payment ONL-1."""
    c1 = CustomerFactory(external_id="C1", currency="EUR")
    i1 = InvoiceFactory(external_id="I1", customer=c1, amount=D("250.00"), currency="EUR",
                        issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1))
    return services.payment_receive(customer=c1, external_id="ONL-1", received_date=date(2026, 10, 2),
                                    amount="100.00", currency="EUR", applications=[(i1, D("100.00"))],
                                    source=Payment.Source.ONLINE)


def ledger_state():
    return (list(Payment.objects.order_by("pk").values_list("external_id", "erp_external_id", "amount",
                                                            "unapplied_amount")),
            list(Application.objects.order_by("pk").values_list("invoice__external_id", "amount")),
            list(Payment.objects.get(external_id="ONL-1").customer.invoices.values_list("open_amount", flat=True)))


def test_the_erps_copy_of_an_online_payment_is_linked_on_the_upload_page(taken_online, manager_client,
                                                                           ledger_balances):
    before = ledger_state()
    response = manager_client.post(reverse("import_upload"),
                                   {"payments": upload("payments.csv", payments_csv(erp_row()))})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.summary["payments"] == {"created": 0, "updated": 0, "unchanged": 0, "linked": 1}
    page = manager_client.get(response.url).content.decode()
    assert "now carry the ERP's payment id" in page
    taken_online.refresh_from_db()
    assert taken_online.erp_external_id == "ERP-PAY-9"
    after = ledger_state()
    # No second payment, no application, no balance moved: only the link.
    assert after[1:] == before[1:] and len(after[0]) == 1 and after[0][0][1] == "ERP-PAY-9"
    ledger_balances()


def test_importing_the_same_file_again_changes_nothing(taken_online, ledger_balances):
    first = import_files(payments=payments_csv(erp_row()))
    assert first.ok and first.summary["payments"]["linked"] == 1
    linked = ledger_state()
    again = import_files(payments=payments_csv(erp_row()))
    assert again.ok, again.errors
    assert again.summary["payments"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert ledger_state() == linked
    ledger_balances()


@pytest.mark.parametrize(("row", "column", "says"), [
    (erp_row(amount="90.00"), "amount", "the row says 90.00"),
    (erp_row(currency="USD"), "currency", "the row says USD"),
    (erp_row(cid="C2"), "customer_id", "the row says customer C2"),
])
def test_a_reference_to_our_payment_that_disagrees_is_a_listed_bad_row(taken_online, row, column, says):
    CustomerFactory(external_id="C2", currency="EUR")
    result = import_files(payments=payments_csv(row))
    assert not result.ok
    (error,) = result.errors
    assert (error["file"], error["row"], error["column"]) == ("payments", 2, column)
    assert error["reason"] == f"reference ONL-1 is our payment of 100.00 EUR for customer C1; {says}"
    assert Payment.objects.get().erp_external_id == "" and Payment.objects.count() == 1


def test_a_family_member_may_book_the_family_heads_payment(taken_online, ledger_balances):
    CustomerFactory(external_id="C1-WEST", parent=taken_online.customer, currency="EUR")
    result = import_files(payments=payments_csv(erp_row(cid="C1-WEST")))
    assert result.ok and result.summary["payments"]["linked"] == 1
    ledger_balances()


def test_a_bank_payment_links_too_but_an_erp_payment_is_only_a_reference(taken_online, ledger_balances):
    c1 = taken_online.customer
    services.payment_receive(customer=c1, external_id="BNK-7", received_date=date(2026, 10, 4), amount="40.00",
                             currency="EUR", source=Payment.Source.BANK)
    services.payment_receive(customer=c1, external_id="ERP-OLD", received_date=date(2026, 10, 4), amount="30.00",
                             currency="EUR")
    result = import_files(payments=payments_csv(
        erp_row(pid="ERP-PAY-10", amount="40.00", iid="", ref="BNK-7"),
        erp_row(pid="ERP-PAY-11", amount="30.00", iid="", ref="ERP-OLD"),
    ))
    assert result.ok, result.errors
    assert result.summary["payments"] == {"created": 1, "updated": 0, "unchanged": 0, "linked": 1}
    assert Payment.objects.get(external_id="BNK-7").erp_external_id == "ERP-PAY-10"
    # ERP-OLD came from the ERP in the first place: the new row is a payment of its own, which says so.
    assert Payment.objects.get(external_id="ERP-PAY-11").reference == "ERP-OLD"
    ledger_balances()


def test_our_payment_linked_to_one_erp_payment_cannot_be_linked_to_another(taken_online):
    assert import_files(payments=payments_csv(erp_row())).ok
    result = import_files(payments=payments_csv(erp_row(pid="ERP-PAY-99")))
    assert not result.ok
    assert result.errors[0]["reason"] == "reference ONL-1 is our payment already linked to ERP payment ERP-PAY-9"
    assert not Payment.objects.filter(external_id="ERP-PAY-99").exists()


def test_a_reversed_payment_of_ours_is_not_linked(taken_online):
    services.payment_reverse(payment=taken_online, reason="chargeback")
    result = import_files(payments=payments_csv(erp_row()))
    assert not result.ok and "which was reversed" in result.errors[0]["reason"]


def test_the_bulk_api_links_the_same_way(taken_online, ledger_balances):
    erp = token_client(integration_user("erp_link"))
    row = dict(zip(HEADER, erp_row(), strict=True))
    bad = erp.post(reverse("api_import_payments"), [{**row, "amount": "90.00"}], format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["reason"].endswith("the row says 90.00")
    response = erp.post(reverse("api_import_payments"), [row], format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["summary"]["payments"] == {"created": 0, "updated": 0, "unchanged": 0, "linked": 1}
    assert Payment.objects.get().erp_external_id == "ERP-PAY-9"
    again = erp.post(reverse("api_import_payments"), [row], format="json")
    assert again.json()["summary"]["payments"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Payment.objects.count() == 1 and Application.objects.count() == 1
    ledger_balances()
