"""Which format a statement file is in, from its first bytes (the file name only breaks ties)."""

import re

from banking.parsers.records import StatementError

FORMATS = ("camt053", "camt054", "mt940", "bai2", "csv")
_CAMT = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.")
_MT940 = re.compile(rb"^(\{1:|:20:)", re.MULTILINE)


def format_detect(data: bytes, filename: str = "") -> str:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        found = _CAMT.search(data[:4096])
        if found and found.group(1) == b"053":
            return "camt053"
        if found and found.group(1) == b"054":
            return "camt054"
        raise StatementError.at(1, "an XML file, but not a camt.053 or camt.054 message")
    if head.startswith(b"01,") and b"\n02," in data[:4096]:
        return "bai2"
    if _MT940.search(head) and re.search(rb"^:(25|60F|61):", data[:8192], re.MULTILINE):
        return "mt940"
    name = filename.lower()
    if name.endswith((".csv", ".txt")) and (b"," in head or b";" in head or b"\t" in head):
        return "csv"
    if name.endswith((".sta", ".mt940", ".940")):
        return "mt940"
    if name.endswith((".bai", ".bai2")):
        return "bai2"
    raise StatementError.at(1, "unknown format: not camt.053/054 XML, MT940, BAI2 or a CSV file")
