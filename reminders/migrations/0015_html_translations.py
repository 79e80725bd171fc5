"""The default policy's reminders in French, German, Spanish and Dutch (issue 19): a translation of
each stock template its steps send (the templates' own text is the English one). Only templates
still named as shipped get one, and a translation already there is left as it is."""

from django.db import migrations

NBSP = "\u00a0"

# Per language: the greeting, the Pay line, then per stock template (subject, opening paragraph,
# the total's label, the portal paragraph around {{ portal_link }}).
TEXTS = {
    "fr": {
        "greeting": "Bonjour {{ contact_name }},",
        "pay": f"Réglez ces factures en ligne dès maintenant{NBSP}: {{{{ pay_url }}}}",
        "Friendly heads-up": (
            "Factures arrivant à échéance — {{ customer_name }}",
            "Pour information, les factures ci-dessous arrivent bientôt à échéance.", f"Total{NBSP}:",
            f"Vous pouvez consulter toutes vos factures ouvertes, télécharger un relevé ou nous signaler un "
            f"problème ici{NBSP}: {{{{ portal_link }}}}"),
        "Reminder": (
            "Rappel de paiement — {{ customer_name }}",
            "Sauf erreur de notre part, les factures ci-dessous sont échues et restent impayées. Si vous avez "
            "déjà effectué le règlement, merci de ne pas tenir compte de ce message.", f"Total échu{NBSP}:",
            f"Détails et état des paiements{NBSP}: {{{{ portal_link }}}}"),
        "Second reminder": (
            f"Deuxième rappel{NBSP}: factures échues — {{{{ customer_name }}}}",
            "Nous n’avons pas encore reçu le règlement des factures ci-dessous. Pourriez-vous nous indiquer "
            f"quand nous pouvons l’attendre, ou si quelque chose le retient{NBSP}?", f"Total échu{NBSP}:",
            f"Votre compte en ligne{NBSP}: {{{{ portal_link }}}}"),
        "Firm reminder": (
            "Compte en retard — action requise — {{ customer_name }}",
            "Les factures ci-dessous présentent maintenant un retard important. Merci de procéder au règlement "
            "sous 7 jours, ou de nous répondre en indiquant une date de paiement.", f"Total en retard{NBSP}:",
            f"Votre compte en ligne{NBSP}: {{{{ portal_link }}}}"),
        "Final notice": (
            "Dernier avis avant d’autres mesures — {{ customer_name }}",
            "Malgré nos précédents rappels, les factures ci-dessous restent impayées. Sans règlement ou "
            "nouvelles de votre part sous 7 jours, nous serons contraints de suspendre le compte et "
            "d’envisager d’autres mesures.", f"Total en retard{NBSP}:",
            f"Votre compte en ligne{NBSP}: {{{{ portal_link }}}}"),
    },
    "de": {
        "greeting": "Guten Tag {{ contact_name }},",
        "pay": "Bezahlen Sie diese Rechnungen jetzt online: {{ pay_url }}",
        "Friendly heads-up": (
            "Demnächst fällige Rechnungen — {{ customer_name }}",
            "zur Erinnerung: Die folgenden Rechnungen werden in Kürze fällig.", "Summe:",
            "Alle offenen Rechnungen und Ihren Kontoauszug finden Sie hier; dort können Sie uns auch ein "
            "Problem melden: {{ portal_link }}"),
        "Reminder": (
            "Zahlungserinnerung — {{ customer_name }}",
            "laut unseren Unterlagen sind die folgenden Rechnungen überfällig. Sollten Sie bereits bezahlt "
            "haben, danken wir Ihnen und bitten Sie, diese Nachricht als gegenstandslos zu betrachten.",
            "Überfällig insgesamt:", "Details und Zahlungsstatus: {{ portal_link }}"),
        "Second reminder": (
            "Zweite Erinnerung: überfällige Rechnungen — {{ customer_name }}",
            "für die folgenden Rechnungen haben wir noch keine Zahlung erhalten. Bitte teilen Sie uns mit, "
            "wann wir mit der Zahlung rechnen können oder ob etwas sie aufhält.", "Überfällig insgesamt:",
            "Ihr Kundenkonto: {{ portal_link }}"),
        "Firm reminder": (
            "Überfälliges Konto — Handlungsbedarf — {{ customer_name }}",
            "die folgenden Rechnungen sind inzwischen erheblich überfällig. Bitte begleichen Sie den Betrag "
            "innerhalb von 7 Tagen oder nennen Sie uns in Ihrer Antwort einen Zahlungstermin.",
            "Überfällig insgesamt:", "Ihr Kundenkonto: {{ portal_link }}"),
        "Final notice": (
            "Letzte Mahnung vor weiteren Schritten — {{ customer_name }}",
            "trotz unserer bisherigen Erinnerungen sind die folgenden Rechnungen weiterhin offen. Sollten wir "
            "innerhalb von 7 Tagen weder eine Zahlung noch eine Nachricht von Ihnen erhalten, müssen wir das "
            "Konto sperren und weitere Schritte prüfen.", "Überfällig insgesamt:",
            "Ihr Kundenkonto: {{ portal_link }}"),
    },
    "es": {
        "greeting": "Estimado/a {{ contact_name }}:",
        "pay": "Pague estas facturas en línea ahora: {{ pay_url }}",
        "Friendly heads-up": (
            "Próximos vencimientos — {{ customer_name }}",
            "Le recordamos que las facturas siguientes vencen próximamente.", "Total:",
            "Aquí puede ver todas sus facturas pendientes, descargar un extracto o comunicarnos cualquier "
            "incidencia: {{ portal_link }}"),
        "Reminder": (
            "Recordatorio de pago — {{ customer_name }}",
            "Según nuestros registros, las facturas siguientes están vencidas. Si ya ha realizado el pago, le "
            "damos las gracias y le rogamos que ignore este mensaje.", "Total vencido:",
            "Detalles y estado del pago: {{ portal_link }}"),
        "Second reminder": (
            "Segundo recordatorio: facturas vencidas — {{ customer_name }}",
            "Todavía no hemos recibido el pago de las facturas siguientes. Le agradeceríamos que nos indicara "
            "cuándo podemos esperarlo o si hay algo que lo esté retrasando.", "Total vencido:",
            "Su cuenta en línea: {{ portal_link }}"),
        "Firm reminder": (
            "Cuenta vencida: se requiere una acción — {{ customer_name }}",
            "Las facturas siguientes acumulan ya un retraso considerable. Le rogamos que realice el pago en un "
            "plazo de 7 días o que nos responda indicando una fecha de pago.", "Total vencido:",
            "Su cuenta en línea: {{ portal_link }}"),
        "Final notice": (
            "Último aviso antes de tomar otras medidas — {{ customer_name }}",
            "A pesar de nuestros recordatorios anteriores, las facturas siguientes siguen pendientes de pago. "
            "Si no recibimos el pago o noticias suyas en un plazo de 7 días, tendremos que bloquear la cuenta y "
            "estudiar otras medidas.", "Total vencido:", "Su cuenta en línea: {{ portal_link }}"),
    },
    "nl": {
        "greeting": "Beste {{ contact_name }},",
        "pay": "Betaal deze facturen nu online: {{ pay_url }}",
        "Friendly heads-up": (
            "Binnenkort vervallende facturen — {{ customer_name }}",
            "Ter herinnering: de onderstaande facturen vervallen binnenkort.", "Totaal:",
            "Hier ziet u al uw openstaande facturen, kunt u een rekeningoverzicht downloaden of ons een "
            "probleem melden: {{ portal_link }}"),
        "Reminder": (
            "Betalingsherinnering — {{ customer_name }}",
            "Volgens onze administratie zijn de onderstaande facturen vervallen. Heeft u al betaald, dan danken "
            "wij u daarvoor en kunt u dit bericht als niet verzonden beschouwen.", "Totaal vervallen:",
            "Details en betaalstatus: {{ portal_link }}"),
        "Second reminder": (
            "Tweede herinnering: vervallen facturen — {{ customer_name }}",
            "Wij hebben de betaling van de onderstaande facturen nog niet ontvangen. Wilt u ons laten weten "
            "wanneer wij deze kunnen verwachten, of dat er iets is dat de betaling tegenhoudt?",
            "Totaal vervallen:", "Uw account online: {{ portal_link }}"),
        "Firm reminder": (
            "Achterstallige rekening — actie vereist — {{ customer_name }}",
            "De onderstaande facturen staan inmiddels aanzienlijk achter. Wij verzoeken u het bedrag binnen "
            "7 dagen te voldoen, of ons in een antwoord een betaaldatum te laten weten.", "Totaal achterstallig:",
            "Uw account online: {{ portal_link }}"),
        "Final notice": (
            "Laatste aanmaning voor verdere stappen — {{ customer_name }}",
            "Ondanks onze eerdere herinneringen zijn de onderstaande facturen nog altijd onbetaald. Als wij "
            "binnen 7 dagen geen betaling of bericht van u ontvangen, zijn wij genoodzaakt de rekening te "
            "blokkeren en verdere stappen te overwegen.", "Totaal achterstallig:",
            "Uw account online: {{ portal_link }}"),
    },
}
STOCK = ("Friendly heads-up", "Reminder", "Second reminder", "Firm reminder", "Final notice")


