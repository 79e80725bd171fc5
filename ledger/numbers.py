"""How an invoice or PO number is compared with what a payer wrote: the keys the cash application
looks numbers up by (`cashapp.matching.references`), kept on each invoice (`Invoice.number_key`,
`Invoice.po_key`) so a statement's references are found with an indexed query, not by keying
every open invoice of the book on each import.

- `compact`: upper case, letters and digits only ("inv 0012-345" → "INV0012345");
- `number_key`: the digits that identify a number, O read as 0 after its letter prefix, leading
  zeros dropped (INV-0012345, inv 12345 and INVOO12345 all give "12345");
- `po_key`: a PO number compacted ("PO-778812" → "PO778812");
- `number_even_pairs`, `number_odd_pairs`: the number key with each pair of neighbouring digits
  put in order, pairs taken from the first digit ("214365" → "123456") or after it ("132546" →
  "123456"). Two neighbouring digits swapped ("12354" for "12345") leave one of the two unchanged:
  a swap at an even position stays inside an even pair, one at an odd position inside an odd
  pair. So a reference's transpositions are found by two indexed look-ups of its own two keys
  (then checked, since other swaps of whole pairs share them too), not by one look-up per
  transposition. One sorted-digits key would find them too, but invoice numbers are dense: on
  the large demo book an open invoice shares its sorted digits with 28 open invoices on average
  (up to 104), and its pair keys with 1.7 and 1.5 (up to 6 and 4).
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


def pairs_sorted(key: str, start: int) -> str:
    """`key` with each pair of neighbouring characters in order, the pairs starting at `start` (0 or 1)."""
    head, rest = key[:start], key[start:]
    pairs = "".join([a + b if a <= b else b + a for a, b in zip(rest[::2], rest[1::2], strict=False)])
    return head + pairs + (rest[-1] if len(rest) % 2 else "")


def number_even_pairs(number: str) -> str:
    """The number key's digits 1-2, 3-4, … each pair in order: "214365" gives "123456"."""
    return pairs_sorted(number_key(number), 0)


def number_odd_pairs(number: str) -> str:
    """The number key's first digit, then its digits 2-3, 4-5, … each pair in order: "132546" gives "123456"."""
    return pairs_sorted(number_key(number), 1)


def number_columns(number: str) -> dict[str, str | None]:
    """Every key an invoice number is looked up by, as its columns hold them (an empty key is NULL):
    for writers that bypass the ORM (`Invoice`'s key fields compute their own)."""
    key = number_key(number)
    return {"number_key": key or None, "number_even_pairs": pairs_sorted(key, 0) or None,
            "number_odd_pairs": pairs_sorted(key, 1) or None}


def po_key(po_number: str) -> str:
    """A PO number as it is compared: "PO-778812" and "po 778812" give "PO778812"."""
    return compact(po_number or "")
