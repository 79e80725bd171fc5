"""Every page the customer can open is in their language (fr, de, es, nl): the words, the names of
our internal choices (a dispute's cause, a promise's status), the forms' labels and errors, and the
amounts as the language writes them. Each page is checked for its translated wording and for the
absence of the English it would otherwise show."""

import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from autopay import services as autopay_services
from autopay.models import Mandate
from ledger.models import Contact
from ledger.services import payment_receive
from payments.models import CustomerPaymentSettings, PaymentRequest, PaymentRequestLine
from portal import services
from portal.links import portal_token_for
from portal.models import PortalRequest
from tests.autopay.conftest import CARD_NO_FUNDS, customer_with_invoices, enrol
from tests.factories import ContactFactory
from tests.portal.factories import account, credit
from work.plans.services import plan_create

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
LANGUAGES = ("fr", "de", "es", "nl")
TODAY = timezone.localdate()
NBSP, NNBSP = "\u00a0", "\u202f"

# Per language and page: what the page must say.
SAYS = {
    "fr": {
        "home": ["Factures à payer", "Erreur de prix", "Enregistrée", "À jour", "Non échu", "Reçue",
                 "Mettre à jour le contact comptabilité fournisseurs", f"1{NNBSP}000,00{NBSP}$US",
                 "Avoirs et paiements non encore imputés"],
        "pay": ["Payer en ligne", "Ne payer qu’une partie (facultatif)", "Laissez vide pour payer intégralement",
                "Votre moyen de paiement", "Carte, avec un supplément de 2,5 %", ", sans supplément",
                "Virement bancaire", f"1{NNBSP}000,00{NBSP}$US", "Vous payez {amount} pour {count} factures.",
                "Le paiement par carte n’est pas proposé pour ce montant."],
        "pay_errors": ["Cochez au moins une facture à payer."],
        "paid": ["Payé. Merci !", f"Nous avons reçu 1{NNBSP}000,00{NBSP}$US"],
        "refunded": ["Remboursé", "de ce paiement ont été remboursés."],
        "autopay_off": ["Prélèvement automatique", "Le prélèvement automatique est désactivé.",
                        "Je vous autorise à débiter", "Payer avec", "À la date d’échéance de chaque facture",
                        "Prélèvement SEPA sur un compte bancaire en euros", "J’accepte l’autorisation ci-dessus."],
        "autopay_errors": ["Veuillez accepter l’autorisation pour activer le prélèvement automatique."],
        "autopay_on": ["Le prélèvement automatique est activé : Visa •••• 4242, le 15 de chaque mois",
                       "Débité le", "Prévu", "Utiliser une autre carte ou un autre compte bancaire"],
        "autopay_failed": [f"Le débit de 4{NNBSP}200,00{NBSP}€", "a échoué"],
        "autopay_cancel": ["Annuler le prélèvement automatique", "Oui, arrêter le prélèvement automatique.",
                           "s’arrête maintenant"],
        "autopay_cancel_error": ["Cochez la case pour confirmer l’arrêt du prélèvement automatique."],
        "autopay_waiting": ["Nous attendons que votre prestataire de paiement confirme le moyen de paiement.",
                            "Vérifier à nouveau"],
        "autopay_expired": ["Cette mise en place n’a pas abouti (le moyen de paiement n’a jamais été enregistré)"],
        "dispute_errors": ["Veuillez choisir le motif de la contestation.", "Erreur de prix", "Autre motif"],
        "promise_errors": ["La date de paiement ne peut pas être passée.", "Factures que vous allez payer"],
        "plan_errors": ["La date du premier paiement ne peut pas être passée.", "Nombre d’échéances",
                        "Toutes les deux semaines"],
        "credit_errors": ["Il ne reste que 150,00", "Imputer l’avoir sur", "Montant à imputer"],
        "contact_errors": ["E-mail pour les factures, relances et relevés", "Nom"],
        "feedback_errors": ["Était-il facile de travailler avec notre service recouvrement ?"],
        "autopay_request_errors": ["Qui devons-nous contacter pour la mise en place ?"],
        "expired": ["Ce lien a expiré", "Les liens de nos e-mails fonctionnent pendant une durée limitée."],
        "revoked": ["Ce lien n’est plus actif", "Un lien plus récent l’a remplacé."],
        "invalid": ["Ce lien n’est pas valide", "L’adresse a peut-être été coupée ou modifiée."],
        "throttled": ["Trop de demandes"],
        "plan_unavailable": ["Les échéanciers se conviennent avec votre interlocuteur"],
        "no_statement": ["Pas encore de relevé"],
    },
    "de": {
        "home": ["Offene Rechnungen", "Falscher Preis", "Erfasst", "Planmäßig", "Nicht fällig", "Eingegangen",
                 "Ansprechpartner der Kreditorenbuchhaltung ändern", f"1.000,00{NBSP}$",
                 "Noch nicht verrechnete Gutschriften und Zahlungen"],
        "pay": ["Online bezahlen", "Nur einen Teil zahlen (optional)", "Leer lassen, um die ausgewählten Rechnungen",
                "Ihre Zahlungsart", "Karte, mit 2,5 % Aufschlag", ", ohne Aufschlag", "Banküberweisung",
                f"1.000,00{NBSP}$", "Sie zahlen {amount} für {count} Rechnungen."],
        "pay_errors": ["Wählen Sie mindestens eine Rechnung zum Bezahlen aus."],
        "paid": [f"Wir haben 1.000,00{NBSP}$ erhalten", "Bezahlt"],
        "refunded": ["Erstattet", "dieser Zahlung wurden erstattet."],
        "autopay_off": ["Automatische Zahlung", "Die automatische Zahlung ist ausgeschaltet.", "Ich ermächtige Sie",
                        "Bezahlen mit", "Am Fälligkeitstag jeder Rechnung", "SEPA-Lastschrift von einem Euro-Bankkonto",
                        "Ich akzeptiere die obige Ermächtigung."],
        "autopay_errors": ["Bitte akzeptieren Sie die Ermächtigung, um die automatische Zahlung einzuschalten."],
        "autopay_on": ["Die automatische Zahlung ist eingeschaltet: Visa •••• 4242, am 15. jedes Monats",
                       "Belastet am", "Geplant", "Andere Karte oder anderes Bankkonto verwenden"],
        "autopay_failed": [f"Die Belastung von 4.200,00{NBSP}€", "ist fehlgeschlagen"],
        "autopay_cancel": ["Automatische Zahlung beenden", "Ja, automatische Zahlung beenden.", "endet jetzt"],
        "autopay_cancel_error": ["Setzen Sie das Häkchen, um zu bestätigen"],
        "autopay_waiting": ["Wir warten darauf, dass Ihr Zahlungsdienstleister die Zahlungsmethode bestätigt.",
                            "Erneut prüfen"],
        "autopay_expired": ["Diese Einrichtung wurde nicht abgeschlossen (die Zahlungsmethode wurde nie hinterlegt)"],
        "dispute_errors": ["Bitte wählen Sie den Grund für die Reklamation.", "Falscher Preis", "Etwas anderes"],
        "promise_errors": ["Das Zahlungsdatum darf nicht in der Vergangenheit liegen."],
        "plan_errors": ["Das Datum der ersten Zahlung darf nicht in der Vergangenheit liegen.", "Anzahl der Raten",
                        "Alle zwei Wochen"],
        "credit_errors": ["Auf dieser Gutschrift sind nur noch 150,00", "Gutschrift verrechnen mit"],
        "contact_errors": ["E-Mail-Adresse für Rechnungen, Erinnerungen und Kontoauszüge"],
        "feedback_errors": ["Wie einfach war die Zusammenarbeit mit unserem Forderungsmanagement?"],
        "autopay_request_errors": ["Wen sollen wir für die Einrichtung kontaktieren?"],
        "expired": ["Dieser Link ist abgelaufen", "Die Links in unseren E-Mails sind nur begrenzt gültig."],
        "revoked": ["Dieser Link ist nicht mehr aktiv", "Ein neuerer Link hat ihn ersetzt."],
        "invalid": ["Dieser Link ist ungültig", "Die Adresse wurde möglicherweise gekürzt oder verändert."],
        "throttled": ["Zu viele Anfragen"],
        "plan_unavailable": ["Ratenpläne"],
        "no_statement": ["Noch kein Kontoauszug"],
    },
    "es": {
        "home": ["Facturas pendientes", "Precio incorrecto", "Registrada", "Al día", "No vencido", "Recibida",
                 "Actualizar el contacto de cuentas a pagar", f"1.000,00{NBSP}US$", "Abonos y pagos aún no aplicados"],
        "pay": ["Pagar en línea", "Pagar solo una parte (opcional)", "Déjelo vacío para pagar íntegramente",
                "Cómo paga", "Tarjeta, con un recargo del 2,5 %", ", sin recargo", "Transferencia bancaria",
                f"1.000,00{NBSP}US$", "Paga {amount} por {count} facturas."],
        "pay_errors": ["Marque al menos una factura que pagar."],
        "paid": [f"Hemos recibido 1.000,00{NBSP}US$", "Pagado"],
        "refunded": ["Reembolsado", "de este pago."],
        "autopay_off": ["Pago automático", "El pago automático está desactivado.", "Les autorizo a cargar",
                        "Pagar con", "En la fecha de vencimiento de cada factura",
                        "Adeudo directo SEPA en una cuenta bancaria en euros", "Acepto la autorización anterior."],
        "autopay_errors": ["Acepte la autorización para activar el pago automático."],
        "autopay_on": ["El pago automático está activado: Visa •••• 4242, el día 15 de cada mes", "Cargado el",
                       "Previsto", "Usar otra tarjeta u otra cuenta bancaria"],
        "autopay_failed": [f"El cargo de 4.200,00{NBSP}€", "ha fallado"],
        "autopay_cancel": ["Cancelar el pago automático", "Sí, detener el pago automático.", "se detiene ahora"],
        "autopay_cancel_error": ["Marque la casilla para confirmar que desea detener el pago automático."],
        "autopay_waiting": ["Estamos esperando a que su proveedor de pagos confirme el medio de pago.",
                            "Volver a comprobar"],
        "autopay_expired": ["Esta configuración no se completó (el medio de pago nunca se registró)"],
        "dispute_errors": ["Elija el motivo de la reclamación.", "Precio incorrecto", "Otro motivo"],
        "promise_errors": ["Facturas que va a pagar"],
        "plan_errors": ["La fecha del primer pago no puede ser anterior a hoy.", "Número de plazos",
                        "Cada dos semanas"],
        "credit_errors": ["En este abono solo quedan 150,00", "Aplicar el abono a"],
        "contact_errors": ["Correo electrónico para facturas, recordatorios y extractos"],
        "feedback_errors": ["¿Le resultó fácil trabajar con nuestro equipo de cobros?"],
        "autopay_request_errors": ["¿A quién debemos contactar para configurarlo?"],
        "expired": ["Este enlace ha caducado", "Los enlaces de nuestros correos funcionan durante un tiempo limitado."],
        "revoked": ["Este enlace ya no está activo", "Un enlace más reciente lo ha sustituido."],
        "invalid": ["Este enlace no es válido", "Es posible que la dirección se haya cortado o modificado."],
        "throttled": ["Demasiadas solicitudes"],
        "plan_unavailable": ["Planes de pago"],
        "no_statement": ["Aún no hay extracto"],
    },
    "nl": {
        "home": ["Openstaande facturen", "Verkeerde prijs", "Vastgelegd", "Op schema", "Niet vervallen", "Ontvangen",
                 "Contactpersoon crediteurenadministratie bijwerken", f"US${NBSP}1.000,00",
                 "Nog niet verrekende creditnota’s en betalingen"],
        "pay": ["Online betalen", "Slechts een deel betalen (optioneel)", "Laat leeg om de aangevinkte facturen",
                "Hoe u betaalt", "Kaart, met 2,5 % toeslag", ", zonder toeslag", "Bankoverschrijving",
                f"US${NBSP}1.000,00", "U betaalt {amount} voor {count} facturen."],
        "pay_errors": ["Vink ten minste één factuur aan om te betalen."],
        "paid": [f"Wij hebben US${NBSP}1.000,00 ontvangen", "Betaald"],
        "refunded": ["Terugbetaald", "van deze betaling is terugbetaald."],
        "autopay_off": ["Automatische betaling", "Automatische betaling staat uit.", "Ik machtig u",
                        "Betalen met", "Op de vervaldatum van elke factuur",
                        "SEPA-incasso van een bankrekening in euro", "Ik aanvaard de machtiging hierboven."],
        "autopay_errors": ["Aanvaard de machtiging om automatische betaling in te schakelen."],
        "autopay_on": ["Automatische betaling staat aan: Visa •••• 4242, op de 15e van elke maand", "Afgeschreven op",
                       "Gepland", "Een andere kaart of bankrekening gebruiken"],
        "autopay_failed": [f"De afschrijving van €{NBSP}4.200,00", "is mislukt"],
        "autopay_cancel": ["Automatische betaling stopzetten", "Ja, automatische betaling stopzetten.", "stopt nu"],
        "autopay_cancel_error": ["Vink het vakje aan om te bevestigen dat de automatische betaling moet stoppen."],
        "autopay_waiting": ["Wij wachten tot uw betaalprovider de betaalmethode bevestigt.", "Opnieuw kijken"],
        "autopay_expired": ["Deze instelling is niet voltooid (de betaalmethode is nooit opgeslagen)"],
        "dispute_errors": ["Kies de reden van de betwisting.", "Verkeerde prijs", "Iets anders"],
        "promise_errors": ["Facturen die u gaat betalen"],
        "plan_errors": ["De datum van de eerste betaling mag niet in het verleden liggen.", "Aantal termijnen",
                        "Om de twee weken"],
        "credit_errors": ["Op deze creditnota staat nog maar", "Creditnota verrekenen met"],
        "contact_errors": ["E-mailadres voor facturen, herinneringen en rekeningoverzichten"],
        "feedback_errors": ["Hoe gemakkelijk was de samenwerking met onze afdeling debiteurenbeheer?"],
        "autopay_request_errors": ["Met wie moeten wij contact opnemen om dit in te stellen?"],
        "expired": ["Deze link is verlopen", "Links in onze e-mails werken een beperkte tijd."],
        "revoked": ["Deze link is niet meer actief", "Een nieuwere link heeft deze vervangen."],
        "invalid": ["Deze link is niet geldig", "Het adres is misschien afgebroken of gewijzigd."],
        "throttled": ["Te veel verzoeken"],
        "plan_unavailable": ["Betalingsregelingen"],
        "no_statement": ["Nog geen rekeningoverzicht"],
    },
}
# Per page: the English the page would show untranslated (and no page ever shows in these languages).
ENGLISH = {
    "home": ["Open invoices", "Pricing", "Wrong price", "Current", "Update the accounts-payable contact", "On track",
             "Recorded", "1,000.00", "USD 1", "Credits and payments not yet applied", "Customer portal"],
    "pay": ["Pay online", "Pay a part only", "Leave it empty", "How you pay", "Card, with a", "no surcharge",
            "Bank transfer", "US bank account", "1,000.00", "Amount to pay on", "You pay", "Cards are not offered",
            "Invoices in different currencies"],
    "pay_errors": ["Tick at least one invoice to pay."],
    "paid": ["Paid. Thank you!", "We received", "1,000.00"],
    "refunded": ["Refunded", "of this payment was refunded"],
    "autopay_off": ["Automatic payment", "Autopay is off", "I authorize you", "Pay with", "On each invoice",
                    "SEPA Direct Debit from", "I accept the authorization", "Save a card", "Continue to save"],
    "autopay_errors": ["Please accept the authorization"],
    "autopay_on": ["Autopay is on", "of the month", "Charged on", "Planned", "Use another card", "Cancel autopay"],
    "autopay_failed": ["The charge of", "failed:", "4,200.00"],
    "autopay_cancel": ["Cancel automatic payment", "Yes, stop autopay", "stops now", "Back to autopay"],
    "autopay_cancel_error": ["Tick the box to confirm"],
    "autopay_waiting": ["We are waiting for your payment provider", "Look again", "This usually takes"],
    "autopay_expired": ["This setup was not completed", "the payment method was never saved", "Set up autopay"],
    "dispute_errors": ["Please choose the reason", "Pricing", "Wrong price", "Something else", "What is wrong?",
                       "Amount in dispute", "This field is required."],
    "promise_errors": ["The payment date cannot be in the past.", "Invoices you will pay", "Payment date",
                       "· due "],
    "plan_errors": ["The first payment date cannot be in the past.", "Number of installments", "Every two weeks",
                    "Monthly", "Past-due invoices to pay"],
    "credit_errors": ["is left on this credit", "Apply the credit to", "Amount to apply", "Message (optional)"],
    "contact_errors": ["Email for invoices", "Enter a valid email address."],
    "feedback_errors": ["How easy was it", "Anything we should do better", "This field is required."],
    "autopay_request_errors": ["Who should we contact", "Yes, please set up automatic payment"],
    "expired": ["This link has expired", "Links in our emails"],
    "revoked": ["This link is no longer active", "A newer link has replaced it"],
    "invalid": ["This link is not valid", "The address may have been cut"],
    "throttled": ["Too many requests", "We received a lot of submissions"],
    "plan_unavailable": ["Payment plans are agreed", "cannot be set up online"],
    "no_statement": ["No statement yet", "We have not issued a statement"],
}


