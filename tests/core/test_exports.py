"""Every download: no cell runs as a formula (CSV and XLSX), and the XLSX is a readable spreadsheet."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from django.utils import timezone

from core.exports import excel_date_format, frame_response, neutralized, totals_of

HOSTILE = ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", '=HYPERLINK("http://evil.example","click")', "\t=1+1",
           "\r=1+1"]


def sheet_of(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def rows_of_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"customer": HOSTILE, "open": [Decimal("-12.50")] * len(HOSTILE),
                         "days": [-3] * len(HOSTILE)})


def test_text_that_starts_like_a_formula_is_plain_text_in_csv():
    rows = rows_of_csv(frame_response(hostile_frame(), "t", "csv"))
    assert [row[0] for row in rows[1:]] == ["'" + text for text in HOSTILE]
    assert {row[1] for row in rows[1:]} == {"-12.50"} and {row[2] for row in rows[1:]} == {"-3"}  # numbers stay


def test_text_that_starts_like_a_formula_is_a_string_cell_in_xlsx_and_negative_numbers_stay_numbers():
    ws = sheet_of(frame_response(hostile_frame(), "t", "xlsx"))
    cells = [ws.cell(row=n, column=1) for n in range(2, len(HOSTILE) + 2)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells] == ["'" + text for text in HOSTILE]  # the write-only writer escapes CR (&#13;)
    assert ws.cell(row=2, column=2).value == -12.5 and ws.cell(row=2, column=2).data_type == "n"
    assert ws.cell(row=2, column=3).value == -3 and ws.cell(row=2, column=3).data_type == "n"


def test_neutralized_leaves_ordinary_text_and_numbers_alone():
    assert neutralized("Acme - East") == "Acme - East"
    assert neutralized(Decimal("-1")) == Decimal("-1") and neutralized(-1) == -1
    assert neutralized("-1") == "'-1"  # text, not a number: neutralized like any text


def test_xlsx_has_number_and_date_formats_widths_a_frozen_header_and_a_totals_row():
    when = timezone.make_aware(datetime(2026, 9, 30, 14, 5))
    frame = pd.DataFrame({
        "customer": ["Greenleaf Outfitters", "Brightwater Supply Company Incorporated"],
        "invoices": [2, 3], "open (base)": [Decimal("1234.5"), Decimal("10.25")],
        "% past due": [Decimal("50"), Decimal("10")], "due": [date(2026, 9, 1), date(2026, 10, 1)],
        "saved": [when, when],
    })
    ws = sheet_of(frame_response(frame, "aging", "xlsx"))
    assert [c.value for c in ws[1]] == list(frame.columns) and ws["A1"].font.b
    assert ws.freeze_panes == "A2"
    assert ws["C2"].number_format == "#,##0.00" and ws["B2"].number_format == "#,##0"
    assert ws["E2"].is_date and ws["E2"].number_format == excel_date_format() == "mmm d, yyyy"  # the pages' format
    assert ws["F2"].value == datetime(2026, 9, 30, 14, 5) and ws["F2"].number_format == "mmm d, yyyy hh:mm"
    assert ws.column_dimensions["A"].width >= len("Brightwater Supply Company Incorporated")
    assert ws.column_dimensions["C"].width >= len("open (base)")
    total = [c.value for c in ws[4]]
    assert total[:4] == ["Total", 5, 1244.75, None] and ws["A4"].font.b  # a rate does not add up


def test_totals_leave_out_amounts_in_each_rows_own_currency_and_follow_the_frames_choice():
    mixed = pd.DataFrame({"currency": ["USD", "EUR"], "open": [Decimal("1"), Decimal("2")],
                          "open (base)": [Decimal("1"), Decimal("2.2")], "invoices": [1, 1]})
    assert totals_of(mixed) == ["open (base)", "invoices"]
    series = pd.DataFrame({"month": ["2026-08", "2026-09"], "AR": [Decimal("5"), Decimal("6")],
                           "collected": [Decimal("1"), Decimal("2")]})
    series.attrs["totals"] = ["collected"]
    assert totals_of(series) == ["collected"]
    ws = sheet_of(frame_response(series, "kpis", "xlsx"))
    assert [c.value for c in ws[4]] == ["Total", None, 3]


def test_csv_keeps_its_plain_machine_format():
    frame = pd.DataFrame({"due": [date(2026, 9, 1)], "open": [Decimal("1.005")], "note": [None]})
    assert rows_of_csv(frame_response(frame, "t", "csv")) == [["due", "open", "note"], ["2026-09-01", "1.00", ""]]


@pytest.mark.django_db
def test_a_customer_imported_as_a_formula_downloads_as_text(client):
    from ledger.imports.engine import import_rows
    from tests.factories import manager

    result = import_rows(
        customers=[{"customer_id": "X1", "name": "=HYPERLINK(\"http://evil.example\",\"x\")", "parent_id": "",
                    "email": "ap@x.example", "phone": "", "payment_terms_days": "30", "credit_limit": "1000.00",
                    "currency": "USD", "segment": "smb", "collector": ""}],
        invoices=[{"invoice_id": "=1+1", "customer_id": "X1", "issue_date": "2026-09-01", "due_date": "2026-10-01",
                   "amount": "100.00", "currency": "USD", "po_number": ""}],
    )
    assert result.ok, result.error_lines()
    client.force_login(manager())
    url = "/reports/aging/invoices/"
    csv_rows = rows_of_csv(client.get(url, {"as_of": "2026-10-15", "export": "csv", "table": "invoices"}))
    assert csv_rows[1][:2] == ["'=1+1", "'=HYPERLINK(\"http://evil.example\",\"x\")"]
    ws = sheet_of(client.get(url, {"as_of": "2026-10-15", "export": "xlsx", "table": "invoices"}))
    assert ws["A2"].data_type == ws["B2"].data_type == "s" and ws["A2"].value == "'=1+1"


def test_xlsx_is_written_row_by_row_in_write_only_mode(monkeypatch):
    """A 30,000-row download streams its rows (openpyxl write-only) instead of building a grid of cells;
    the file still has every row, typed, with the totals row last."""
    import core.exports as exports

    made = []
    real = exports.Workbook

    def spy(*args, **kwargs):
        made.append(kwargs.get("write_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(exports, "Workbook", spy)
    rows = 30_000
    frame = pd.DataFrame({"invoice": [f"INV{n}" for n in range(rows)], "open base": [Decimal("1.25")] * rows})
    ws = sheet_of(frame_response(frame, "big", "xlsx"))
    assert made == [True]
    assert ws.max_row == rows + 2  # header, rows, totals
    assert ws.cell(row=rows + 2, column=2).value == pytest.approx(37_500)
    assert ws.cell(row=rows + 1, column=1).value == f"INV{rows - 1}"
