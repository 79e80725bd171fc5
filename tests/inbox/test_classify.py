"""The classifier over a corpus of real-shaped messages in five languages: automatic replies (by header
and by subject only), bounces, "already paid", promises with absolute and relative dates, disputes with
their root cause, plain replies, and quoted reminders that must not count."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from inbox.classify import classify, new_part
from inbox.dates import dates_in

# Tuesday 1 December 2026, in the morning.
RECEIVED = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
TUESDAY = date(2026, 12, 1)


def mail(body: str = "", subject: str = "Re: Invoice INV-1042 is overdue", headers: dict | None = None,
         sender: str = "ap@customer.example", text: str = ""):
    return SimpleNamespace(headers=headers or {}, subject=subject, reply_text=body, text=text or body,
                           received_at=RECEIVED, from_address=sender)


OUR_REMINDER = (
    "\n\nOn Mon, 30 Nov 2026 at 09:00, Accounts Receivable <ar@acme.example> wrote:\n"
    "> Dear customer, invoice INV-1042 is 30 days past due. Please pay by 15 December.\n"
    "> If you dispute this invoice, or it is already paid, tell us.\n"
)
OUTLOOK_QUOTE = (
    "\n\nFrom: Accounts Receivable <ar@acme.example>\nSent: Monday, November 30, 2026 9:00 AM\n"
    "To: ap@customer.example\nSubject: Invoice INV-1042 is overdue\n\n"
    "Please pay invoice INV-1042 by Friday. The price is in the invoice attached.\n"
)

CORPUS = [
    # --- Automatic replies: headers ---
    ("auto header en", mail("I am out of the office until 4 January.", "Automatic reply: Invoice",
                            {"auto-submitted": "auto-replied"}), "auto_reply", None, ""),
    ("auto x-autoreply", mail("Je suis absent.", "Re: Facture", {"x-autoreply": "yes"}), "auto_reply", None, ""),
    ("auto precedence", mail("Danke für Ihre Nachricht.", "Re: Rechnung", {"precedence": "auto_reply"}),
     "auto_reply", None, ""),
    ("auto generated", mail("Your ticket 4411 was received.", "Ticket 4411", {"auto-submitted": "auto-generated"}),
     "auto_reply", None, ""),
    # --- Automatic replies: subject only ---
    ("ooo en", mail("I'll be back on Monday and will pay then.", "Out of Office: Invoice INV-1042"),
     "auto_reply", None, ""),
    ("ooo fr", mail("Je serai de retour le 7 décembre.", "Réponse automatique : Facture F-22"), "auto_reply", None, ""),
    ("ooo de", mail("Ich bin bis 8. Dezember nicht im Büro.", "Abwesenheitsnotiz: Rechnung 1042"),
     "auto_reply", None, ""),
    ("ooo es", mail("Estaré fuera hasta el lunes.", "Respuesta automática: Factura 1042"), "auto_reply", None, ""),
    ("ooo nl", mail("Ik ben afwezig tot 7 december.", "Automatisch antwoord: Factuur 1042"), "auto_reply", None, ""),
    ("auto header beats promise", mail("We will pay on 15 December.", "Re: Invoice",
                                       {"auto-submitted": "auto-replied"}), "auto_reply", None, ""),
    # --- Bounces ---
    ("dsn content type", mail("", "Undelivered Mail Returned to Sender",
                              {"content-type": "multipart/report; report-type=delivery-status; boundary=x"},
                              "MAILER-DAEMON@mx.acme.example",
                              "Final-Recipient: rfc822; gone@customer.example\nAction: failed\nStatus: 5.1.1\n"),
     "bounce", None, ""),
    ("dsn sender only", mail("", "Delivery Status Notification (Failure)", sender="postmaster@customer.example"),
     "bounce", None, ""),
    ("dsn subject de", mail("Die Nachricht konnte nicht zugestellt werden.", "Unzustellbar: Rechnung 1042"),
     "bounce", None, ""),
    ("dsn subject fr", mail("Votre message n'a pas pu être remis.", "Non remis : Facture F-22"), "bounce", None, ""),
    # --- Already paid / remittance ---
    ("paid en", mail("Hi, this invoice was already paid last week. Regards, Tom"), "paid", None, ""),
    ("paid remittance", mail("Please find our remittance advice attached."), "paid", None, ""),
    ("paid we paid", mail("We paid it yesterday by bank transfer."), "paid", None, ""),
    ("paid fr", mail("Bonjour, cette facture a déjà été payée le 20 novembre."), "paid", None, ""),
    ("paid fr avis", mail("Ci-joint notre avis de paiement."), "paid", None, ""),
    ("paid de", mail("Guten Tag, die Rechnung wurde bereits überwiesen."), "paid", None, ""),
    ("paid de avis", mail("Anbei das Zahlungsavis zu Ihrer Rechnung."), "paid", None, ""),
    ("paid es", mail("Hola, la factura ya está pagada desde el viernes."), "paid", None, ""),
    ("paid es comprobante", mail("Adjunto el comprobante de pago."), "paid", None, ""),
    ("paid nl", mail("Goedemiddag, deze factuur is al betaald."), "paid", None, ""),
    ("paid nl bewijs", mail("In de bijlage vindt u het betalingsbewijs."), "paid", None, ""),
    # --- Promises: absolute dates ---
    ("promise en", mail("We will pay on 15 December."), "promise", date(2026, 12, 15), ""),
    ("promise en month first", mail("Payment will be made December 18, 2026."), "promise", date(2026, 12, 18), ""),
    ("promise en numeric", mail("We can transfer the full amount on 15/12."), "promise", date(2026, 12, 15), ""),
    ("promise future paid", mail("It will be paid on 22 December."), "promise", date(2026, 12, 22), ""),
    ("promise fr", mail("Nous réglerons la facture le 15 décembre."), "promise", date(2026, 12, 15), ""),
    ("promise de", mail("Wir zahlen am 15. Dezember."), "promise", date(2026, 12, 15), ""),
    ("promise de numeric", mail("Die Überweisung erfolgt am 18.12.2026."), "promise", date(2026, 12, 18), ""),
    ("promise es", mail("Pagaremos el 15 de diciembre."), "promise", date(2026, 12, 15), ""),
    ("promise nl", mail("Wij betalen op 15 december."), "promise", date(2026, 12, 15), ""),
    ("promise next year", mail("We will pay on 10 January."), "promise", date(2027, 1, 10), ""),
    # --- Promises: relative dates (from Tuesday 1 December 2026) ---
    ("promise next week en", mail("We will pay next week."), "promise", date(2026, 12, 11), ""),
    ("promise nächste Woche", mail("Die Zahlung erfolgt nächste Woche."), "promise", date(2026, 12, 11), ""),
    ("promise semaine prochaine", mail("Nous paierons la semaine prochaine."), "promise", date(2026, 12, 11), ""),
    ("promise próxima semana", mail("Haremos el pago la próxima semana."), "promise", date(2026, 12, 11), ""),
    ("promise volgende week", mail("We gaan volgende week betalen."), "promise", date(2026, 12, 11), ""),
    ("promise tomorrow", mail("The payment goes out tomorrow."), "promise", date(2026, 12, 2), ""),
    ("promise morgen de", mail("Wir überweisen morgen."), "promise", date(2026, 12, 2), ""),
    ("promise demain", mail("Le virement part demain."), "promise", date(2026, 12, 2), ""),
    ("promise mañana", mail("Mañana hacemos la transferencia."), "promise", date(2026, 12, 2), ""),
    ("promise friday", mail("We'll pay on Friday."), "promise", date(2026, 12, 4), ""),
    ("promise vendredi", mail("Paiement vendredi, promis."), "promise", date(2026, 12, 4), ""),
    ("promise vrijdag", mail("Betaling volgt vrijdag."), "promise", date(2026, 12, 4), ""),
    ("promise in days", mail("We will pay within 10 days."), "promise", date(2026, 12, 11), ""),
    ("promise month end", mail("We pay at the end of the month."), "promise", date(2026, 12, 31), ""),
    # --- Disputes with causes ---
    ("dispute damaged en", mail("Half of the goods arrived damaged, we won't pay for them."), "dispute", None,
     "damaged"),
    ("dispute twice en", mail("You billed us twice for this order."), "dispute", None, "duplicate"),
    ("dispute not received en", mail("We never received this invoice, please resend."), "dispute", None,
     "not_received"),
    ("dispute price fr", mail("Le prix est incorrect: nous contestons cette facture."), "dispute", None, "pricing"),
    ("dispute quantity fr", mail("Il y a des articles manquants dans la livraison."), "dispute", None, "quantity"),
    ("dispute damaged de", mail("Die Ware ist beschädigt angekommen."), "dispute", None, "damaged"),
    ("dispute price de", mail("Wir beanstanden die Rechnung, der Preis ist falsch."), "dispute", None, "pricing"),
    ("dispute po es", mail("La factura está sin orden de compra, no podemos pagarla."), "dispute", None, "po"),
    ("dispute duplicate es", mail("Esta factura está duplicada."), "dispute", None, "duplicate"),
    ("dispute nl", mail("De levering was beschadigd, wij betwisten de factuur."), "dispute", None, "damaged"),
    ("dispute tax nl", mail("Het btw-bedrag klopt niet."), "dispute", None, "tax"),
    ("dispute other", mail("We dispute this invoice."), "dispute", None, "other"),
    ("dispute beats promise", mail("We will pay on 15 December once you fix the wrong price."), "dispute", None,
     "pricing"),
    ("dispute paid twice", mail("We already paid this one, you invoiced us twice."), "dispute", None, "duplicate"),
    # --- Plain replies ---
    ("replied en", mail("Thanks, I forwarded this to our accounts payable team."), "replied", None, ""),
    ("replied de morning", mail("Guten Morgen, bitte rufen Sie mich an."), "replied", None, ""),
    ("replied es morning", mail("Le llamo por la mañana."), "replied", None, ""),
    ("replied date no intent", mail("Can we have a call on Friday?"), "replied", None, ""),
    # --- Quoted text never counts ---
    ("quoted gmail", mail("Thanks, noted." + OUR_REMINDER), "replied", None, ""),
    ("quoted outlook", mail("Received, thank you." + OUTLOOK_QUOTE), "replied", None, ""),
    ("quoted chevrons", mail("Ok.\n> Please pay by 15 December or tell us if it is already paid."), "replied", None,
     ""),
    ("quoted fr", mail("Merci.\n\nLe lun. 30 nov. 2026 à 09:00, AR <ar@acme.example> a écrit :\n"
                       "> Merci de payer avant le 15 décembre.\n"), "replied", None, ""),
    ("quoted promise above", mail("We will pay on 15 December." + OUR_REMINDER), "promise", date(2026, 12, 15), ""),
]


@pytest.mark.parametrize(("email", "kind", "promise_date", "root_cause"),
                         [case[1:] for case in CORPUS], ids=[case[0] for case in CORPUS])
def test_corpus_message_is_classified_as_a_collector_would(email, kind, promise_date, root_cause):
    result = classify(email)

    assert (result.kind, result.promise_date, result.root_cause) == (kind, promise_date, root_cause), result.reason
    assert result.reason  # every result names why


def test_corpus_covers_every_kind_in_five_languages():
    assert len(CORPUS) >= 40
    assert {case[2] for case in CORPUS} == {"auto_reply", "bounce", "paid", "promise", "dispute", "replied"}


def test_reason_names_the_phrase_that_decided_it():
    assert "“already paid”" in classify(mail("It was already paid.")).reason
    assert "“Abwesenheitsnotiz”" in classify(mail(subject="Abwesenheitsnotiz: Rechnung")).reason
    promise = classify(mail("Wij betalen op 15 december."))
    assert "“betalen”" in promise.reason and "15 december" in promise.reason


def test_bounce_lists_the_failed_recipients():
    result = classify(mail("", "Mail delivery failed", {"x-failed-recipients": "gone@customer.example"},
                           "mailer-daemon@mx.example",
                           "Final-Recipient: rfc822; other@customer.example\nAction: failed\n"))

    assert result.bounced == ("gone@customer.example", "other@customer.example")


def test_classify_reads_the_whole_text_when_there_is_no_reply_part():
    email = mail(text="We will pay on 15 December.")
    email.reply_text = ""

    assert classify(email).promise_date == date(2026, 12, 15)


def test_new_part_cuts_quotes_and_signature():
    assert new_part("Paid.\n-- \nTom, AP\n" + OUR_REMINDER).strip() == "Paid."


def test_a_date_past_in_the_year_given_is_not_a_promise():
    assert classify(mail("We will pay on 3 March 2026.")).kind == "replied"


@pytest.mark.parametrize(("text", "expected"), [
    ("am 15. Dezember", date(2026, 12, 15)),
    ("el 15 de diciembre", date(2026, 12, 15)),
    ("le 15 décembre", date(2026, 12, 15)),
    ("op 15 december", date(2026, 12, 15)),
    ("2026-12-20", date(2026, 12, 20)),
    ("übermorgen", date(2026, 12, 3)),
    ("Friday 18 December", date(2026, 12, 18)),
    ("in 2 weeks", date(2026, 12, 15)),
    ("fin du mois", date(2026, 12, 31)),
])
def test_dates_in_five_languages(text, expected):
    assert dates_in(text, TUESDAY)[0].on == expected


def test_amounts_are_not_read_as_dates():
    assert dates_in("We owe 1.250,00 EUR and 12.50 USD", TUESDAY) == []
