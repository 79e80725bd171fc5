"""What an ERP export is before it is read: XLSX or text, the text's encoding and its delimiter.

Only the first bytes are looked at (SAMPLE), so a big file is never read twice in full. The
encoding: a byte-order mark (UTF-8, UTF-16) says it; else bytes that are valid UTF-8 are UTF-8;
else text with a NUL in every other byte is UTF-16 without a mark; else windows-1252 (what Excel
and most Windows ERPs write; Latin-1 when a byte is one windows-1252 leaves undefined). The
delimiter: `csv.Sniffer` over the first lines, among , ; tab and |, else the one that the header
holds most of.
"""

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

SAMPLE = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a ZIP file
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


@dataclass(frozen=True)
class Detected:
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    guessed: tuple[str, ...] = ()  # which of encoding/delimiter were detected rather than given

    def describe(self) -> str:
        if self.format == "xlsx":
            return "XLSX workbook"
        parts = []
        for name, value in (("encoding", self.encoding), ("delimiter", DELIMITER_NAMES.get(self.delimiter,
                                                                                          repr(self.delimiter)))):
            parts.append(f"{value} ({'detected' if name in self.guessed else 'given'})")
        return "CSV, " + ", ".join(parts)


def is_xlsx(head: bytes) -> bool:
    return head.startswith(XLSX_MAGIC)


def starts_as_xlsx(source) -> bool:
    """Whether a file (a path, bytes or an open binary file, left where it was) is a workbook."""
    if source is None:
        return False
    if isinstance(source, bytes | bytearray):
        return is_xlsx(bytes(source[:4]))
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            return is_xlsx(handle.read(4))
    position = source.tell()
    head = source.read(4)
    source.seek(position)
    return is_xlsx(head)


def _head(source, size: int = SAMPLE) -> bytes:
    """The first bytes of a file (a path, bytes or an open binary file, left where it was)."""
    if isinstance(source, bytes | bytearray):
        return bytes(source[:size])
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            return handle.read(size)
    position = source.tell()
    head = source.read(size)
    source.seek(position)
    return head


def reads_as_ours(source) -> bool:
    """Whether a file is read as our own CSV files are (UTF-8, ','): else it is an export to detect
    (another encoding or delimiter, a workbook) and goes through a mapping."""
    if source is None:
        return True
    found = detect(_head(source))
    return found.format == "csv" and found.encoding.replace("-sig", "") == "utf-8" and found.delimiter == ","


def encoding_of(head: bytes) -> str:
    """The encoding of a file from its first bytes (see the module's docstring)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _valid_utf8(head):
        return "utf-8"
    pairs = head[: len(head) - len(head) % 2]
    if pairs and pairs[1::2].count(0) > len(pairs) // 4:
        return "utf-16-le"
    if pairs and pairs[0::2].count(0) > len(pairs) // 4:
        return "utf-16-be"
    if any(byte in head for byte in CP1252_UNDEFINED):
        return "iso-8859-1"  # bytes windows-1252 leaves undefined: Latin-1 reads every byte
    return "windows-1252"


def _valid_utf8(head: bytes) -> bool:
    """Valid UTF-8, allowing the sample to end inside a character."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def delimiter_of(sample: str) -> str:
    """The delimiter of CSV text (its first lines)."""
    lines = sample.splitlines()[:20]
    if len(sample) >= SAMPLE // 2 and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a line
    text = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def detect(head: bytes, *, encoding: str = "", delimiter: str = "") -> Detected:
    """What the file whose first bytes are `head` is; a given encoding or delimiter is kept."""
    if is_xlsx(head):
        return Detected("xlsx")
    guessed = []
    if not encoding:
        encoding = encoding_of(head)
        guessed.append("encoding")
    if not delimiter:
        text = head.decode(encoding, errors="replace")
        delimiter = delimiter_of(text.lstrip("\ufeff"))
        guessed.append("delimiter")
    return Detected("csv", encoding, delimiter, tuple(guessed))
