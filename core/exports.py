"""Every report table downloads as CSV or XLSX with the figures the page shows (2 decimals)."""

import io
from decimal import Decimal

import pandas as pd
from django.http import Http404, HttpResponse

from core.money import CENT

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def for_display(value: object) -> object:
    """Decimals are rounded to 2 places here, for display and export only, never in the engine."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return value


def frame_response(df: pd.DataFrame, filename: str, fmt: str) -> HttpResponse:
    """A download of `df` as `<filename>.csv` or `<filename>.xlsx` (pandas + openpyxl)."""
    if fmt not in FORMATS:
        raise Http404(f"Unknown export format {fmt!r}")
    content_type, extension = FORMATS[fmt]
    shown = df.copy()
    for column in shown.columns:
        if shown[column].dtype == object:
            shown[column] = shown[column].map(for_display)
    if fmt == "csv":
        body = shown.to_csv(index=False).encode("utf-8")
    else:
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            shown.to_excel(writer, index=False, sheet_name=filename[:31])
        body = buffer.getvalue()
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response
