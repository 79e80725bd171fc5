"""The portal speaks the customer's language: contact → customer → LANGUAGE_CODE."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from ledger.models import Contact
from payments.models import PaymentRequest, PaymentRequestLine
from portal.language import portal_language
from portal.links import portal_token_for
from tests.factories import ContactFactory
from tests.portal.factories import account

pytestmark = pytest.mark.django_db


def url(name, token, *args):
    return reverse(name, args=[token, *args])


@pytest.mark.parametrize(("language", "wanted", "unwanted"), [
    ("fr", ["Factures à payer", "Espace client", "Payer tout ce qui est échu", "Promesse de paiement", "échue"],
     ["Open invoices", "Customer portal"]),
    ("de", ["Offene Rechnungen", "Kundenportal", "Alles Fällige bezahlen", "Zahlungszusage", "überfällig"],
     ["Open invoices", "Customer portal"]),
    ("es", ["Facturas pendientes", "Portal del cliente"], ["Open invoices"]),
    ("nl", ["Openstaande facturen", "Klantenportaal"], ["Open invoices"]),
])
def test_home_is_in_the_customers_language(client, language, wanted, unwanted):
    customer = account(invoices=2, language=language)
    response = client.get(url("portal_home", portal_token_for(customer)))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html and response["Content-Language"] == language
    for text in wanted:
        assert text in html, text
    for text in unwanted:
        assert text not in html, text
    assert translation.get_language() != language  # the request's language does not leak into the next one


def test_the_contacts_language_wins_over_the_customers(client):
    customer = account(invoices=1, language="fr")
    ContactFactory(customer=customer, role=Contact.Role.AP_CLERK, email="ap@example.test", language="de")
    assert portal_language(customer) == "de"
    response = client.get(url("portal_home", portal_token_for(customer)))
    assert "Offene Rechnungen" in response.content.decode()


def test_no_language_or_one_the_portal_lacks_is_english(client):
    assert portal_language(account(invoices=0)) == "en"
    customer = account(invoices=1, language="pt")
    assert portal_language(customer) == "en"
    html = client.get(url("portal_home", portal_token_for(customer))).content.decode()
    assert "Open invoices" in html and '<html lang="en">' in html


def test_dispute_form_and_its_errors_are_in_french(client):
    customer = account(invoices=1, language="fr")
    token, invoice = portal_token_for(customer), customer.invoices.get()
    page = client.get(url("portal_dispute", token, invoice.pk)).content.decode()
    assert f"Contester la facture {invoice.external_id}" in page and "Quel est le problème ?" in page
    assert "Envoyer la contestation" in page
    response = client.post(url("portal_dispute", token, invoice.pk), {"root_cause": "", "message": ""},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Veuillez choisir le motif de la contestation." in html
    assert "Ce champ est obligatoire." in html  # Django's own messages follow the language too


def test_promise_form_is_in_german(client):
    customer = account(invoices=1, language="de")
    token = portal_token_for(customer)
    page = client.get(url("portal_promise", token)).content.decode()
    assert "Zahlungszusage" in page and "Zahlungsdatum" in page and "Rechnungen, die Sie bezahlen werden" in page
    past = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(url("portal_promise", token), {"invoices": [customer.invoices.get().pk], "pay_by": past,
                                                          "amount": "10.00"}, HTTP_HX_REQUEST="true")
    assert "Das Zahlungsdatum darf nicht in der Vergangenheit liegen." in response.content.decode()


def test_pay_page_is_in_french(client):
    customer = account(invoices=1, language="fr")
    html = client.get(url("portal_pay", portal_token_for(customer))).content.decode()
    assert "Payer en ligne" in html and "Continuer vers le paiement" in html and "Montant à payer" in html


@pytest.mark.parametrize(("status", "says"), [
    ("succeeded", "Payé. Merci !"), ("pending", "Votre paiement est en route."),
    ("failed", "Le paiement n’a pas abouti."),
])
def test_pay_result_is_in_french(client, status, says):
    customer = account(invoices=1, language="fr")
    first = customer.invoices.get()
    request = PaymentRequest.objects.create(
        key=f"checkout:{status}", customer=customer, provider="sandbox", provider_ref=f"cs_test_{status}",
        amount=first.open_amount, currency="USD", status=status, origin="email")
    PaymentRequestLine.objects.create(request=request, invoice=first, amount=first.open_amount)
    html = client.get(url("portal_pay_result", portal_token_for(customer), request.provider_ref)).content.decode()
    assert says in html and "Votre paiement" in html and "Ce paiement" in html