def body_of(language: str, name: str) -> tuple[str, str]:
    texts = TEXTS[language]
    subject, opening, total, portal = texts[name]
    body = (f"{texts['greeting']}\n\n{opening}\n\n{{{{ invoice_table }}}}\n\n{total} {{{{ total_due }}}}\n\n"
            f"{{% if pay_url %}}{texts['pay']}\n\n{{% endif %}}{portal}\n\n{{{{ sign_off }}}}")
    return subject, body


def ship(apps, schema_editor):
    DunningStep = apps.get_model("reminders", "DunningStep")
    MessageTemplateTranslation = apps.get_model("reminders", "MessageTemplateTranslation")
    templates = {step.template.name: step.template for step in DunningStep.objects.filter(
        policy__is_default=True, template__isnull=False, template__name__in=STOCK).select_related("template")}
    for name, template in templates.items():
        for language in TEXTS:
            subject, body = body_of(language, name)
            MessageTemplateTranslation.objects.get_or_create(
                template=template, language=language, defaults={"subject": subject, "body": body})


def unship(apps, schema_editor):
    MessageTemplateTranslation = apps.get_model("reminders", "MessageTemplateTranslation")
    for language in TEXTS:
        for name in STOCK:
            subject, body = body_of(language, name)
            MessageTemplateTranslation.objects.filter(template__name=name, language=language, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [("reminders", "0014_html_branding")]
    operations = [migrations.RunPython(ship, unship)]
