"""Bulk upserts for ERPs: POST a JSON list of rows with the CSV import's column names.

Same rules as the CSV import, because it is the same engine (`ledger.imports.engine`):
all or nothing, every bad row listed (400 with the error list, nothing written), and idempotent
by the ERP's ids (posting the same rows again changes nothing). `?dry_run=1` checks without writing.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import JSONParser
from erp.services import erp_import_rows
from portfolios.access import ImportPermission

MAX_ROWS = 50_000
DRY_RUN = OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Check the rows and write nothing.")


def _row(name: str, required: tuple[str, ...], optional: tuple[str, ...]):
    fields = {col: serializers.CharField(required=True) for col in required}
    fields |= {col: serializers.CharField(required=False, allow_blank=True) for col in optional}
    return type(name, (serializers.Serializer,), fields)


CustomerRow = _row("CustomerRow", ("customer_id", "name"),
                   ("parent_id", "email", "phone", "payment_terms_days", "credit_limit", "currency", "segment",
                    "collector"))
InvoiceRow = _row("InvoiceRow", ("invoice_id", "customer_id", "issue_date", "due_date", "amount", "currency"),
                  ("po_number",))
PaymentRow = _row("PaymentRow", ("payment_id", "customer_id", "received_date", "amount", "currency"),
                  ("invoice_id", "reference"))
CreditRow = _row("CreditRow", ("credit_id", "customer_id", "issue_date", "amount", "currency"), ("invoice_id",))


class ImportError_(serializers.Serializer):
    file = serializers.CharField()
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()


class ImportCounts(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    linked = serializers.IntegerField(required=False, help_text="payments: rows linked to payments taken here "
                                                                "(their `reference` is our payment id)")


class ImportOutcome(serializers.Serializer):
    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    summary = serializers.DictField(child=ImportCounts())
    errors = ImportError_(many=True)
    # --- dupes ---
    warnings = serializers.ListField(child=serializers.CharField(), required=False, help_text=(
        "after an import that wrote: the possible duplicates and discrepancies it flagged (warnings only)"))
    # --- end dupes ---


class _BulkImportView(APIView):
    permission_classes = [ImportPermission]
    parser_classes = [JSONParser]
    kind = ""

    def post(self, request):
        limit_mb = settings.IMPORT_MAX_UPLOAD_MB
        if _content_length(request) > limit_mb * 1024 * 1024:
            return self._refused(f"the body is larger than {limit_mb} MB; send the rows in several requests",
                                 status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        try:
            rows = request.data
        except ParseError as problem:
            return self._refused(f"the body is not valid JSON ({problem.detail})")
        if not isinstance(rows, list) or not rows:
            return self._refused("the body must be a non-empty JSON list of rows")
        if len(rows) > MAX_ROWS:
            return self._refused(f"at most {MAX_ROWS} rows per request")
        unreadable = self._unreadable_text(rows)
        if unreadable:
            return Response({"ok": False, "dry_run": False, "summary": {}, "errors": unreadable},
                            status=status.HTTP_400_BAD_REQUEST)
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        result = erp_import_rows(**{self.kind: rows}, dry_run=dry_run, by=request.user)
        body = {"ok": result.ok, "dry_run": dry_run, "summary": result.summary if result.ok else {},
                "errors": result.errors}
        body["warnings"] = result.warnings  # (dupes) possible duplicates flagged after the import
        return Response(body, status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)

    def _unreadable_text(self, rows) -> list[dict]:
        """Cells no database can store (a NUL character, half of a UTF-16 pair) are bad rows too."""
        errors = []
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                continue
            for column, value in row.items():
                for text in (column, value):
                    if isinstance(text, str) and ("\x00" in text or not _encodable(text)):
                        errors.append({"file": self.kind, "row": number, "column": _printable(column),
                                       "reason": "contains characters that are not valid text"})
                        break
        return errors

    def _refused(self, reason: str, status: int = status.HTTP_400_BAD_REQUEST):
        error = {"file": self.kind, "row": 0, "column": "", "reason": reason}
        return Response({"ok": False, "dry_run": False, "summary": {}, "errors": [error]}, status=status)


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _documented(row):
    return extend_schema(request=row(many=True), parameters=[DRY_RUN],
                         responses={200: ImportOutcome, 400: ImportOutcome, 413: ImportOutcome})


class CustomerImportView(_BulkImportView):
    kind = "customers"

    @_documented(CustomerRow)
    def post(self, request):
        return super().post(request)


class InvoiceImportView(_BulkImportView):
    kind = "invoices"

    @_documented(InvoiceRow)
    def post(self, request):
        return super().post(request)


class PaymentImportView(_BulkImportView):
    kind = "payments"

    @_documented(PaymentRow)
    def post(self, request):
        return super().post(request)


class CreditImportView(_BulkImportView):
    kind = "credits"

    @_documented(CreditRow)
    def post(self, request):
        return super().post(request)
