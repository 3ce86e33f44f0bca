"""flask regions import: the real Zhejiang file, upserts, and all-or-nothing reject reports."""

import csv

from sqlalchemy import func, select

from backend.extensions import db
from backend.regions.models import Region

ZHEJIANG = "backend/data/divisions-zhejiang.csv"


def count_regions(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Region))


def test_import_loads_every_zhejiang_row_and_reimport_changes_nothing(app, runner):
    result = runner.invoke(args=["regions", "import", ZHEJIANG])
    assert result.exit_code == 0, result.output
    assert count_regions(app) == 1489
    again = runner.invoke(args=["regions", "import", ZHEJIANG], env={"MENPAI_LANG": "en"})
    assert "0 new, 0 updated, 1489 unchanged" in again.output
    with app.app_context():
        pingyang = db.session.scalar(select(Region).where(Region.code == "330326"))
        assert pingyang.name == "平阳县" and pingyang.parent.code == "3303"
        assert [r.code for r in pingyang.children][:2] == ["330326100", "330326101"]


def test_reimport_updates_a_renamed_region_in_place(app, runner, tmp_path):
    runner.invoke(args=["regions", "import", ZHEJIANG])
    with app.app_context():
        before = db.session.scalar(select(Region.id).where(Region.code == "330326100"))
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("code,name,level,parent_code\n330326100,昆阳镇(新),township,330326\n", encoding="utf-8")
    result = runner.invoke(args=["regions", "import", str(renamed)], env={"MENPAI_LANG": "en"})
    assert "0 new, 1 updated, 0 unchanged" in result.output
    with app.app_context():
        region = db.session.scalar(select(Region).where(Region.code == "330326100"))
        assert (region.id, region.name) == (before, "昆阳镇(新)")


BAD_FILE = """code,name,level,parent_code
33,浙江省,province,
3303,温州市,city,33
330326,平阳县,county,3303
330326100,昆阳镇,township,330399
330326101,鳌江镇,village,330326
330427100,错位镇,township,330326
3303,温州市重复,city,33
330326102,,township,330326
330326103X,萧江镇,township,330326
33032610,短码镇,township,330326
"""


def test_bad_rows_are_each_reported_by_line_and_nothing_is_written(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    report = tmp_path / "rejects.csv"
    result = runner.invoke(args=["regions", "import", str(path), "--report", str(report)], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 1
    out = result.output
    assert "line 5 [330326100]: parent code 330399 does not exist" in out
    assert "line 6 [330326101]: level “village” is not one of" in out
    assert "line 7 [330427100]: the code does not extend its parent's code 330326" in out
    assert "line 8 [3303]: duplicate code (first on line 3)" in out
    assert "line 9 [330326102]: no name" in out
    assert "line 10 [330326103X]: a code has digits only" in out
    assert "line 11 [33032610]: code length 8 does not fit level township (9 digits)" in out
    assert "7 rows rejected; nothing from the file was written" in out
    assert count_regions(app) == 0
    with report.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["line"]) for r in rows] == [5, 6, 7, 8, 9, 10, 11]
    assert rows[0]["reason_code"] == "unknown_parent"


def test_children_of_a_rejected_row_are_rejected_too(app, runner, tmp_path):
    path = tmp_path / "orphans.csv"
    path.write_text(
        "code,name,level,parent_code\n33,浙江省,province,\n3303,温州市,town,33\n330326,平阳县,county,3303\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["regions", "import", str(path)], env={"MENPAI_LANG": "en"})
    assert "line 4 [330326]: parent code 3303 does not exist" in result.output
    assert count_regions(app) == 0


def test_file_without_the_expected_columns_is_refused_clearly(runner, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("id,title\n1,x\n", encoding="utf-8")
    result = runner.invoke(args=["regions", "import", str(path)], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 1
    assert "The CSV lacks columns: code, name, level, parent_code" in result.output
