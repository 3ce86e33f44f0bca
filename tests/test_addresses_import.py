"""flask addresses import: CSV and GeoJSON, reject reports, upsert by code, progress."""

import json

from sqlalchemy import func, select

from backend.addresses.importer import CSV_COLUMNS
from backend.addresses.models import Address
from backend.extensions import db

HEADER = ",".join(CSV_COLUMNS)


def write_csv(path, *rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def addresses(app):
    with app.app_context():
        return {a.code: a for a in db.session.scalars(select(Address))}


def test_csv_import_builds_full_text_and_assigns_grid(world, runner, tmp_path):
    path = write_csv(tmp_path / "a.csv", "N-1,330326100001,坡南街,８,鳌峰花园,2栋,1,3,302,120.512,27.605")
    result = runner.invoke(args=["addresses", "import", str(path)], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert "Read 1 rows, wrote 1 addresses, rejected 0 rows." in result.output
    assert "Importing addresses" in result.output  # the progress bar
    a = addresses(world)["N-1"]
    assert a.full_text == "浙江省温州市平阳县昆阳镇西门社区坡南街8号鳌峰花园2幢1单元302室"
    assert a.scope_code == "330326100001002"


def test_geojson_import(world, runner, tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [120.53, 27.605]},
                "properties": {"code": "G-1", "region_code": "330326100002", "road": "县前街", "door_number": "9号"},
            }
        ],
    }
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["addresses", "import", str(path)]).exit_code == 0
    a = addresses(world)["G-1"]
    assert (a.full_text, a.scope_code) == ("浙江省温州市平阳县昆阳镇县前社区县前街9号", "330326100002001")


def test_reimport_updates_by_code_and_keeps_the_row(world, runner, tmp_path):
    before = addresses(world)["A2-1"]
    path = write_csv(tmp_path / "u.csv", "A2-1,330326100001,解放街,99,,,,,,120.505,27.615")
    assert runner.invoke(args=["addresses", "import", str(path)]).exit_code == 0
    after = addresses(world)["A2-1"]
    assert after.id == before.id
    assert after.full_text.endswith("西门社区解放街99号")
    assert after.scope_code == "330326100001001"  # moved: re-assigned to the grid of its new point