def url(name, token, *args):
    return reverse(name, args=[token, *args])


def check(html: str, language: str, page: str) -> None:
    if "<html" in html:  # a whole page (an htmx answer is a fragment of one)
        assert f'<html lang="{language}">' in html
    missing = [text for text in SAYS[language][page] if text not in html]
    english = [text for text in ENGLISH[page] if text in html]
    assert (missing, english) == ([], []), page


def customer_in(language: str, **kwargs):
    customer = account(invoices=4, language=language, **kwargs)
    ContactFactory(customer=customer, role=Contact.Role.AP_CLERK, email="ap@example.test", language=language)
    return customer


def busy_account(language: str):
    """An account with something in every panel of the home page: a dispute, a promise, a request, a
    plan, a credit note and a payment not yet applied."""
    customer = customer_in(language)
    first, second, third, _ = customer.invoices.order_by("due_date")
    services.portal_dispute_open(invoice=first, root_cause="pricing", message="Wrong unit price")
    services.portal_promise_record(customer=customer, amount=second.open_amount, pay_by=TODAY + timedelta(days=7),
                                   invoices=[second])
    services.portal_request_record(customer=customer, kind=PortalRequest.Kind.AP_CONTACT, contact_name="Ana",
                                   email="ana@example.test")
    plan_create(invoices=[third], installments=[(TODAY + timedelta(days=3), third.open_amount / 2),
                                                (TODAY + timedelta(days=33), third.open_amount / 2)])
    credit(customer)
    payment_receive(customer=customer, external_id=f"{customer.external_id}-P", received_date=TODAY,
                    amount=Decimal("80.00"), currency="USD")
    return customer


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_is_in_the_customers_language(client, language):
    customer = busy_account(language)
    response = client.get(url("portal_home", portal_token_for(customer)))
    assert response.status_code == 200 and response["Content-Language"] == language
    check(response.content.decode(), language, "home")


