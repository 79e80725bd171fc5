"""How an invoice or PO number is compared with what a payer wrote: the keys the cash application
looks numbers up by (`cashapp.matching.references`), kept on each invoice (`Invoice.number_key`,
`Invoice.po_key`) so a statement's references are found with an indexed query, not by keying
every open invoice of the book on each import.

- `compact`: upper case, letters and digits only ("inv 0012-345" → "INV0012345");
- `number_key`: the digits that identify a number, O read as 0 after its letter prefix, leading
  zeros dropped (INV-0012345, inv 12345 and INVOO12345 all give "12345");
- `po_key`: a PO number compacted ("PO-778812" → "PO778812").
"""

import re

NOT_ALNUM = re.compile(r"[^A-Z0-9]")
NOT_DIGIT = re.compile(r"\D")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # what a number's prefix is made of (after `compact`)


def compact(text: str) -> str:
    """Upper case, letters and digits only: how numbers are compared."""
    if text.isascii() and text.isalnum():  # most invoice numbers: nothing to take out
        return text.upper()
    joined = text.replace("-", "").replace(" ", "")
    if joined.isascii() and joined.isalnum():  # most PO numbers (PO-155044): only dashes or spaces to drop
        return joined.upper()
    return NOT_ALNUM.sub("", text.upper())


def digits_of_compact(text: str) -> str:
    """`number_key` of a number already compacted."""
    rest = text.lstrip(LETTERS).replace("O", "0")  # the letter prefix (^[A-Z]*), with str methods
    if not (rest.isascii() and rest.isdigit()):  # most invoice numbers are prefix + digits: nothing to take out
        rest = NOT_DIGIT.sub("", rest)
    return rest.lstrip("0")


def number_key(number: str) -> str:
    """The digits that identify a number: INV-0012345, inv 12345 and INVOO12345 all give "12345"."""
    return digits_of_compact(compact(number or ""))


def po_key(po_number: str) -> str:
    """A PO number as it is compared: "PO-778812" and "po 778812" give "PO778812"."""
    return compact(po_number or "")