def test_bad_rows_are_reported_and_nothing_is_written(world, runner, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        "OK-1,330326100001,解放街,1,,,,,,120.505,27.61",
        "BAD-1,330326100001,解放街,2,,,,,,27.61,120.505",
        "BAD-2,330326999001,解放街,3,,,,,,120.505,27.61",
        "BAD-3,330326100001,,4,,,,,,120.505,27.61",
        "OK-1,330326100001,解放街,5,,,,,,120.505,27.61",
        "BAD-4,330326,解放街,6,,,,,,120.505,27.61",
        "BAD-5,330326100001,解放街,7,,,,,,east,27.61",
        "BAD 6,330326100001,解放街,8,,,,,,120.505,27.61",
    )
    report = tmp_path / "r.csv"
    result = runner.invoke(args=["addresses", "import", str(path), "--report", str(report)], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 1
    out = result.output
    assert "line 3 [BAD-1]: longitude and latitude look swapped" in out
    assert "line 4 [BAD-2]: unknown region code" in out
    assert "line 5 [BAD-3]: required field road is empty" in out
    assert "line 6 [OK-1]: duplicate code (first on line 2)" in out
    assert "line 7 [BAD-4]: an address belongs to a township or community, this code is a county" in out
    assert "line 8 [BAD-5]: lon/lat are not numbers" in out
    assert "line 9 [BAD 6]: address codes are letters, digits and hyphens" in out
    assert "OK-1" not in addresses(world)
    assert report.read_text(encoding="utf-8").count("\n") == 8


def test_accept_valid_imports_the_good_rows_and_reports_the_rest(world, runner, tmp_path):
    path = write_csv(
        tmp_path / "m.csv", "OK-1,330326100001,解放街,1,,,,,,120.505,27.61", "BAD-1,330326100001,解放街,2,,,,,,0,0"
    )
    result = runner.invoke(args=["addresses", "import", str(path), "--accept-valid"], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 0
    assert "line 3 [BAD-1]: the point is outside China" in result.output
    assert "wrote 1 addresses, rejected 1 rows" in result.output
    assert "OK-1" in addresses(world) and "BAD-1" not in addresses(world)


def test_import_is_one_transaction(world, runner, tmp_path, monkeypatch):
    from backend.addresses import importer

    monkeypatch.setattr(importer, "BATCH", 1)
    calls = []

    def failing_upsert(rows):
        calls.append(rows)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(rows)

    original = importer._upsert
    monkeypatch.setattr(importer, "_upsert", failing_upsert)
    path = write_csv(
        tmp_path / "t.csv",
        "T-1,330326100001,解放街,1,,,,,,120.505,27.61",
        "T-2,330326100001,解放街,2,,,,,,120.505,27.61",
    )
    result = runner.invoke(args=["addresses", "import", str(path)])
    assert result.exit_code != 0
    with world.app_context():
        assert db.session.scalar(select(func.count()).select_from(Address).where(Address.code.like("T-%"))) == 0


def _stored(app, prefix):
    """code -> every column the importer writes (the point as WKB, x, y and SRID), for codes LIKE prefix%."""
    cols = [c for c in Address.__table__.columns if c.name not in ("id", "point", "grid_id")]
    geom = [
        func.ST_AsBinary(Address.point).label("wkb"),
        func.ST_X(Address.point).label("x"),
        func.ST_Y(Address.point).label("y"),
        func.ST_SRID(Address.point).label("srid"),
    ]
    stmt = select(*cols, *geom).where(Address.code.like(f"{prefix}%"))
    with app.app_context():
        rows = [dict(r._mapping) for r in db.session.execute(stmt)]
    return {r["code"]: {**r, "wkb": bytes(r["wkb"])} for r in rows}


def test_the_backends_writer_and_executemany_store_identical_rows(world, tmp_path, monkeypatch):
    """PostgreSQL writes through COPY + INSERT … SELECT; it must store exactly what executemany stores."""
    from datetime import UTC, datetime

    from backend.addresses import importer

    monkeypatch.setattr(importer, "BATCH", 2)  # several batches, the last one partial
    first = write_csv(
        tmp_path / "1.csv",
        "W-1,330326100001,坡南街,８,鳌峰花园,2栋,1,3,302,120.512,27.605",
        'W-2,330326100001,"解放街\tnorth",12,"A\\B ""C""",,,,,120.50512345678901,27.61000000000003',
        "W-3,330326100002,县前街,9号,,,,5,,120.53,27.605",
        "W-4,330326100001,解放街,112,,3号楼,,,1101房,120.515,27.61",
        "W-5,330326101001,解放街,12,,3,,,,120.61,27.61",
    )
    second = write_csv(
        tmp_path / "2.csv",
        "W-2,330326100001,解放路,13,,,,,,120.516,27.612",  # updated in place
        "W-6,330326100002,县前街,10,,,,,,120.531,27.6051",  # new
    )
    times = [datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), datetime(2026, 2, 3, 4, 5, 6, 7, tzinfo=UTC)]

    def run():
        for path, now in zip((first, second), times, strict=True):
            monkeypatch.setattr(importer, "utcnow", lambda now=now: now)
            with world.app_context():
                assert importer.import_file(path)["rejects"] == []
                db.session.commit()
        return _stored(world, "W-")

    by_backend = run()  # PostgreSQL: COPY path; SQLite: executemany
    with world.app_context():
        db.session.execute(Address.__table__.delete().where(Address.code.like("W-%")))
        db.session.commit()
    monkeypatch.setattr(importer, "_upsert", importer._upsert_executemany)
    by_executemany = run()

    assert by_backend == by_executemany
    assert len(by_backend) == 6
    w2 = by_backend["W-2"]
    assert (w2["road"], w2["created_at"], w2["updated_at"]) == ("解放路", times[0], times[1])
    assert (w2["x"], w2["y"], w2["srid"]) == (120.516, 27.612, 4326)
    assert by_backend["W-1"]["full_text"] == "浙江省温州市平阳县昆阳镇西门社区坡南街8号鳌峰花园2幢1单元302室"
    assert by_backend["W-3"]["door_number"] == "9号" and by_backend["W-3"]["room"] is None
