"""ERP exports as they come: each mapping option, encoding and delimiter detection, XLSX."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ledger.imports.detect import delimiter_of, detect, encoding_of
from ledger.imports.mapped import import_mapped, preview
from ledger.imports.mapping import Mapping, MappingError, read_amount, read_date
from ledger.imports.validation import BadValue
from ledger.models import Customer, Invoice, Payment
from tests.ledger.test_import_rules import csv_of, customer, invoice, nothing_written, reasons, rejected

pytestmark = pytest.mark.django_db

ERP_HEADER = ["Doc No", "Cust", "Doc Date", "Due", "Total", "Curr", "Ignored"]


def erp_csv(*rows, header=ERP_HEADER, delimiter=",", encoding="utf-8") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


ERP_COLUMNS = {"invoice_id": "Doc No", "customer_id": "Cust", "issue_date": "Doc Date", "due_date": "Due",
               "amount": "Total", "currency": "Curr"}


def mapped(**options) -> Mapping:
    return Mapping(columns=ERP_COLUMNS, **options)


def test_columns_dates_and_separators_of_an_erp_export():
    customers = csv_of("customers", customer(limit="1.000,00"))  # a mapping reads every file of the upload
    result = import_mapped(mapping=mapped(date_format="dmy", decimal=",", thousands="."), customers=customers,
                           invoices=erp_csv(["I1", "C1", "31.12.2026", "30.01.2027", '"1.234,50"', "EUR", "x"]))
    assert result.ok, result.errors
    inv = Invoice.objects.get()
    assert (inv.issue_date, inv.due_date, inv.amount, inv.currency) == (date(2026, 12, 31), date(2027, 1, 30),
                                                                        Decimal("1234.50"), "EUR")


@pytest.mark.parametrize(("date_format", "cell", "expected"), [
    ("iso", "2026-03-04", date(2026, 3, 4)), ("dmy", "4/3/2026", date(2026, 3, 4)),
    ("dmy", "04.03.2026", date(2026, 3, 4)),
    ("mdy", "3/4/2026", date(2026, 3, 4)), ("mdy", "03-04-2026 00:00", date(2026, 3, 4)),
])
def test_date_formats(date_format, cell, expected):
    assert read_date(cell, date_format) == expected


@pytest.mark.parametrize(("date_format", "cell", "reason"), [
    ("mdy", "13/4/2026", "not a real date in the form M/D/YYYY"), ("dmy", "4/3/26", "four-digit year"),
    ("iso", "4/3/2026", "four-digit year"), ("mdy", "tomorrow", "not a date in the form M/D/YYYY"),
])
def test_bad_dates_say_the_format(date_format, cell, reason):
    value = read_date(cell, date_format)
    assert isinstance(value, BadValue) and reason in value.reason


@pytest.mark.parametrize(("cell", "options", "expected"), [
    ("1234.50", {}, "1234.50"), ("1234,50", {"decimal": ","}, "1234.50"),
    ("1,234.50", {"thousands": ","}, "1234.50"), ("1.234.567,5", {"decimal": ",", "thousands": "."}, "1234567.5"),
    ("1 234,50", {"decimal": ",", "thousands": " "}, "1234.50"), ("1'234.50", {"thousands": "'"}, "1234.50"),
    ("(12.50)", {"parentheses": True}, "-12.50"), ("12.50-", {}, "-12.50"), ("-12.50", {"sign": "absolute"}, "12.50"),
    ("-12.50", {"sign": "inverted"}, "12.50"), ("(12.50)", {"parentheses": True, "sign": "absolute"}, "12.50"),
])
def test_amount_options(cell, options, expected):
    settings = {"decimal": ".", "thousands": "", "parentheses": False, "sign": "as-is"} | options
    assert read_amount(cell, **settings) == Decimal(expected)


@pytest.mark.parametrize(("cell", "options", "reason"), [
    ("1,234.50", {}, "decimal point '.'"), ("12,34.50", {"thousands": ","}, "thousands separator ',' in the wrong"),
    ("(12.50)", {}, "not an amount"), ("1.234,50", {"decimal": ","}, "decimal comma ','"),
])
def test_bad_amounts_say_what_the_mapping_reads(cell, options, reason):
    settings = {"decimal": ".", "thousands": "", "parentheses": False, "sign": "as-is"} | options
    value = read_amount(cell, **settings)
    assert isinstance(value, BadValue) and reason in value.reason


def test_every_bad_cell_of_a_mapped_file_is_listed_and_nothing_written():
    data = erp_csv(["I1", "C1", "2026-13-01", "2026-10-01", '"12,50"', "USD", ""],
                   ["I2", "C1", "2026-09-01", "2026-10-01", "(5.00)", "USD", ""],
                   ["I3", "C1", "2026-09-01", "2026-10-01", "5.00", "", ""])
    result = import_mapped(mapping=mapped(), customers=csv_of("customers", customer()), invoices=data)
    assert rejected(result) == [("invoices", 2, "issue_date"), ("invoices", 2, "amount"), ("invoices", 3, "amount"),
                                ("invoices", 4, "currency")]
    assert "not a real date" in reasons(result) and "decimal point" in reasons(result)
    nothing_written()


def test_negative_amounts_still_refused_unless_the_sign_convention_says_so():
    data = erp_csv(["I1", "C1", "2026-09-01", "2026-10-01", "-5.00", "USD", ""])
    customers = csv_of("customers", customer())
    assert "is negative" in reasons(import_mapped(mapping=mapped(), customers=customers, invoices=data))
    assert import_mapped(mapping=mapped(sign="absolute"), customers=customers, invoices=data).ok
    assert Invoice.objects.get().amount == Decimal("5.00")


def test_default_currency_a_code_or_the_customers():
    header = ERP_HEADER[:5]
    columns = {k: v for k, v in ERP_COLUMNS.items() if k != "currency"}
    customers = csv_of("customers", customer(), customer("C2", "Beta", currency="EUR"))
    data = erp_csv(["I1", "C1", "2026-09-01", "2026-10-01", "5.00"], ["I2", "C2", "2026-09-01", "2026-10-01", "6.00"],
                   header=header)
    assert "missing column" in reasons(import_mapped(mapping=Mapping(columns=columns), customers=customers,
                                                     invoices=data))
    assert import_mapped(mapping=Mapping(columns=columns, default_currency="customer"), customers=customers,
                         invoices=data).ok
    assert dict(Invoice.objects.values_list("external_id", "currency")) == {"I1": "USD", "I2": "EUR"}
    more = erp_csv(["I3", "C2", "2026-09-01", "2026-10-01", "7.00"], ["I4", "NEW", "2026-09-01", "2026-10-01", "1"],
                   header=header)
    result = import_mapped(mapping=Mapping(columns=columns, default_currency="customer"), invoices=more)
    assert rejected(result) == [("invoices", 3, "currency")]  # I3's currency is C2's, from the ledger
    assert "customer NEW is neither in the customers file nor in the ledger" in reasons(result)
    assert Mapping(default_currency="chf").default_currency == "CHF"


def test_create_customers_from_the_invoices_with_their_names():
    Customer.objects.create(external_id="OLD", name="Kept name", payment_terms_days=45, currency="USD")
    header = ["Doc No", "Cust", "Customer name", "Doc Date", "Due", "Total"]
    columns = {k: v for k, v in ERP_COLUMNS.items() if k != "currency"} | {"customer_name": "Customer name"}
    data = erp_csv(["I1", "N1", "New One", "2026-09-01", "2026-10-01", "5.00"],
                   ["I2", "N1", "New One", "2026-09-02", "2026-10-02", "5.00"],
                   ["I3", "OLD", "Renamed?", "2026-09-01", "2026-10-01", "5.00"], header=header)
    mapping = Mapping(columns=columns, default_currency="GBP", create_customers=True)
    result = import_mapped(mapping=mapping, invoices=data)
    assert result.ok, result.errors
    assert result.summary["customers"] == {"created": 1, "updated": 0, "unchanged": 0}
    made = Customer.objects.get(external_id="N1")
    assert (made.name, made.currency, made.payment_terms_days) == ("New One", "GBP", 30)
    assert Customer.objects.get(external_id="OLD").name == "Kept name"
    refused = import_mapped(mapping=mapping, invoices=data, customers=csv_of("customers", customer()))
    assert "only when no customers file is given" in reasons(refused)


def test_create_customers_is_all_or_nothing():
    header = ["Doc No", "Cust", "Doc Date", "Due", "Total"]
    columns = {k: v for k, v in ERP_COLUMNS.items() if k != "currency"}
    data = erp_csv(["I1", "N1", "2026-09-01", "2026-10-01", "5.00"], ["I2", "N2", "2026-09-01", "2026-08-01", "5"],
                   header=header)
    result = import_mapped(mapping=Mapping(columns=columns, default_currency="USD", create_customers=True),
                           invoices=data)
    assert rejected(result) == [("invoices", 3, "due_date")]
    nothing_written()


def test_settled_date_makes_a_payment_and_a_bad_one_is_named():
    header = ["Doc No", "Cust", "Doc Date", "Due", "Total", "Paid on"]
    columns = {k: v for k, v in ERP_COLUMNS.items() if k != "currency"} | {"settled_date": "Paid on"}
    mapping = Mapping(columns=columns, default_currency="USD", create_customers=True, date_format="mdy")
    bad = erp_csv(["I1", "N1", "9/1/2026", "10/1/2026", "5.00", "9/31/2026"], header=header)
    result = import_mapped(mapping=mapping, invoices=bad)
    assert rejected(result) == [("payments", 2, "received_date")]
    data = erp_csv(["I1", "N1", "9/1/2026", "10/1/2026", "5.00", "9/20/2026"],
                   ["I2", "N1", "9/2/2026", "10/2/2026", "7.00", ""], header=header)
    assert import_mapped(mapping=mapping, invoices=data).ok
    payment = Payment.objects.get()
    assert (payment.external_id, payment.amount, payment.received_date) == ("SETTLED-I1", 5, date(2026, 9, 20))
    assert dict(Invoice.objects.values_list("external_id", "open_amount")) == {"I1": 0, "I2": 7}


@pytest.mark.parametrize(("encoding", "detected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"),
    ("windows-1252", "windows-1252"),
])
def test_encodings_are_detected_and_read(encoding, detected):
    customers = ("Id;Name;Währung\r\nC1;Café Müller – Ørsted;EUR\r\n").encode(encoding)
    mapping = Mapping(columns={"customer_id": "Id", "name": "Name", "currency": "Währung"})
    assert encoding_of(customers) == detected
    result = import_mapped(mapping=mapping, customers=customers)
    assert result.ok, result.errors
    assert Customer.objects.get().name == "Café Müller – Ørsted"


def test_a_given_encoding_wins_and_a_wrong_one_is_reported():
    data = "customer_id,name\r\nC1,Müller\r\n".encode("cp850")
    assert import_mapped(mapping=Mapping(encoding="cp850"), customers=data).ok
    assert Customer.objects.get().name == "Müller"
    result = import_mapped(mapping=Mapping(encoding="utf-8"), customers=data)
    assert "the file is not utf-8" in reasons(result)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(delimiter):
    data = erp_csv(["I1", "C1", "2026-09-01", "2026-10-01", "5.00", "USD", "a b"], delimiter=delimiter)
    assert detect(data).delimiter == delimiter
    result = import_mapped(mapping=mapped(), customers=csv_of("customers", customer()), invoices=data)
    assert result.ok, result.errors


def test_a_one_column_file_and_a_given_delimiter():
    assert delimiter_of("customer_id\nC1\n") == ","
    data = b"customer_id;name\r\nC1;A,B\r\n"
    assert import_mapped(mapping=Mapping(delimiter=";"), customers=data).ok
    assert Customer.objects.get().name == "A,B"


def workbook(rows, sheet="Open items", second=None) -> bytes:
    book = Workbook()
    book.active.title = "Cover" if second else sheet
    if second:
        book.active.append(["not", "this"])
        book.create_sheet(sheet)
    target = book[sheet]
    for row in rows:
        target.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_imports_like_csv_with_typed_cells():
    data = workbook([ERP_HEADER, ["I1", "C1", datetime(2026, 9, 1), datetime(2026, 10, 1), 1234.5, "USD", None],
                     [1002, "C1", "9/2/2026", "10/2/2026", 10, "USD", None], [None] * 7])
    result = import_mapped(mapping=mapped(date_format="mdy"), customers=csv_of("customers", customer()), invoices=data)
    assert result.ok, result.errors
    assert dict(Invoice.objects.values_list("external_id", "amount")) == {"I1": Decimal("1234.50"), "1002": 10}


def test_xlsx_named_sheet_and_a_missing_one():
    data = workbook([["customer_id", "name"], ["C1", "Acme"]], second=True)
    assert "no sheet 'Nope'" in reasons(import_mapped(mapping=Mapping(sheet="Nope"), customers=data))
    assert "unexpected column" in reasons(import_mapped(mapping=Mapping(), customers=data))  # the first sheet
    assert import_mapped(mapping=Mapping(sheet="Open items"), customers=data).ok
    assert Customer.objects.get().name == "Acme"


def test_xlsx_bad_cells_are_listed_with_their_rows():
    data = workbook([ERP_HEADER, ["I1", "C1", "not a date", datetime(2026, 10, 1), -3, "USD", None]])
    result = import_mapped(mapping=mapped(), customers=csv_of("customers", customer()), invoices=data)
    assert rejected(result) == [("invoices", 2, "issue_date"), ("invoices", 2, "amount")]


def test_native_files_read_through_an_empty_mapping_as_before():
    customers, invoices = csv_of("customers", customer()), csv_of("invoices", invoice())
    result = import_mapped(mapping=Mapping(), customers=customers, invoices=invoices)
    assert result.ok and result.summary["invoices"]["created"] == 1
    assert import_mapped(mapping=Mapping(), customers=customers, invoices=invoices).summary["invoices"] == {
        "created": 0, "updated": 0, "unchanged": 1}


def test_bad_options_are_named():
    with pytest.raises(MappingError) as problem:
        Mapping(columns={"amount": "", "nope": "X"}, date_format="ymd", decimal=";", default_currency="EURO",
                encoding="klingon", delimiter="#")
    text = str(problem.value)
    for part in ("'nope' is not one of our columns", "empty column name", "date format 'ymd'", "decimal ';'",
                 "'EURO' is not an ISO 4217", "'klingon'", "delimiter '#'"):
        assert part in text
    with pytest.raises(MappingError, match="unknown option 'colour'"):
        Mapping.from_dict({"colour": "red"})
    assert Mapping.from_dict(Mapping(decimal=",", thousands=".").as_dict()) == Mapping(decimal=",", thousands=".")


def test_missing_mapped_column_says_what_it_was_mapped_to():
    result = import_mapped(mapping=Mapping(columns={"customer_id": "KUNNR"}), customers=b"Kunde,name\r\nC1,A\r\n")
    assert "missing column (mapped to 'KUNNR', which the file does not have)" in reasons(result)


def test_preview_shows_rows_as_read_with_problem_cells():
    data = erp_csv(["I1", "C1", "1/9/2026", "1/10/2026", "1.234,50", "EUR", "x"],
                   ["I2", "C1", "31/9/2026", "1/10/2026", "abc", "EUR", "x"], delimiter=";", encoding="windows-1252")
    [shown] = preview({"invoices": data}, mapped(date_format="dmy", decimal=",", thousands="."))
    assert shown.detected == "CSV, windows-1252 (detected), ';' (detected)" or "utf-8" in shown.detected
    assert shown.ignored == ["Ignored"]
    assert ("invoice_id", "Doc No") in shown.columns
    first, second = shown.rows
    assert first[0] == 2 and ("2026-09-01", "") in first[1] and ("1234.50", "") in first[1]
    problems = [problem for _value, problem in second[1] if problem]
    assert len(problems) == 2 and shown.problems == 2


def test_made_customers_give_their_currency_to_rows_that_take_the_customers(settings):
    settings.BASE_CURRENCY = "CAD"
    header = ["Doc No", "Cust", "Doc Date", "Due", "Total"]
    columns = {k: v for k, v in ERP_COLUMNS.items() if k != "currency"}
    data = erp_csv(["I1", "N1", "2026-09-01", "2026-10-01", "5.00"], header=header)
    result = import_mapped(mapping=Mapping(columns=columns, default_currency="customer", create_customers=True),
                           invoices=data)
    assert result.ok, result.errors
    assert (Customer.objects.get().currency, Invoice.objects.get().currency) == ("CAD", "CAD")


def test_our_own_columns_in_another_encoding_and_delimiter_are_detected_without_options():
    """The import's every door (erp.services.erp_import_files) detects what is not our plain CSV."""
    from erp.services import erp_import_files

    customers = ";".join(customer(name="Café Zoë")).encode("windows-1252")
    header = ";".join(["customer_id", "name", "parent_id", "email", "phone", "payment_terms_days", "credit_limit",
                       "currency", "segment", "collector"]).encode()
    invoices = csv_of("invoices", invoice()).decode().replace(",", "\t").encode("utf-16")
    result = erp_import_files(customers=header + b"\r\n" + customers + b"\r\n", invoices=invoices)
    assert result.ok, result.errors
    assert Customer.objects.get().name == "Café Zoë"
    assert Invoice.objects.get().amount == Decimal("1000.00")
