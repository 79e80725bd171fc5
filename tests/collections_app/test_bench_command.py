import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def test_bench_prints_figures_and_writes_results(tmp_path):
    customer = CustomerFactory()
    InvoiceFactory.create_batch(3, customer=customer)
    out = StringIO()
    call_command("bench", "--small", "--statements", "1", "--output", str(tmp_path / "results.json"), stdout=out)
    printed = out.getvalue()
    assert "dunning pass: invoices evaluated / s" in printed
    assert "aging: engine s / SQL s" in printed
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["book"]["invoices"] == 3
    assert {r["report"] for r in results["reports"]} == {"aging", "dso", "forecast"}
    assert all(r["same"] for r in results["reports"])
