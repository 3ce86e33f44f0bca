"""Exports (导出) of any cockpit list as CSV or XLSX, streamed: rows are written as the query yields them.

CSV goes out line by line (UTF-8 with a BOM so Excel reads the Chinese). XLSX is a zip whose directory comes last,
so XlsxWriter writes it row by row in constant-memory mode to a temporary file, which is then streamed and deleted.
"""

import csv
import io
import os
import tempfile
from datetime import date, datetime

import xlsxwriter
from flask import Response, request, stream_with_context

from backend.errors import ValidationError
from backend.i18n import t

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 64 * 1024


def wanted() -> str | None:
    """The ?format= of the request: None for JSON."""
    fmt = request.args.get("format")
    if fmt in (None, "", "json"):
        return None
    if fmt not in FORMATS:
        raise ValidationError(fields={"format": "error.not_a_choice"})
    return fmt


FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """Dates as ISO text; text that a spreadsheet would run as a formula (an address typed as "=…") made inert."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value


def _csv(headers, rows):
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(headers)
    yield "\ufeff" + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        out.writerow([_plain(v) for v in row])
        yield buf.getvalue()


def _xlsx(headers, rows):
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "remove_timezone": True})
        sheet = book.add_worksheet()
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, headers, bold)
        for n, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                value = _plain(value)
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    # write_string, never write(): XlsxWriter would store "=…" as a formula.
                    sheet.write_string(n, col, "" if value is None else str(value))
                else:
                    sheet.write_number(n, col, value)
        book.close()
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def respond(fmt: str, name: str, columns: list[str], rows) -> Response:
    """A streamed download: headers are the translated `export.<column>` texts, rows any iterable of tuples."""
    headers = [t(f"export.{c}") for c in columns]
    body = _csv(headers, rows) if fmt == "csv" else _xlsx(headers, rows)
    response = Response(stream_with_context(body), content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
