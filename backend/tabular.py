"""Read the tables offices send: CSV in UTF-8 (with or without BOM) or GB18030 (Excel on Chinese Windows), or .xlsx.

A table is a file, or an upload's bytes (`Upload`: read where it is, never written to disk — a staff list holds
phone numbers). Rows come as (line, {column: text}) with the header as line 1, whichever the format, so reject
reports name the line a clerk sees in Excel. A file that cannot be decoded is one error naming its first bad line,
raised while reading (importers read everything before they write, so nothing is written).
"""

import codecs
import csv
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from charset_normalizer import from_bytes

from backend.errors import ValidationError

# What offices send: UTF-8 (Excel's "CSV UTF-8" adds a BOM) or GBK, which GB18030 contains.
CANDIDATES = ("utf_8", "gb18030")
CHINESE = {"gb18030", "gbk", "gb2312", "cp936", "hz", "euc_cn"}
SAMPLE_BYTES = 1 << 20
DISPLAY = {"utf-8-sig": "UTF-8", "gb18030": "GB18030"}


@dataclass
class Upload:
    """An uploaded table: its bytes and the name it came with (its suffix says CSV or workbook)."""

    data: bytes
    name: str


def _binary(source):
    """The table's bytes as a file opened for reading."""
    return io.BytesIO(source.data) if isinstance(source, Upload) else open(source, "rb")


@dataclass
class Table:
    """A table being read: its header, and its rows as (line, fields) with every value as stripped text."""

    fieldnames: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]


def detect_encoding(path) -> str:
    """The encoding of a text file (or an Upload), judged by charset-normalizer on its first MB (UTF-8 when nothing
    fits)."""
    with _binary(path) as fh:
        sample = fh.read(SAMPLE_BYTES)
    if len(sample) == SAMPLE_BYTES:  # whole lines only: a character cut in two is no evidence against UTF-8
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    best = from_bytes(sample, cp_isolation=list(CANDIDATES)).best()
    if best is not None:
        return canonical(best.encoding)
    # Neither decodes: read it in the one that gets furthest, so the error names the line that is really broken.
    codecs_ = [canonical(c) for c in CANDIDATES]
    return max(codecs_, key=lambda codec: (bad_line(path, codec) or (float("inf"), None))[0])


def canonical(encoding: str) -> str:
    """A Python codec name for an encoding name; UTF-8 reads a BOM too, any GB encoding reads as GB18030."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValidationError("error.encoding_unknown", encoding=encoding) from None
    if name in ("utf-8", "utf-8-sig"):
        return "utf-8-sig"
    return "gb18030" if name.replace("-", "_") in CHINESE else name


@contextmanager
def open_table(path, encoding: str | None = None) -> Iterator[Table]:
    """Open a .csv (encoding detected unless given) or an .xlsx (its first sheet) as a Table; path may be an Upload."""
    suffix = Path(path.name if isinstance(path, Upload) else path).suffix.lower()
    if suffix == ".xls":
        raise ValidationError("error.xls_unsupported")
    if suffix in (".xlsx", ".xlsm"):
        with _xlsx(path) as table:
            yield table
        return
    codec = canonical(encoding) if encoding else detect_encoding(path)
    with io.TextIOWrapper(_binary(path), newline="", encoding=codec) as fh:
        reader = csv.DictReader(fh)
        fieldnames = _decoded(path, codec, lambda: [(f or "").strip() for f in reader.fieldnames or []], reader)
        yield Table(fieldnames, _csv_rows(path, codec, reader))


def _csv_rows(path, codec, reader) -> Iterator[tuple[int, dict[str, str]]]:
    rows = iter(reader)
    while (row := _decoded(path, codec, lambda: next(rows, None), reader)) is not None:
        # A row longer than the header keeps its extra cells as a list under None: they belong to no column.
        yield reader.line_num, {(k or "").strip(): (v or "").strip() for k, v in row.items() if not isinstance(v, list)}


def _decoded(path, codec, read, reader=None):
    """read(), with a file that cannot be read turned into one error naming its line."""
    try:
        return read()
    except UnicodeDecodeError as first:
        line, err = bad_line(path, codec) or (1, first)
        name = DISPLAY.get(codec, codec)
        raise ValidationError("error.file_encoding", line=line, encoding=name, detail=err.reason) from None
    except csv.Error as err:  # a NUL byte, a quote left open at the end of the file
        line = reader.line_num if reader is not None else 1
        raise ValidationError("error.csv_unreadable", line=line, detail=str(err)) from None


def bad_line(path, codec) -> tuple[int, UnicodeDecodeError] | None:
    """The first line of a file that does not decode in codec, and why (no newline byte occurs inside a character
    of UTF-8 or GB18030, so a file can be checked a line at a time)."""
    decoder = codecs.getincrementaldecoder(codec)()
    line = 0
    with _binary(path) as fh:
        for line, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as err:
                return line, err
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:  # the file ends inside a character
        return line, err
    return None


@contextmanager
def _xlsx(path) -> Iterator[Table]:
    """The first sheet of a workbook, streamed (read-only mode keeps a large sheet out of memory)."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it does not read; none of them matter for values.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        try:
            source = io.BytesIO(path.data) if isinstance(path, Upload) else path
            book = load_workbook(source, read_only=True, data_only=True)
            rows = book.worksheets[0].iter_rows(values_only=True)
            header = next(rows, ())
        except Exception as exc:  # not a zip, not a workbook, a part missing: openpyxl raises many kinds
            raise ValidationError("error.xlsx_unreadable", detail=str(exc) or type(exc).__name__) from None
        try:
            fieldnames = [_text(v) for v in header]
            yield Table(fieldnames, _sheet_rows(fieldnames, rows))
        finally:
            book.close()


def _sheet_rows(fieldnames, rows) -> Iterator[tuple[int, dict[str, str]]]:
    for line, values in enumerate(rows, start=2):
        fields = {name: _text(v) for name, v in zip(fieldnames, values, strict=False) if name}
        if any(fields.values()):  # Excel keeps formatted but empty rows at the end of a sheet
            yield line, fields


def _text(value) -> str:
    """A cell as the text a CSV would hold: codes typed as numbers lose no digits and gain no '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()
