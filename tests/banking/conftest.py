from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def no_camt_schemas(settings, monkeypatch):
    """Parse without any XSD, as on a machine that has none: the parser's own checks alone."""
    from banking.parsers import camt_schema

    monkeypatch.setattr(camt_schema, "schema_dirs", lambda: [])
    camt_schema.schema_for.cache_clear()
    yield
    camt_schema.schema_for.cache_clear()
