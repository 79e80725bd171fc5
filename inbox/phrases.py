"""The words the classifier reads, in English, French, German, Spanish and Dutch. One list per
meaning, so a collector can read (and extend) why a message was read as it was."""

import re

_F = re.IGNORECASE | re.UNICODE


def _any(*phrases: str) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", _F)


# Subjects of out-of-office and other automatic answers.
AUTO_SUBJECT = _any(
    r"out of (?:the )?office", r"out-of-office", r"automatic reply", r"auto(?:matic)?[- ]?reply", r"autoreply",
    r"auto[- ]response", r"away from (?:the |my )?office", r"on (?:annual )?leave", r"on vacation", r"on holiday",
    r"absence", r"absent(?:e)? du bureau", r"réponse automatique", r"reponse automatique", r"message d'absence",
    r"abwesenheitsnotiz", r"abwesenheit", r"automatische antwort", r"nicht im büro", r"außer haus",
    r"respuesta automática", r"respuesta automatica", r"fuera de la oficina", r"ausente", r"ausencia",
    r"automatisch antwoord", r"afwezig(?:heid)?", r"niet aanwezig", r"buiten kantoor",
)

# Delivery failure reports (a DSN's subject, or its sender).
BOUNCE_SUBJECT = _any(
    r"undeliver(?:ed|able)(?: mail)?", r"delivery status notification \(failure\)", r"delivery (?:has )?failed",
    r"mail delivery failed", r"returned mail", r"failure notice", r"delivery failure",
    r"non remis", r"échec de (?:la )?remise", r"echec de (?:la )?remise", r"non distribuable",
    r"unzustellbar", r"nicht zustellbar", r"fehlgeschlagen", r"no se puede entregar", r"no entregado",
    r"error de entrega", r"onbestelbaar", r"niet bezorgd", r"kan niet worden bezorgd",
)
BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|bounces?)@", _F)

# "It is paid": the customer says the money left, or sends a remittance advice.
PAID = _any(
    r"already (?:been )?paid", r"(?:has|have|was|were) (?:already )?been paid", r"(?:we|i) (?:have )?(?:already )?paid",
    r"paid (?:it|this|them|the invoice|in full|yesterday|last week|on)", r"payment (?:was|has been) (?:made|sent|done"
    r"|processed|executed|transferred)", r"(?:we|i) (?:have )?(?:already )?(?:transferred|wired|settled)",
    r"remittance advice", r"remittance", r"proof of payment", r"payment confirmation", r"payment advice",
    r"déjà (?:été )?(?:payée?s?|réglée?s?)", r"deja (?:payée?|réglée?)",
    r"(?:nous )?avons (?:déjà )?(?:payé|réglé|viré)",
    r"(?:le )?paiement a été effectué", r"virement (?:a été )?effectué", r"avis de paiement", r"avis de virement",
    r"preuve de paiement", r"justificatif de paiement",
    r"bereits (?:be)?zahlt", r"schon (?:be)?zahlt", r"bereits überwiesen", r"schon überwiesen",
    r"(?:haben|habe) (?:die rechnung )?(?:bereits |schon )?(?:be)?zahlt",
    r"(?:haben|habe) (?:bereits |schon )?überwiesen",
    r"wurde (?:bereits )?(?:be)?zahlt", r"wurde (?:bereits )?überwiesen", r"zahlungsavis", r"zahlungsbestätigung",
    r"zahlungsnachweis", r"überweisungsbeleg",
    r"ya (?:ha sido |está |fue |esta )?pagad[ao]s?", r"ya (?:hemos |he )?pagado", r"hemos pagado", r"ya pagamos",
    r"(?:hemos|he) (?:realizado|hecho) (?:la |el )?(?:transferencia|pago)", r"aviso de pago", r"comprobante de pago",
    r"justificante de pago", r"transferencia realizada",
    r"(?:is |zijn |werd )?al betaald", r"reeds betaald", r"(?:hebben|heb) (?:al |reeds )?betaald",
    r"(?:hebben|heb) (?:al |reeds )?overgemaakt", r"is (?:al )?overgemaakt", r"betalingsbewijs", r"betaaladvies",
    r"betalingsbevestiging",
)

# The customer means to pay (read only together with a date).
PAY_INTENT = _any(
    r"pay(?:ing|ment)?", r"settle(?:ment)?", r"transfer", r"remit", r"wire", r"(?:will be )?paid",
    r"pa(?:y|i)er(?:ons|ai|a)?", r"payons", r"paiement", r"régl(?:er|erons|erai|ement)", r"règlement", r"virement",
    r"verserons",
    r"(?:be)?zahl(?:en|t|ung|ungen)?", r"überweis(?:en|ung)", r"begleichen", r"zahlungseingang",
    r"pag(?:ar|aremos|aré|o|amos)", r"abon(?:ar|aremos)", r"transferencia", r"liquid(?:ar|aremos)",
    r"betal(?:en|ing|ingen|d)", r"overmaken", r"overboeken", r"voldoen", r"maken (?:het )?over",
)

