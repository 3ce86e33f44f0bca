"""Bulk staff import (#16): a table or JSON rows, all or nothing with a reject report by line, a one-time password
per new account in the answer (or the CLI's stdout or named file), never in a log."""

import csv
import io
import logging
import os
import stat

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.audit import AuditEvent
from backend.auth.models import User
from backend.extensions import db
from tests.conftest import Auth

TOWNSHIP, GRID, OTHER = "330326100", "330326100001001", "330326101001001"
HEADER = "username,name,role,region_code,phone"
GOOD = [
    "wang.wei,王伟,grid_worker,330326100001001,13911112222",
    "li-na,李娜,网格员,330326100001002,",
    "zhao,赵强,Police,330326100,+86 137 0000 1111",
]


def table(*lines, header=HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def counts(app) -> tuple[int, int]:
    with app.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        return users, events


def upload(auth, text, name="staff.csv", encoding="utf-8", query="", headers=None):
    data = text.encode(encoding) if isinstance(text, str) else text
    return auth.client.post(
        f"/api/v1/users/import{query}",
        data={"file": (io.BytesIO(data), name)},
        headers={"X-CSRF-Token": auth.csrf or "", **(headers or {})},
        content_type="multipart/form-data",
    )


@pytest.fixture
def supervisor(world, login_as):
    return login_as("supervisor", TOWNSHIP, username="sup")


@pytest.fixture
def admin(world, login_as):
    return login_as("admin", username="root")


def test_a_table_makes_every_account_with_a_one_time_password(app, supervisor):
    resp = upload(supervisor, table(*GOOD))
    assert resp.status_code == 201, resp.get_json()
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["created"] == 3
    assert [(a["line"], a["username"], a["role"], a["region_code"]) for a in body["accounts"]] == [
        (2, "wang.wei", "grid_worker", GRID),
        (3, "li-na", "grid_worker", "330326100001002"),
        (4, "zhao", "police", TOWNSHIP),
    ]
    with app.app_context():
        made = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["wang.wei", "zhao"])))}
        assert made["wang.wei"].display_name == "王伟" and made["wang.wei"].must_change_password
        assert made["wang.wei"].phone_index and made["zhao"].phone_index
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "users.import"))
        assert event.details == {"created": 3, "via": "api"} and event.region_code == TOWNSHIP
        creates = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).all()
        assert len([e for e in creates if e.actor_role == "supervisor"]) == 3
    first = body["accounts"][0]
    login = Auth(app.test_client()).login("wang.wei", first["password"])
    assert login.status_code == 200 and login.get_json()["must_change_password"] is True


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_excel_csv_encodings_and_a_workbook_are_read(app, admin, encoding):
    assert upload(admin, table(*GOOD[:2]), encoding=encoding).status_code == 201
    book = Workbook()
    sheet = book.active
    for line in [HEADER, GOOD[2]]:
        sheet.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    resp = upload(admin, data.getvalue(), name="staff.xlsx")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["accounts"][0]["username"] == "zhao"


def test_json_rows_are_imported_too(app, admin):
    rows = [{"username": "json-1", "name": "甲", "role": "fire_officer", "region_code": TOWNSHIP}]
    resp = admin.post("/api/v1/users/import", json={"rows": rows})
    assert resp.status_code == 201 and resp.get_json()["accounts"][0]["line"] == 1


def test_the_passwords_come_as_a_csv_download_when_asked(app, admin):
    resp = upload(admin, table(*GOOD), query="?format=csv")
    assert resp.status_code == 201
    assert resp.headers["Content-Type"].startswith("text/csv") and resp.headers["Cache-Control"] == "no-store"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["username"] for r in rows] == ["wang.wei", "li-na", "zhao"]
    assert all(len(r["password"]) == 19 for r in rows)
    assert Auth(app.test_client()).login("li-na", rows[1]["password"]).status_code == 200


