"""What a bank line is to us: a customer receipt to match, another credit, a debit, or a bank charge.

Only receipts go to the cash application. A credit is a receipt unless the bank says it is
something else: a reversal (a returned debit coming back), interest, a refund of fees, or a
transfer between our own accounts. A debit is a charge when its code says fees or commission;
every other debit (suppliers, payroll, a returned customer payment) is a debit.
"""

import re

from banking.parsers.records import LineRecord

# ISO 20022 bank transaction codes (Domain/Family/SubFamily): sub-families that mean fees, interest.
_CHARGE_SUBFAMILIES = {"CHRG", "FEES", "COMM", "COMT", "SUBS", "TAXE", "BRKF"}
_INTEREST_SUBFAMILIES = {"INTR", "INTRST"}
_CHARGE_FAMILIES = {"CHRG"}
_OWN_TRANSFER_SUBFAMILIES = {"BOOK", "ACCT"}  # book transfer between our accounts, cash concentration
# SWIFT MT940 transaction type identification codes (the 4 characters after the amount).
_MT940_CHARGES = {"NCHG", "NCOM", "FCHG", "FCOM", "NTAX"}
_MT940_INTEREST = {"NINT", "FINT"}
# BAI2 detail type codes.
_BAI2_CHARGES = {"564", "567", "661", "698", "668", "662", "664", "666"}
_BAI2_INTEREST = {"354", "355"}
# A debit with no code and no counterparty (a CSV export) is a charge when its text says so.
_CHARGE_WORDS = re.compile(
    r"\b(fee|fees|charges?|commission|gebühr\w*|kontoführung\w*|entgelt\w*|frais|kosten|comisi[oó]n)\b",
                           re.IGNORECASE)
_BAI2_OTHER_CREDITS = {"398", "252", "258", "395", "275", "276", "277"}  # fee refunds, reversals, ZBA/concentration


def line_kind(line: LineRecord) -> str:
    if line.kind:
        return line.kind
    code = line.bank_code.upper()
    parts = code.split("/")
    family = parts[1] if len(parts) > 1 else ""
    sub = parts[2] if len(parts) > 2 else ""
    if line.direction == "debit":
        if sub in _CHARGE_SUBFAMILIES or family in _CHARGE_FAMILIES or code in _MT940_CHARGES or code in _BAI2_CHARGES:
            return "charge"
        if not code and not line.counterparty_account and _CHARGE_WORDS.search(line.remittance_text):
            return "charge"
        return "debit"
    if line.is_reversal:
        return "other_credit"
    if sub in _INTEREST_SUBFAMILIES or code in _MT940_INTEREST or code in _BAI2_INTEREST or code in _BAI2_OTHER_CREDITS:
        return "other_credit"
    if sub in _CHARGE_SUBFAMILIES or code in _MT940_CHARGES:  # a fee refunded
        return "other_credit"
    if sub in _OWN_TRANSFER_SUBFAMILIES and family in {"ICDT", "CNCT", "ACMT"} and not line.counterparty_name:
        return "other_credit"
    return "receipt"
