"""The customer's documents outside the dunning reminders are in their language, with money and dates
as the language writes them: the monthly statement (PDF and email), the invoice copy (portal and
collector's email), the payment receipt and the failed-payment notice, the missed-installment
message."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ledger.models import Contact, Payment
from ledger.services import payment_receive
from payments import signals
from payments.models import PaymentRequest, PaymentRequestLine
from portal.links import portal_token_for
from reminders import languages
from reminders.manual import invoice_copy_pdf
from reminders.models import MessageTemplate, OutboundMessage, Statement
from reminders.plan_notices import plan_missed_notices_send
from reminders.statements import statement_data, statement_issue, statement_pdf
from tests.factories import ContactFactory
from tests.reminders.factories import account, invoice, policy
from work.plans.services import plan_create, plans_settle

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NBSP, NNBSP = "\u00a0", "\u202f"
LANGUAGES = ("fr", "de", "es", "nl")


def pdf_text(content: bytes) -> str:
    """The PDF's text with every run of spaces (the reader gives no-break spaces as plain ones) and line
    breaks made one space."""
    return " ".join(flat(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    return re.sub(r"[ \t\r\n\u00a0\u202f]+", " ", text)


def customer_in(language: str, **kwargs):
    customer = account(email=False, language=language, **kwargs)
    ContactFactory(customer=customer, role=Contact.Role.AP_CLERK, email=f"ap@{customer.external_id.lower()}.test",
                   language=language)
    return customer


@pytest.mark.parametrize(("language", "code", "expected"), [
    ("en", "EUR", "1,234,567.89 EUR"),
    ("fr", "EUR", f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
    ("de", "EUR", f"1.234.567,89{NBSP}€"),
    ("es", "EUR", f"1.234.567,89{NBSP}€"),
    ("nl", "EUR", f"€{NBSP}1.234.567,89"),
    ("fr", "USD", f"1{NNBSP}234{NNBSP}567,89{NBSP}$US"),
])
def test_money_is_written_as_the_language_writes_it(language, code, expected):
    assert languages.money(Decimal("1234567.89"), code, language) == expected


def test_amounts_and_figures_without_currency_follow_the_language():
    assert languages.number(Decimal("1234.5"), "fr") == f"1{NNBSP}234,50"
    assert languages.number(Decimal("1234.5"), "de") == "1.234,50"
    assert languages.number(Decimal("1234.5"), "en") == "1,234.50"
    assert languages.figure(Decimal("2.50"), "fr") == "2,5" and languages.figure(Decimal("2.50"), "en") == "2.5"
    # the PDF's standard fonts have no narrow no-break space: it becomes a no-break space
    assert languages.printable(languages.number(Decimal("1234.5"), "fr")) == f"1{NBSP}234,50"


STATEMENT_WORDS = {
    "fr": ["Relevé de compte", "Postes ouverts", "Balance âgée (par date d’échéance)",
           "Paiements et avoirs non imputés", "Total dû", "Non échu", "Jours de retard", "Paiement",
           "Réglez les postes ouverts en ligne"],
    "de": ["Kontoauszug", "Offene Posten", "Altersstruktur (nach Fälligkeit)",
           "Nicht verrechnete Zahlungen und Gutschriften", "Summe offen", "Nicht fällig", "Tage überfällig", "Zahlung",
           "Offene Posten online bezahlen"],
    "es": ["Extracto de cuenta", "Partidas pendientes", "Antigüedad de saldos", "Pagos y abonos sin aplicar",
           "Total pendiente", "No vencido", "Días de retraso", "Pago", "Pague las partidas pendientes en línea"],
    "nl": ["Rekeningoverzicht", "Openstaande posten", "Ouderdomsanalyse (naar vervaldatum)",
           "Niet-verrekende betalingen en creditnota’s", "Totaal open", "Niet vervallen", "Dagen te laat", "Betaling",
           "Betaal de openstaande posten online"],
}
STATEMENT_NUMBERS = {"fr": f"1{NBSP}500,50", "de": "1.500,50", "es": "1.500,50", "nl": "1.500,50"}
STATEMENT_ENGLISH = ["Statement of account", "Open items", "Aging summary", "Unapplied cash", "Total open",
                     "Days late", "Pay the open items online", "1,500.50", "Current"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_statement_pdf_and_email_are_in_the_customers_language(language, django_capture_on_commit_callbacks):
    customer = customer_in(language)
    old = invoice(customer, due=TODAY - timedelta(days=45), amount="1200.50")
    invoice(customer, due=TODAY + timedelta(days=10), amount="300.00")
    payment_receive(customer=customer, external_id="PAY-77", received_date=TODAY, amount="250.00", currency="USD")
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_issue(customer=customer, month=TODAY)
    with statement.pdf.open("rb") as fh:
        text = pdf_text(fh.read())
    assert old.external_id in text
    assert [w for w in STATEMENT_WORDS[language] if w not in text] == []
    assert flat(STATEMENT_NUMBERS[language]) in text
    assert flat(languages.day(old.due_date, language)) in text
    assert [w for w in STATEMENT_ENGLISH if w in text] == []

    message = Statement.objects.get(pk=statement.pk).message
    assert message is not None and message.language == language
    email = mail.outbox[-1]
    assert languages.month(TODAY.replace(day=1), language) in email.subject
    subject_word = {"fr": "Votre relevé", "de": "Ihr Kontoauszug", "es": "Su extracto", "nl": "Uw rekeningoverzicht"}
    assert subject_word[language] in email.subject
    assert "Please find attached" not in email.body and "Open balance" not in email.body


def test_a_statement_for_an_english_customer_stays_in_english():
    customer = account()
    invoice(customer, due=TODAY - timedelta(days=45), amount="1200.50")
    text = pdf_text(statement_pdf(statement_data(customer, TODAY), "https://x.test/"))
    assert "Statement of account" in text and "1,200.50" in text and "Relevé" not in text


COPY_WORDS = {
    "fr": ["Copie de la facture", "Émise le", "N° de bon de commande", f"1{NBSP}000,00{NBSP}$US"],
    "de": ["Kopie der Rechnung", "Ausgestellt", "Bestellnummer", f"1.000,00{NBSP}$"],
    "es": ["Copia de la factura", "Emitida", "N.º de pedido", f"1.000,00{NBSP}US$"],
    "nl": ["Kopie van factuur", "Uitgegeven", "Inkoopordernummer", f"US${NBSP}1.000,00"],
}
PORTAL_COPY_WORDS = {
    "fr": ["Facturé à", "Date d’échéance", "Payé ou crédité", "Ceci est une copie pour vos archives.", "À payer"],
    "de": ["Rechnungsempfänger", "Fälligkeitsdatum", "Bezahlt oder gutgeschrieben", "Dies ist eine Kopie", "Offen"],
    "es": ["Facturar a", "Fecha de vencimiento", "Pagado o abonado", "Esta es una copia para sus archivos.",
           "Pendiente"],
    "nl": ["Factuur aan", "Vervaldatum", "Betaald of gecrediteerd", "Dit is een kopie voor uw administratie.", "Open"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_invoice_copies_are_in_the_customers_language(client, language):
    customer = customer_in(language)
    copy = invoice(customer, due=TODAY - timedelta(days=3), amount="1000.00")
    text = pdf_text(invoice_copy_pdf(copy, language))
    assert [w for w in COPY_WORDS[language] if flat(w) not in text] == []
    assert "Copy of invoice" not in text and "1,000.00" not in text

    response = client.get(reverse("portal_invoice_pdf", args=[portal_token_for(customer), copy.pk]))
    text = pdf_text(response.content)
    assert [w for w in PORTAL_COPY_WORDS[language] + COPY_WORDS[language][-1:] if flat(w) not in text] == []
    assert [w for w in ("Bill to", "Due date", "Paid or credited", "This is a copy", "1,000.00") if w in text] == []


def paid_request(customer, invoices, *, surcharge=Decimal("0.00")):
    total = sum((i.open_amount for i in invoices), Decimal("0.00"))
    request = PaymentRequest.objects.create(key=f"checkout:{customer.pk}", customer=customer, provider="sandbox",
                                            amount=total + surcharge, surcharge_amount=surcharge, currency="USD",
                                            status=PaymentRequest.Status.SUCCEEDED, origin="portal",
                                            settled_at=timezone.now())
    for i in invoices:
        PaymentRequestLine.objects.create(request=request, invoice=i, amount=i.open_amount)
    request.payment = payment_receive(customer=customer, external_id=request.external_id, received_date=TODAY,
                                      amount=request.amount, currency="USD", source=Payment.Source.ONLINE,
                                      applications=[(i, i.open_amount) for i in invoices])
    request.save(update_fields=["payment"])
    return request


RECEIPT_WORDS = {
    "fr": ["Paiement reçu — merci", "Merci : nous avons bien reçu votre paiement de", f"1{NNBSP}200,00{NBSP}$US",
           "Il comprend le supplément carte de", "Votre compte, avec toutes vos factures"],
    "de": ["Zahlung erhalten — vielen Dank", "Vielen Dank: Wir haben Ihre Zahlung über", f"1.200,00{NBSP}$",
           "Darin ist der Kartenaufschlag von", "Ihr Kundenkonto mit allen Rechnungen und Zahlungen"],
    "es": ["Pago recibido — gracias", "Gracias: hemos recibido su pago de", f"1.200,00{NBSP}US$",
           "Incluye el recargo por tarjeta de", "Su cuenta, con todas las facturas y pagos"],
    "nl": ["Betaling ontvangen — dank u", "Dank u: wij hebben uw betaling van", f"US${NBSP}1.200,00",
           "Dit is inclusief de kaarttoeslag van", "Uw rekening, met al uw facturen en betalingen"],
}
RECEIPT_ENGLISH = ["Payment received", "Thank you: we received", "It includes the card surcharge", "Your account, with",
                   "Still open", "1,200.00", "Kind regards"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_payment_receipt_is_in_the_customers_language(language, django_capture_on_commit_callbacks):
    customer = customer_in(language)
    a = invoice(customer, due=TODAY - timedelta(days=3), amount="800.00")
    b = invoice(customer, due=TODAY, amount="370.00")
    request = paid_request(customer, [a, b], surcharge=Decimal("30.00"))
    with django_capture_on_commit_callbacks(execute=True):
        signals.payment_succeeded.send(sender="payments", request=request)
    email = mail.outbox[-1]
    text = f"{email.subject}\n{email.body}"
    assert [w for w in RECEIPT_WORDS[language] if w not in text] == []
    assert languages.day(TODAY, language) in email.body
    assert [w for w in RECEIPT_ENGLISH if w in text] == []
    html = email.alternatives[0][0]
    assert f'lang="{language}"' in html and "Thank you: we received" not in html
    assert OutboundMessage.objects.get(customer=customer).language == language


@pytest.mark.parametrize(("language", "says"), [
    ("fr", ["Votre paiement n’a pas abouti", "n’a finalement pas abouti", "Ces factures sont de nouveau à payer :"]),
    ("de", ["Ihre Zahlung ist nicht durchgegangen", "Diese Rechnungen sind wieder offen:"]),
    ("es", ["Su pago no se ha completado", "Estas facturas vuelven a estar pendientes:"]),
    ("nl", ["Uw betaling is niet gelukt", "Deze facturen staan weer open:"]),
])
def test_the_failed_payment_notice_is_in_the_customers_language(language, says, django_capture_on_commit_callbacks):
    customer = customer_in(language)
    a = invoice(customer, due=TODAY - timedelta(days=3), amount="800.00")
    request = PaymentRequest.objects.create(key=f"checkout:{customer.pk}", customer=customer, provider="sandbox",
                                            amount=a.open_amount, currency="USD", origin="portal",
                                            status=PaymentRequest.Status.FAILED, failure_reason="insufficient funds")
    PaymentRequestLine.objects.create(request=request, invoice=a, amount=a.open_amount)
    with django_capture_on_commit_callbacks(execute=True):
        signals.payment_failed.send(sender="payments", request=request,
                                    previous_status=PaymentRequest.Status.PENDING)
    email = mail.outbox[-1]
    text = f"{email.subject}\n{email.body}"
    assert [w for w in says if w not in text] == []
    assert [w for w in ("did not go through", "These invoices are open again", "800.00 USD") if w in text] == []


@pytest.mark.parametrize(("language", "says"), [
    ("fr", ["Votre échéancier : l’échéance 1 est en retard", "Reste à payer au titre de l’échéancier",
            f"300,00{NBSP}$US", "En retard"]),
    ("de", ["Ihre Ratenzahlung: Rate 1 ist überfällig", "Aus der Ratenvereinbarung noch zu zahlen",
            f"300,00{NBSP}$", "Überfällig"]),
    ("es", ["Su plan de pagos: el plazo 1 está vencido", "Pendiente de pago según el plan", f"300,00{NBSP}US$",
            "Vencido"]),
    ("nl", ["Uw betalingsregeling: termijn 1 is achterstallig", "Nog te betalen volgens de regeling",
            f"US${NBSP}300,00", "Achterstallig"]),
])
def test_the_missed_installment_message_is_in_the_customers_language(language, says,
                                                                    django_capture_on_commit_callbacks):
    dunning_policy = policy(name="Plans", segment="mid-market")
    dunning_policy.plan_missed_template = MessageTemplate.objects.get(kind=MessageTemplate.Kind.PLAN_MISSED)
    dunning_policy.save()
    customer = customer_in(language)
    planned = invoice(customer, due=TODAY - timedelta(days=12), amount="900.00")
    plan = plan_create(invoices=[planned], installments=[(TODAY + timedelta(days=5), Decimal("300.00")),
                                                         (TODAY + timedelta(days=35), Decimal("600.00"))])
    first = plan.installments.get(number=1)
    morning = first.due_on + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        plans_settle(on=morning)
        plan_missed_notices_send(on=morning)
    message = OutboundMessage.objects.get(kind=OutboundMessage.Kind.PLAN)
    text = f"{message.subject}\n{message.body}"
    assert message.language == language
    assert [w for w in says if w not in text] == []
    assert languages.day(first.due_on, language) in message.body
    assert [w for w in ("Your payment plan", "Still to pay", "300.00", "Missed", first.due_on.isoformat())
            if w in text] == []


def test_the_translated_document_templates_are_shipped():
    """Migration 0016: the statement, invoice-copy and missed-installment templates in every language."""
    for kind in (MessageTemplate.Kind.STATEMENT, MessageTemplate.Kind.INVOICE_COPY, MessageTemplate.Kind.PLAN_MISSED):
        template = MessageTemplate.objects.filter(kind=kind).order_by("pk").first()
        assert sorted(template.translations.values_list("language", flat=True)) == sorted(LANGUAGES), kind



@pytest.mark.parametrize(("language", "says"), [
    ("fr", ["Prélèvement automatique : nous prélèverons", f"4{NNBSP}200,00{NBSP}€", "Vous n’avez rien à faire"]),
    ("de", ["Automatische Zahlung: Wir ziehen am", f"4.200,00{NBSP}€", "Sie müssen nichts tun"]),
    ("es", ["Pago automático: cobraremos", f"4.200,00{NBSP}€", "No tiene que hacer nada"]),
    ("nl", ["Automatische betaling: wij innen", f"€{NBSP}4.200,00", "U hoeft niets te doen"]),
])
def test_the_autopay_announcement_is_in_the_customers_language(language, says, django_capture_on_commit_callbacks):
    from reminders import autopay_notices
    from tests.autopay.conftest import customer_with_invoices, enrol

    def commit():
        return django_capture_on_commit_callbacks(execute=True)

    customer = customer_with_invoices(10, 10, amount="2100.00", language=language)
    enrol(customer, commit)
    with commit():
        assert autopay_notices.autopay_notices(on=TODAY + timedelta(days=7))["announced"] == 1
    message = OutboundMessage.objects.get(kind=autopay_notices.KIND)
    text = f"{message.subject}\n{message.body}"
    assert message.language == language
    assert [w for w in says if w not in text] == []
    assert [w for w in ("we will collect", "There is nothing for you to do", "4,200.00") if w in text] == []
