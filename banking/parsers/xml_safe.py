"""Reading a bank's XML without trusting it: no DTD, no entities, no network, no huge trees.

A statement file comes from outside (an upload, a bank's SFTP drop). lxml with these options
neither expands entities nor fetches anything; a file that declares a DOCTYPE is refused outright,
since no ISO 20022 message needs one (this is what defusedxml did, without its deprecated lxml shim).
"""

import re

from lxml import etree

from banking.parsers.records import StatementError

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False,
        remove_comments=True, remove_pis=True, remove_blank_text=True,
    )


def xml_read(data: bytes) -> etree._Element:
    """The root element of a bank's XML file, or StatementError saying where it is broken."""
    found = _DOCTYPE.search(data)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise StatementError.at(line, "the file declares a DOCTYPE or entities; bank statements never do, "
                                      "so it is refused")
    try:
        root = etree.fromstring(data, parser=xml_parser())
    except etree.XMLSyntaxError as exc:
        raise StatementError([_syntax_error(exc, data)]) from None
    return root


def namespace_of(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""


def _syntax_error(exc: etree.XMLSyntaxError, data: bytes) -> dict:
    message = str(exc.msg or exc)
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    # An error on the last line is a file that stops early (lxml reports "Premature end of data"
    # or an unclosed tag there); anything earlier is XML that is wrong where it says.
    if exc.lineno and exc.lineno >= lines:
        return {"line": lines, "message": "the file ends inside a statement (it was cut off before its closing tags)"}
    return {"line": exc.lineno or 0, "message": f"not well-formed XML: {message}"}
