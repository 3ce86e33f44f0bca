"""Imports read what offices send: CSV saved by Excel on Chinese Windows (GB18030), with a BOM, .xlsx, and say
clearly which line of a broken file cannot be read, writing nothing."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.addresses.importer import CSV_COLUMNS
from backend.addresses.models import Address
from backend.extensions import db
from backend.regions.models import Region
from backend.tabular import detect_encoding

# The real Zhejiang division file (the same bytes as the shared data set ../shared/data/divisions-zhejiang.csv).
DIVISIONS = str(Path(__file__).resolve().parent.parent / "backend" / "data" / "divisions-zhejiang.csv")
EN = {"MENPAI_LANG": "en"}


def _divisions() -> str:
    with open(DIVISIONS, encoding="utf-8") as fh:
        return fh.read()


def _excel_csv(text: str, encoding: str) -> bytes:
    """text as Excel writes a CSV: CRLF line ends, in the given encoding."""
    return text.replace("\n", "\r\n").encode(encoding)


def _xlsx(path, text: str, numbers=()):
    """A workbook whose first sheet holds the CSV text; columns in numbers are typed as numbers, as Excel does."""
    book = Workbook()
    sheet = book.active
    rows = list(csv.reader(io.StringIO(text)))
    for n, row in enumerate(rows):
        sheet.append([int(v) if n and i in numbers and v else v for i, v in enumerate(row)])
    book.create_sheet("notes").append(["not read"])
    book.save(path)
    return path


def _regions(app) -> dict[str, tuple[str, str, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(Region)).all()
        return {r.code: (r.name, r.level, r.parent.code if r.parent else None) for r in rows}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def reference():
    """What the UTF-8 file holds, as the database should hold it after any of its copies is imported."""
    regions = {
        r["code"]: (r["name"], r["level"], r["parent_code"] or None) for r in csv.DictReader(io.StringIO(_divisions()))
    }
    assert len(regions) == 1489 and regions["330326"] == ("平阳县", "county", "3303")
    return regions


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("gb18030.csv", lambda: _excel_csv(_divisions(), "gb18030"), id="GB18030 from Excel"),
        pytest.param("gbk.csv", lambda: _excel_csv(_divisions(), "gbk"), id="GBK"),
        pytest.param("bom.csv", lambda: _excel_csv(_divisions(), "utf-8-sig"), id="UTF-8 with BOM"),
    ],
)
def test_division_file_in_any_office_encoding_imports_like_utf8(app, runner, tmp_path, reference, name, content):
    path = tmp_path / name
    path.write_bytes(content())

    result = runner.invoke(args=["regions", "import", str(path)], env=EN)

    assert result.exit_code == 0, result.output
    assert "1489 new" in result.output
    assert _regions(app) == reference


def test_division_xlsx_with_codes_typed_as_numbers_imports_like_utf8(app, runner, tmp_path, reference):
    path = _xlsx(tmp_path / "divisions.xlsx", _divisions(), numbers=(0, 3))

    result = runner.invoke(args=["regions", "import", str(path)], env=EN)

    assert result.exit_code == 0, result.output
    assert _regions(app) == reference


def test_detected_encodings():
    assert detect_encoding(DIVISIONS) == "utf-8-sig"


def test_encoding_option_overrides_detection(app, runner, tmp_path):
    path = tmp_path / "gb.csv"
    path.write_bytes(_excel_csv(_divisions(), "gb18030"))

    wrong = runner.invoke(args=["regions", "import", str(path), "--encoding", "utf-8"], env=EN)
    assert wrong.exit_code == 1 and "Line 2 cannot be read as UTF-8" in wrong.output
    assert _count(app, Region) == 0

    right = runner.invoke(args=["regions", "import", str(path), "--encoding", "GBK"], env=EN)
    assert right.exit_code == 0, right.output
    assert _regions(app)["330326100"] == ("昆阳镇", "township", "330326")

    unknown = runner.invoke(args=["regions", "import", str(path), "--encoding", "klingon"], env=EN)
    assert unknown.exit_code == 1 and "Unknown encoding: klingon." in unknown.output


@pytest.mark.parametrize(("encoding", "shown"), [("utf-8", "UTF-8"), ("gb18030", "GB18030")])
def test_undecodable_division_file_names_its_line_and_writes_nothing(app, runner, tmp_path, encoding, shown):
    lines = _divisions().splitlines(keepends=True)
    raw = [line.encode(encoding) for line in lines]
    raw[56] = raw[56][:4] + b"\xff" + raw[56][4:]  # 0xFF starts no character in either encoding
    path = tmp_path / "broken.csv"
    path.write_bytes(b"".join(raw))

    result = runner.invoke(args=["regions", "import", str(path)], env=EN)

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a ClickException: no traceback
    message = [line for line in result.output.splitlines() if line.strip()]
    assert len(message) == 1 and message[0].startswith(f"Error: Line 57 cannot be read as {shown}"), message
    assert _count(app, Region) == 0


def test_broken_xlsx_and_old_xls_are_refused_in_one_line(app, runner, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")

    for path, text in ((broken, "Error: Cannot read the Excel file:"), (old, "Error: Old Excel files (.xls)")):
        result = runner.invoke(args=["regions", "import", str(path)], env=EN)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        assert result.output.startswith(text) and result.output.count("\n") == 1, result.output
    assert _count(app, Region) == 0


def test_import_boundaries_help_names_the_feature_properties(runner):
    result = runner.invoke(args=["regions", "import-boundaries", "--help"])

    assert result.exit_code == 0
    for prop in ("code", "name", "level", "parent_code", "EPSG:4326", "MultiPolygon"):
        assert prop in result.output


ADDRESS_ROWS = [
    ["GB-1", "330326100001", "坡南街", "８", "鳌峰花园", "2栋", "1", "3", "302", "120.512", "27.605"],
    ["GB-2", "330326100001", "解放街", "12号", "", "", "", "", "", "120.505", "27.61"],
]


def _address_csv(rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([list(CSV_COLUMNS), *rows])
    return out.getvalue()


def _addresses(app) -> dict[str, str]:
    with app.app_context():
        return {a.code: a.full_text for a in db.session.scalars(select(Address).where(Address.code.like("GB-%")))}


@pytest.mark.parametrize("kind", ["gb18030", "utf-8-sig", "xlsx"])
def test_address_file_from_an_office_imports(world, runner, tmp_path, kind):
    text = _address_csv(ADDRESS_ROWS)
    if kind == "xlsx":
        path = _xlsx(tmp_path / "addresses.xlsx", text, numbers=(1,))
    else:
        path = tmp_path / "addresses.csv"
        path.write_bytes(_excel_csv(text, kind))

    result = runner.invoke(args=["addresses", "import", str(path)], env=EN)

    assert result.exit_code == 0, result.output
    assert "Read 2 rows, wrote 2 addresses, rejected 0 rows." in result.output
    assert "Importing addresses" in result.output  # the progress bar still runs
    assert _addresses(world) == {
        "GB-1": "浙江省温州市平阳县昆阳镇西门社区坡南街8号鳌峰花园2幢1单元302室",
        "GB-2": "浙江省温州市平阳县昆阳镇西门社区解放街12号",
    }


def test_address_rejects_in_an_xlsx_name_the_sheet_row(world, runner, tmp_path):
    rows = [ADDRESS_ROWS[0], ["", "", "", "", "", "", "", "", "", "", ""], ["GB-3", "330326100001", "", "1"]]
    path = _xlsx(tmp_path / "bad.xlsx", _address_csv(rows) + "\n,,,,,,,,,,\n")

    result = runner.invoke(args=["addresses", "import", str(path)], env=EN)

    assert result.exit_code == 1
    assert "line 4 [GB-3]: required field road is empty" in result.output  # row 3 was blank and is skipped
    assert _addresses(world) == {}


def test_undecodable_address_file_names_its_line_and_writes_nothing(world, runner, tmp_path):
    rows = [
        *ADDRESS_ROWS,
        *(
            [f"GB-{n}", "330326100001", "解放街", f"{n}号", "", "", "", "", "", "120.505", "27.61"]
            for n in range(3, 40)
        ),
    ]
    raw = _excel_csv(_address_csv(rows), "gb18030").split(b"\r\n")
    raw[30] = raw[30] + b"\x81"  # a lead byte with no second byte: a character cut off by a bad copy
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\r\n".join(raw))

    result = runner.invoke(args=["addresses", "import", str(path)], env=EN)

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Error: Line 31 cannot be read as GB18030" in result.output
    assert "Traceback" not in result.output
    assert _addresses(world) == {}