# Words that contest the invoice; each root cause below counts as one too.
DISPUTE = _any(
    r"dispute[sd]?", r"disputing", r"(?:we )?contest", r"disagree", r"(?:is|are|seems?|looks?) (?:not correct|wrong)",
    r"incorrect(?:ly)?", r"wrong (?:amount|invoice|price|quantity|rate|total|items?)", r"(?:an? |in )error",
    r"mistake", r"(?:do not|don't|won't|will not) accept",
    r"refuse to pay", r"complaint", r"credit note", r"credit memo",
    r"contest(?:ons|é|ée|er|ation)", r"litige", r"erreur", r"erron[ée]e?", r"réclamation", r"n'est pas correct",
    r"(?:ist |sind )?falsch", r"fehlerhaft", r"beanstand(?:en|ung)", r"widersprechen", r"widerspruch", r"einspruch",
    r"reklamation", r"gutschrift", r"nicht korrekt", r"stimmt nicht",
    r"disputa", r"reclamación", r"reclamacion", r"reclamamos", r"no estamos de acuerdo", r"incorrect[ao]s?",
    r"equivocad[ao]", r"nota de crédito", r"nota de credito", r"abono",
    r"betwist(?:en)?", r"oneens", r"onjuist", r"klopt niet", r"niet correct", r"fout(?:ief)?", r"creditnota", r"klacht",
)

# Root causes (work.models.Dispute.RootCause), in the order they are tried. Strong phrases decide a
# dispute by themselves; the rest only name the cause of one the words above raised.
ROOT_CAUSES = [
    ("duplicate", True, _any(
        r"duplicate", r"duplicated", r"(?:billed|invoiced|charged) (?:us |me )?twice",
        r"double (?:billing|invoice|charge)",
        r"doublon", r"en double", r"factur[ée]e? deux fois", r"doppelt (?:berechnet|fakturiert|in rechnung)",
        r"zweimal (?:berechnet|fakturiert)", r"doppelte rechnung", r"duplicad[ao]", r"facturad[ao] dos veces",
        r"dubbel (?:gefactureerd|berekend)", r"twee keer gefactureerd", r"dubbele factuur")),
    ("not_received", True, _any(
        r"(?:never|not|haven't|have not|did not|didn't) (?:yet )?receiv(?:e|ed)(?: (?:the|your|this|any) invoice)?",
        r"no invoice (?:was )?received", r"(?:pas|jamais) reçu", r"n'avons (?:pas|jamais) reçu",
        r"(?:nicht|nie|keine rechnung) erhalten", r"nicht bekommen",
        r"no (?:hemos |he )?recibido", r"nunca (?:hemos )?recibido", r"niet ontvangen", r"nooit ontvangen",
        r"geen factuur ontvangen")),
    ("damaged", True, _any(
        r"damaged", r"broken", r"defective", r"faulty", r"endommagée?s?", r"cassée?s?", r"défectueu(?:x|se)s?",
        r"abîmée?s?", r"beschädigt", r"defekt", r"kaputt", r"dañad[ao]s?", r"rot[ao]s?", r"defectuos[ao]s?",
        r"beschadigd", r"kapot", r"defect")),
    ("quantity", True, _any(
        r"short (?:shipment|delivery|shipped)", r"missing items?", r"(?:wrong|incorrect) quantit(?:y|ies)",
        r"only received \d+", r"quantité (?:incorrecte|erronée)", r"manquant(?:e|s|es)?", r"fehlmenge",
        r"falsche menge", r"fehlende (?:ware|artikel)", r"faltan", r"cantidad incorrecta",
        r"te weinig (?:geleverd|ontvangen)", r"ontbrek(?:en|end)")),
    ("pricing", True, _any(
        r"(?:wrong|incorrect|higher) price", r"agreed price", r"overcharged?", r"prix (?:incorrect|convenu|erroné)",
        r"mauvais prix", r"falsche[rn]? preis", r"vereinbarte[rn]? preis", r"zu viel berechnet",
        r"precio (?:incorrecto|acordado)", r"verkeerde prijs", r"afgesproken prijs",
        r"te veel (?:berekend|gefactureerd)")),
    ("po", True, _any(
        r"(?:missing|without|wrong|no) (?:a |the )?(?:purchase order|(?-i:PO))(?: number)?", r"sans bon de commande",
        r"ohne bestellnummer", r"falsche bestellnummer", r"sin orden de compra", r"zonder (?:inkooporder|ordernummer"
        r"|bestelnummer)")),
    ("pricing", False, _any(r"pric(?:e|es|ing)", r"discount", r"prix", r"tarif", r"remise", r"preis(?:e)?", r"rabatt",
                            r"precio", r"descuento", r"prijs", r"korting")),
    ("quantity", False, _any(r"quantit(?:y|ies)", r"quantité", r"menge", r"cantidad(?:es)?", r"hoeveelheid")),
    ("po", False, _any(r"purchase order", r"(?-i:PO)(?: number)?", r"p\.o\.", r"bon de commande", r"numéro de commande",
                       r"bestellnummer", r"bestellung", r"orden de compra", r"número de pedido", r"inkooporder",
                       r"bestelnummer", r"ordernummer")),
    ("service", False, _any(
        r"service", r"not (?:performed|delivered as agreed)", r"prestation", r"leistung", r"servicio",
        r"dienst(?:verlening)?")),
    ("tax", False, _any(r"vat", r"tax(?:es)?", r"tva", r"mwst", r"mehrwertsteuer", r"ust", r"iva", r"impuesto",
                        r"btw")),
]

# Where the quoted message below a reply begins (the part kept whole but not read).
QUOTE_START = re.compile(
    r"^(?:On .{4,200}wrote:|Le .{4,200}a écrit\s?:|Am .{4,200}schrieb .{0,200}:|El .{4,200}escribió:"
    r"|Op .{4,200}schreef .{0,200}:|-{2,}\s*(?:Original Message|Message d'origine|Ursprüngliche Nachricht"
    r"|Mensaje original|Oorspronkelijk bericht|Forwarded message)\s*-{2,}"
    r"|(?:From|De|Von|Van)\s?:\s.+)\s*$", re.IGNORECASE | re.MULTILINE)