@pytest.mark.parametrize("language", LANGUAGES)
def test_pay_page_and_its_errors_are_in_the_customers_language(client, language):
    customer = customer_in(language)
    CustomerPaymentSettings.objects.create(customer=customer, card_surcharge_percent=Decimal("2.5"))
    token = portal_token_for(customer)
    check(client.get(url("portal_pay", token)).content.decode(), language, "pay")
    refused = client.post(url("portal_pay", token), {"origin": "portal"}, headers=HX)
    check(refused.content.decode(), language, "pay_errors")


@pytest.mark.parametrize(("language", "typed"), [("fr", "12,50"), ("de", "12,50"), ("nl", "12,50"), ("fr", "12.50"),
                                                 ("en", "12.50")])
def test_an_amount_is_typed_as_the_language_writes_it(client, language, typed):
    customer = customer_in(language)
    first = customer.invoices.order_by("due_date").first()
    response = client.post(url("portal_pay", portal_token_for(customer)),
                           {"origin": "portal", "invoices": [first.pk], "amount": typed})
    assert response.status_code == 302
    assert PaymentRequest.objects.get(customer=customer).amount == Decimal("12.50")


def _request(customer, status, **fields):
    invoice = customer.invoices.filter(open_amount__gt=0).order_by("due_date").first()
    request = PaymentRequest.objects.create(
        key=f"checkout:{status}", customer=customer, provider="sandbox", provider_ref=f"cs_test_{status}",
        amount=invoice.open_amount, currency="USD", status=status, origin="portal", **fields)
    PaymentRequestLine.objects.create(request=request, invoice=invoice, amount=invoice.open_amount)
    return request


