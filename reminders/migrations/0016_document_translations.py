"""The customer's other documents in French, German, Spanish and Dutch (issue 19): a translation of
the stock monthly-statement, invoice-copy and missed-installment templates, beside the reminders'
(0015). Only templates still named as shipped get one, and a translation already there is left as
it is. Money, dates, the invoice and plan tables and the sign-off come from the context, in the
message's language."""

from django.db import migrations

NBSP = "\u00a0"

STATEMENT, COPY, PLAN = "Monthly statement", "Invoice copy", "Payment plan: installment missed"

# Per language and template: (subject, body).
TEXTS = {
    "fr": {
        STATEMENT: (
            "Votre relevé de compte de {{ month }} — {{ customer_name }}",
            "Bonjour {{ contact_name }},\n\nVeuillez trouver ci-joint votre relevé de compte de {{ month }}.\n\n"
            f"Solde ouvert{NBSP}: {{{{ total_due }}}}\n\n"
            f"{{% if pay_url %}}Réglez vos factures ouvertes en ligne{NBSP}: {{{{ pay_url }}}}\n\n{{% endif %}}"
            f"Vous pouvez aussi le consulter en ligne{NBSP}: {{{{ portal_link }}}}\n\n{{{{ sign_off }}}}"),
        COPY: (
            "Copie de la facture {{ invoice_numbers }} — {{ customer_name }}",
            "Bonjour {{ contact_name }},\n\nComme convenu, veuillez trouver ci-joint une copie de la facture "
            "ci-dessous.\n\n{{ invoice_table }}\n\n{{ portal_link }}\n\n{{ sign_off }}"),
        PLAN: (
            f"Votre échéancier{NBSP}: l’échéance {{{{ installment_number }}}} est en retard — {{{{ customer_name }}}}",
            "Bonjour {{ contact_name }},\n\nNous vous remercions d’avoir convenu d’un échéancier de paiement avec "
            "nous. Nous n’avons pas encore reçu l’échéance {{ installment_number }} de {{ installment_amount }}, "
            "prévue le {{ installment_due }}.\n\n{{ plan_table }}\n\n"
            f"Reste à payer au titre de l’échéancier{NBSP}: {{{{ plan_remaining }}}}\n\n"
            f"Merci de régler l’échéance manquée sous 7 jours ou de nous contacter pour en discuter{NBSP}; à défaut, "
            "l’échéancier prend fin et les factures ci-dessous reprennent le cours normal de nos relances.\n\n"
            "{{ invoice_table }}\n\n"
            f"{{% if pay_url %}}Payer en ligne dès maintenant{NBSP}: {{{{ pay_url }}}}\n\n{{% endif %}}"
            "{{ portal_link }}\n\n{{ sign_off }}"),
    },
    "de": {
        STATEMENT: (
            "Ihr Kontoauszug für {{ month }} — {{ customer_name }}",
            "Guten Tag {{ contact_name }},\n\nanbei erhalten Sie Ihren Kontoauszug für {{ month }}.\n\n"
            "Offener Saldo: {{ total_due }}\n\n"
            "{% if pay_url %}Bezahlen Sie Ihre offenen Posten online: {{ pay_url }}\n\n{% endif %}"
            "Sie finden ihn auch online: {{ portal_link }}\n\n{{ sign_off }}"),
        COPY: (
            "Kopie der Rechnung {{ invoice_numbers }} — {{ customer_name }}",
            "Guten Tag {{ contact_name }},\n\nwie gewünscht erhalten Sie anbei eine Kopie der folgenden Rechnung."
            "\n\n{{ invoice_table }}\n\n{{ portal_link }}\n\n{{ sign_off }}"),
        PLAN: (
            "Ihre Ratenzahlung: Rate {{ installment_number }} ist überfällig — {{ customer_name }}",
            "Guten Tag {{ contact_name }},\n\nvielen Dank, dass Sie mit uns eine Ratenzahlung vereinbart haben. "
            "Die Rate {{ installment_number }} über {{ installment_amount }}, fällig am {{ installment_due }}, "
            "haben wir noch nicht erhalten.\n\n{{ plan_table }}\n\n"
            "Aus der Ratenvereinbarung noch zu zahlen: {{ plan_remaining }}\n\n"
            "Bitte zahlen Sie die fehlende Rate innerhalb von 7 Tagen oder sprechen Sie uns an; andernfalls "
            "erlischt die Vereinbarung und die folgenden Rechnungen fallen in unser normales Mahnverfahren zurück."
            "\n\n{{ invoice_table }}\n\n"
            "{% if pay_url %}Jetzt online bezahlen: {{ pay_url }}\n\n{% endif %}"
            "{{ portal_link }}\n\n{{ sign_off }}"),
    },
    "es": {
        STATEMENT: (
            "Su extracto de cuenta de {{ month }} — {{ customer_name }}",
            "Estimado/a {{ contact_name }}:\n\nAdjuntamos su extracto de cuenta de {{ month }}.\n\n"
            "Saldo pendiente: {{ total_due }}\n\n"
            "{% if pay_url %}Pague sus partidas pendientes en línea: {{ pay_url }}\n\n{% endif %}"
            "También puede consultarlo en línea: {{ portal_link }}\n\n{{ sign_off }}"),
        COPY: (
            "Copia de la factura {{ invoice_numbers }} — {{ customer_name }}",
            "Estimado/a {{ contact_name }}:\n\nTal como nos solicitó, le enviamos adjunta una copia de la factura "
            "indicada a continuación.\n\n{{ invoice_table }}\n\n{{ portal_link }}\n\n{{ sign_off }}"),
        PLAN: (
            "Su plan de pagos: el plazo {{ installment_number }} está vencido — {{ customer_name }}",
            "Estimado/a {{ contact_name }}:\n\nLe agradecemos que haya acordado un plan de pagos con nosotros. "
            "Todavía no hemos recibido el plazo {{ installment_number }} de {{ installment_amount }}, con "
            "vencimiento el {{ installment_due }}.\n\n{{ plan_table }}\n\n"
            "Pendiente de pago según el plan: {{ plan_remaining }}\n\n"
            "Le rogamos que abone el plazo pendiente en un máximo de 7 días o que se ponga en contacto con "
            "nosotros; de lo contrario, el plan quedará sin efecto y las facturas siguientes volverán a nuestro "
            "proceso habitual de recordatorios.\n\n{{ invoice_table }}\n\n"
            "{% if pay_url %}Pague en línea ahora: {{ pay_url }}\n\n{% endif %}"
            "{{ portal_link }}\n\n{{ sign_off }}"),
    },
    "nl": {
        STATEMENT: (
            "Uw rekeningoverzicht van {{ month }} — {{ customer_name }}",
            "Beste {{ contact_name }},\n\nBijgaand ontvangt u uw rekeningoverzicht van {{ month }}.\n\n"
            "Openstaand saldo: {{ total_due }}\n\n"
            "{% if pay_url %}Betaal uw openstaande posten online: {{ pay_url }}\n\n{% endif %}"
            "U kunt het ook online bekijken: {{ portal_link }}\n\n{{ sign_off }}"),
        COPY: (
            "Kopie van factuur {{ invoice_numbers }} — {{ customer_name }}",
            "Beste {{ contact_name }},\n\nZoals gevraagd sturen wij u bijgaand een kopie van onderstaande factuur."
            "\n\n{{ invoice_table }}\n\n{{ portal_link }}\n\n{{ sign_off }}"),
        PLAN: (
            "Uw betalingsregeling: termijn {{ installment_number }} is achterstallig — {{ customer_name }}",
            "Beste {{ contact_name }},\n\nDank u voor het afspreken van een betalingsregeling met ons. Wij hebben "
            "termijn {{ installment_number }} van {{ installment_amount }}, te betalen op {{ installment_due }}, "
            "nog niet ontvangen.\n\n{{ plan_table }}\n\n"
            "Nog te betalen volgens de regeling: {{ plan_remaining }}\n\n"
            "Wij verzoeken u de gemiste termijn binnen 7 dagen te betalen of contact met ons op te nemen; anders "
            "vervalt de regeling en vallen onderstaande facturen terug in onze gewone herinneringen.\n\n"
            "{{ invoice_table }}\n\n"
            "{% if pay_url %}Nu online betalen: {{ pay_url }}\n\n{% endif %}"
            "{{ portal_link }}\n\n{{ sign_off }}"),
    },
}


def ship(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    MessageTemplateTranslation = apps.get_model("reminders", "MessageTemplateTranslation")
    for template in MessageTemplate.objects.filter(name__in=[STATEMENT, COPY, PLAN]):
        for language, texts in TEXTS.items():
            subject, body = texts[template.name]
            MessageTemplateTranslation.objects.get_or_create(
                template=template, language=language, defaults={"subject": subject, "body": body})


def unship(apps, schema_editor):
    MessageTemplateTranslation = apps.get_model("reminders", "MessageTemplateTranslation")
    for language, texts in TEXTS.items():
        for name, (_subject, body) in texts.items():
            MessageTemplateTranslation.objects.filter(template__name=name, language=language, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [("reminders", "0015_html_translations")]
    operations = [migrations.RunPython(ship, unship)]