# Each line's problem, as the supervisor of 昆阳镇 imports it after the good lines: what the report says (English).
BAD_LINES = [
    ("-bad,坏,grid_worker,330326100001001,", "only letters, digits"),
    ("wang.wei,重复,grid_worker,330326100001001,", "username repeated (first on line 2)"),
    ("sup,已有,grid_worker,330326100001001,", "this username is taken"),
    ("r1,角色,king,330326100001001,", "role “king” unknown"),
    ("r2,上级,supervisor,330326100001001,", "cannot create accounts of role supervisor"),
    ("r3,外面,police,330326101001001,", "region 330326101001001 is unknown or outside your scope"),
    ("r4,上面,police,330326,", "region 330326 is unknown or outside your scope"),
    ("r5,没有,police,330326199,", "region 330326199 is unknown or outside your scope"),
    ("r6,缺区,police,,", "required field region_code is empty"),
    ("r7,电话,police,330326100,12345", "not an 11-digit mainland mobile number"),
    ("r8,同号,police,330326100,139-1111-2222", "phone repeated (first on line 2)"),
    ("r9,无名,,330326100,", "required field role is empty"),
    (f"r10,{'长' * 101},police,330326100,", "longer than 100 characters"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES, ids=[line.split(",")[0] for line, _ in BAD_LINES])
def test_one_bad_line_rejects_the_whole_table_and_says_which(app, supervisor, line, reason):
    before = counts(app)
    resp = upload(supervisor, table(*GOOD, line), headers={"Accept-Language": "en"})
    assert resp.status_code == 400, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "import_rejected" and error["message"].startswith("1 lines rejected")
    assert list(error["fields"]) == ["5"]  # the header is line 1
    assert reason in error["fields"]["5"]
    assert counts(app) == before  # nothing written: no account, no audit event


def test_a_taken_phone_and_many_bad_lines_are_all_reported(app, admin, make_user):
    from backend.auth.operations import create_user

    with app.app_context():
        create_user("has-phone", "correct-horse-battery", "police", TOWNSHIP, phone="13911112222")
        db.session.commit()
    before = counts(app)
    resp = upload(admin, table(*GOOD, "x y,空格,police,330326100,", "ok2,好,police,330326100,"))
    assert resp.status_code == 400
    assert sorted(resp.get_json()["error"]["fields"], key=int) == ["2", "5"]
    assert counts(app) == before


def test_missing_columns_empty_tables_and_other_callers(app, admin, supervisor, login_as):
    resp = upload(admin, table(GOOD[0], header="username,name,role"))
    assert resp.status_code == 400 and "region_code" in resp.get_json()["error"]["message"]
    assert upload(admin, table()).status_code == 400
    assert upload(admin, b"\x00\x01", name="staff.xls").status_code == 400
    assert admin.post("/api/v1/users/import", json={"rows": []}).status_code == 400
    worker = login_as("grid_worker", GRID)
    assert upload(worker, table(*GOOD)).status_code == 403


def test_limits_on_size_and_rows(app, admin):
    app.config.update(USERS_IMPORT_MAX_ROWS=2, USERS_IMPORT_MAX_BYTES=1000)
    before = counts(app)
    assert upload(admin, table(*GOOD)).status_code == 400
    big = upload(admin, table(*GOOD[:1]) + "#" * 1000)
    assert big.status_code == 413
    assert counts(app) == before


def test_passwords_never_reach_a_log(app, admin, caplog):
    caplog.set_level(logging.DEBUG)
    resp = upload(admin, table(*GOOD))
    passwords = [a["password"] for a in resp.get_json()["accounts"]]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert passwords and not any(p in logged for p in passwords)
    with app.app_context():
        details = str(db.session.scalars(select(AuditEvent.details)).all())
        assert not any(p in details for p in passwords) and "13911112222" not in details


# ---- the command line ------------------------------------------------------------------------------------------


def test_the_cli_prints_the_passwords_to_stdout_only(app, world, runner, tmp_path):
    (tmp_path / "cli").mkdir()
    path = tmp_path / "cli" / "staff.csv"
    path.write_text(table(*GOOD), encoding="gb18030")
    result = runner.invoke(args=["users", "import", str(path)], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["username"] for r in rows] == ["wang.wei", "li-na", "zhao"]
    assert "3 accounts created" in result.stderr
    assert sorted(p.name for p in path.parent.iterdir()) == ["staff.csv"]  # nothing written beside it
    assert Auth(app.test_client()).login("zhao", rows[2]["password"]).status_code == 200
    with app.app_context():
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "users.import"))
        assert event.actor_id is None and event.details == {"created": 3, "via": "cli"}


def test_the_cli_writes_the_passwords_to_a_new_private_file(app, world, runner, tmp_path):
    path, out = tmp_path / "staff.csv", tmp_path / "passwords.csv"
    path.write_text(table(*GOOD), encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path), "--output", str(out)], env={"MENPAI_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert "wang.wei" not in result.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3 and all(r["password"] for r in rows)
    again = runner.invoke(args=["users", "import", str(path), "--output", str(out)], env={"MENPAI_LANG": "en"})
    assert again.exit_code != 0 and "exists" in again.output  # never overwritten


def test_the_cli_rejects_by_line_writes_nothing_and_leaves_no_password_file(app, world, runner, tmp_path):
    path, out, report = tmp_path / "staff.csv", tmp_path / "passwords.csv", tmp_path / "rejects.csv"
    path.write_text(table(*GOOD, "r1,角色,king,330326100001001,"), encoding="utf-8")
    before = counts(app)
    args = ["users", "import", str(path), "--output", str(out), "--report", str(report)]
    result = runner.invoke(args=args, env={"MENPAI_LANG": "en"})
    assert result.exit_code == 1
    assert "nothing from the file was written" in result.output and "5" in result.output
    assert not out.exists() and report.exists()
    assert counts(app) == before
