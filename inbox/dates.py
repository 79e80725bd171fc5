"""Dates a customer writes to say when they will pay, in English, French, German, Spanish and Dutch.

Absolute ("15 December", "le 15 décembre", "am 15. Dezember", "el 15 de diciembre", "op 15 december",
"December 15", "15/12", "15.12.2026", "2026-12-15") and relative ones ("tomorrow", "next week", "Friday",
"in 10 days", "end of the month"), read against the day the email was received. A date without a
year is the next such day on or after that day. Numbers are read day first (European usage).
"""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    1: "january jan janvier janv januar jänner enero ene januari",
    2: "february feb février fevrier févr fév februar febrero febr februari",
    3: "march mar mars märz maerz mär marzo maart mrt",
    4: "april apr avril avr abril abr",
    5: "may mai mayo mei",
    6: "june jun juin juni junio",
    7: "july jul juillet juil juli julio",
    8: "august aug août aout agosto ago augustus",
    9: "september sep sept septembre septiembre setiembre",
    10: "october oct octobre oktober okt octubre",
    11: "november nov novembre noviembre",
    12: "december dec décembre decembre déc dezember dez diciembre dic",
}
MONTH_OF = {name: number for number, names in MONTHS.items() for name in names.split()}
_MONTH = "|".join(sorted(MONTH_OF, key=len, reverse=True))
# English full names may come first: "December 15".
_FULL_EN = "january|february|march|april|may|june|july|august|september|october|november|december"

WEEKDAYS = {
    0: "monday lundi montag lunes maandag",
    1: "tuesday mardi dienstag martes dinsdag",
    2: "wednesday mercredi mittwoch miércoles miercoles woensdag",
    3: "thursday jeudi donnerstag jueves donderdag",
    4: "friday vendredi freitag viernes vrijdag",
    5: "saturday samedi samstag sonnabend sábado sabado zaterdag",
    6: "sunday dimanche sonntag domingo zondag",
}
WEEKDAY_OF = {name: number for number, names in WEEKDAYS.items() for name in names.split()}

_F = re.IGNORECASE | re.UNICODE
DAY_MONTH = re.compile(
    rf"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|e|\.|º|°)?\s+(?:de\s+|of\s+)?(?P<month>{_MONTH})\.?"
    rf"(?:,?\s+(?:de\s+)?(?P<year>20\d\d))?(?!\w)", _F)
MONTH_DAY = re.compile(rf"\b(?P<month>{_FULL_EN})\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<year>20\d\d))?\b", _F)
ISO = re.compile(r"\b(?P<year>20\d\d)-(?P<month>[01]?\d)-(?P<day>[0-3]?\d)\b")
NUMERIC = re.compile(r"(?<![\d.,/-])(?P<day>[0-3]?\d)[/.](?P<month>[01]?\d)(?:[/.](?P<year>(?:20)?\d\d))?"
                     r"(?![\d,]|\.\d)")

_RELATIVE = [  # (pattern, what it means)
    (r"\b(?:day after tomorrow|après-demain|apres-demain|übermorgen|uebermorgen|pasado mañana|overmorgen)\b", "d2"),
    (r"\b(?:tomorrow|demain|mañana|manana)\b(?<!por la mañana)|(?<!guten )\bmorgen\b", "d1"),
    (r"\b(?:next week|la semaine prochaine|semaine prochaine|nächste[nr]? woche|naechste woche|kommende[nr]? woche"
     r"|la próxima semana|la proxima semana|la semana que viene|próxima semana|volgende week|komende week)\b", "week"),
    (r"\b(?:end of (?:the |this )?month|month[- ]end|fin du mois|fin de mois|ende (?:des|dieses) monats|monatsende"
     r"|ende des monats|(?:a )?finales? de(?:l)? mes|fin de mes|(?:het )?einde van de maand|eind van de maand"
     r"|eind deze maand)\b", "month_end"),
    (r"\b(?:end of next month|fin du mois prochain|ende nächsten monats|ende des nächsten monats"
     r"|finales del próximo mes|fin del próximo mes|eind volgende maand|einde volgende maand)\b", "next_month_end"),
]
RELATIVE = [(re.compile(p, _F), what) for p, what in _RELATIVE]
IN_DAYS = re.compile(r"\b(?:in|within|dans|sous|innerhalb von|binnen|en|dentro de|over)\s+(?P<n>\d{1,2})\s+"
                     r"(?P<unit>days?|jours?|tage[n]?|días|dias|dagen|weeks?|semaines?|wochen?|semanas?|weken)\b", _F)
WEEKDAY = re.compile(r"\b(?P<name>" + "|".join(sorted(WEEKDAY_OF, key=len, reverse=True)) + r")\b", _F)


@dataclass(frozen=True)
class Found:
    on: date
    text: str  # the words it was read from
    start: int


def _next_of(day: int, month: int, year: int | None, after: date) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    years = [year] if year else [after.year, after.year + 1]
    for y in years:
        try:
            found = date(y, month, day)
        except ValueError:
            continue
        if year or found >= after:
            return found
    return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _absolute(text: str, received: date) -> list[Found]:
    found = []
    for pattern, named in ((DAY_MONTH, True), (MONTH_DAY, True), (ISO, False), (NUMERIC, False)):
        for m in pattern.finditer(text):
            month = MONTH_OF[m["month"].lower()] if named else int(m["month"])
            on = _next_of(int(m["day"]), month, _year(m["year"]), received)
            if on is not None:
                found.append(Found(on, m.group(0), m.start()))
    return found


def _relative(text: str, received: date) -> list[Found]:
    found = []
    for pattern, what in RELATIVE:
        for m in pattern.finditer(text):
            if what == "d1":
                on = received + timedelta(days=1)
            elif what == "d2":
                on = received + timedelta(days=2)
            elif what == "week":  # the Friday of next week
                on = received + timedelta(days=7 - received.weekday() + 4)
            elif what == "month_end":
                on = received.replace(day=monthrange(received.year, received.month)[1])
            else:
                first = (received.replace(day=1) + timedelta(days=32)).replace(day=1)
                on = first.replace(day=monthrange(first.year, first.month)[1])
            found.append(Found(on, m.group(0), m.start()))
    for m in IN_DAYS.finditer(text):
        weeks = m["unit"].lower().startswith(("week", "sem", "woch", "wek"))
        found.append(Found(received + timedelta(days=int(m["n"]) * (7 if weeks else 1)), m.group(0), m.start()))
    for m in WEEKDAY.finditer(text):
        ahead = (WEEKDAY_OF[m["name"].lower()] - received.weekday()) % 7 or 7
        found.append(Found(received + timedelta(days=ahead), m.group(0), m.start()))
    return found


def dates_in(text: str, received: date) -> list[Found]:
    """Every date the text names: the written-out ones first ("15 December" before "Friday" in "Friday
    15 December"), each in the order the text names them; a shorter reading inside a longer one is dropped."""
    kept: list[Found] = []
    for group in (_absolute(text, received), _relative(text, received)):
        for f in sorted(group, key=lambda f: (f.start, -len(f.text))):
            if any(k.start <= f.start < k.start + len(k.text) or f.start <= k.start < f.start + len(f.text)
                   for k in kept):
                continue
            kept.append(f)
    return kept