@pytest.mark.parametrize("language", LANGUAGES)
def test_pay_result_pages_are_in_the_customers_language(client, language):
    customer = customer_in(language)
    token = portal_token_for(customer)
    paid = _request(customer, PaymentRequest.Status.SUCCEEDED, settled_at=timezone.now())
    invoice = paid.lines.get().invoice
    payment_receive(customer=customer, external_id=paid.external_id, received_date=TODAY, amount=paid.amount,
                    currency="USD", applications=[(invoice, invoice.open_amount)])
    check(client.get(url("portal_pay_result", token, paid.provider_ref)).content.decode(), language, "paid")
    refunded = _request(customer, PaymentRequest.Status.REFUNDED, refunded_amount=Decimal("100.00"))
    check(client.get(url("portal_pay_result", token, refunded.provider_ref)).content.decode(), language, "refunded")


@pytest.mark.parametrize("language", LANGUAGES)
def test_autopay_pages_are_in_the_customers_language(client, commit, language):
    customer = customer_with_invoices(10, language=language)
    token = portal_token_for(customer)
    check(client.get(url("portal_autopay_setup", token)).content.decode(), language, "autopay_off")
    refused = client.post(url("portal_autopay_setup", token), {"account": customer.pk, "kind": "card",
                                                                "schedule": "due"}, headers=HX)
    check(refused.content.decode(), language, "autopay_errors")

    mandate = enrol(customer, commit, charge_on=15)
    check(client.get(url("portal_autopay_setup", token)).content.decode(), language, "autopay_on")
    check(client.get(url("portal_autopay_cancel", token, mandate.pk)).content.decode(), language, "autopay_cancel")
    refused = client.post(url("portal_autopay_cancel", token, mandate.pk), {})
    check(refused.content.decode(), language, "autopay_cancel_error")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_autopay_charge_is_told_in_the_customers_language(client, commit, language):
    from autopay import tasks

    customer = customer_with_invoices(10, language=language)
    enrol(customer, commit, number=CARD_NO_FUNDS)
    with commit():
        tasks.autopay_run.delay((TODAY + timedelta(days=10)).isoformat())
    check(client.get(url("portal_autopay_setup", portal_token_for(customer))).content.decode(), language,
          "autopay_failed")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_autopay_return_page_is_in_the_customers_language(client, commit, language):
    customer = customer_with_invoices(10, language=language)
    token = portal_token_for(customer)
    with commit():
        mandate, _ = autopay_services.mandate_enrol(
            customer=customer, kind="card", charge_on=None, authorization="I authorize you.",
            accepted_from="127.0.0.1", return_url=lambda m: f"http://testserver/return/{m.pk}/",
            cancel_url="http://testserver/cancel/")
    check(client.get(url("portal_autopay_return", token, mandate.pk)).content.decode(), language, "autopay_waiting")
    autopay_services.setups_expire(now=timezone.now() + timedelta(days=2))
    assert Mandate.objects.get(pk=mandate.pk).status == Mandate.Status.CANCELLED
    check(client.get(url("portal_autopay_return", token, mandate.pk)).content.decode(), language, "autopay_expired")


@pytest.mark.parametrize("language", LANGUAGES)
def test_forms_and_their_errors_are_in_the_customers_language(client, language):
    customer = customer_in(language)
    token = portal_token_for(customer)
    first = customer.invoices.order_by("due_date").first()
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    posts = {
        "dispute_errors": (url("portal_dispute", token, first.pk), {"root_cause": "", "message": ""}),
        "promise_errors": (url("portal_promise", token), {"invoices": [first.pk], "pay_by": yesterday,
                                                          "amount": "10.00"}),
        "plan_errors": (url("portal_plan", token), {"invoices": [first.pk], "count": "2", "first_due": yesterday,
                                                    "interval": "monthly"}),
        "credit_errors": (url("portal_credit_apply", token, credit(customer).pk), {"invoices": [first.pk],
                                                                                   "amount": "900.00"}),
        "contact_errors": (url("portal_contact", token), {"account": customer.pk, "contact_name": "",
                                                          "email": "not an address"}),
        "feedback_errors": (url("portal_feedback", token), {"comment": ""}),
        "autopay_request_errors": (url("portal_autopay", token), {"account": customer.pk, "email": ""}),
    }
    for page, (address, data) in posts.items():
        response = client.post(address, data)
        assert response.status_code == 400, page
        check(response.content.decode(), language, page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_link_error_pages_are_in_the_language_of_the_customer_the_link_names(client, language):
    customer = customer_in(language)
    token = portal_token_for(customer, max_age_days=2)
    with mock.patch("portal.links.time.time", return_value=time.time() + 3 * 86400):
        expired = client.get(url("portal_home", token))
    assert expired.status_code == 410 and expired["Content-Language"] == language
    check(expired.content.decode(), language, "expired")

    services.portal_access_revoke(customer=customer)
    revoked = client.get(url("portal_home", token))
    assert revoked.status_code == 410
    check(revoked.content.decode(), language, "revoked")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_link_that_names_nobody_answers_in_the_browsers_language(client, language):
    response = client.get(url("portal_home", "not-a-real-token"), headers={"Accept-Language": f"{language};q=0.9"})
    assert response.status_code == 403 and response["Content-Language"] == language
    check(response.content.decode(), language, "invalid")


def test_a_link_that_names_nobody_in_a_language_we_lack_is_english(client):
    response = client.get(url("portal_home", "not-a-real-token"), headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert response["Content-Language"] == "en" and "This link is not valid" in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_throttled_plan_unavailable_and_no_statement_pages_are_translated(client, settings, language):
    customer = customer_in(language, segment="enterprise")  # the enterprise policy agrees plans by hand
    token = portal_token_for(customer)
    check(client.get(url("portal_plan", token)).content.decode(), language, "plan_unavailable")
    check(client.get(url("portal_statement", token)).content.decode(), language, "no_statement")
    settings.PORTAL_POST_LIMIT = 0
    throttled = client.post(url("portal_feedback", token), {"score": "5"})
    assert throttled.status_code == 429
    check(throttled.content.decode(), language, "throttled")
