"""Exports of the house list and the staff tenant list: scoped, masked, the police reveal audited; both databases."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from backend.audit import AuditEvent
from backend.extensions import db
from backend.people.vault import seal
from backend.tenancy.models import Person, Tenancy

A, B = "330326100", "330326101"
PEOPLE = [
    ("A1-1", "王小明", "330326199001011234", "13812345678"),
    ("B1-1", "李四", "522422199205051235", "13912345679"),
]


@pytest.fixture
def town(world, houses):
    h = {
        "A1-1": houses.add("A1-1"),
        "A1-3": houses.add("A1-3", notices=[("penalty", "处罚", None, "issued")]),
        "X-1": houses.add("X-1", status="declared"),
        "B1-1": houses.add("B1-1"),
    }
    with world.test_request_context():
        for address, name, id_number, phone in PEOPLE:
            person = Person()
            seal(person, name, id_number, phone)
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Tenancy(house_id=h[address], person_id=person.id, move_in=date(2025, 3, 1), status="active", room="1")
            )
        db.session.commit()
    return h


def rows_of(resp, fmt, tmp_path):
    assert resp.status_code == 200, resp.get_data()[:300]
    if fmt == "csv":
        return [tuple(r) for r in csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig")))]
    (tmp_path / "x.xlsx").write_bytes(resp.get_data())
    book = load_workbook(tmp_path / "x.xlsx", read_only=True)
    rows = [tuple("" if v is None else str(v) for v in r) for r in book.active.iter_rows(values_only=True)]
    book.close()  # read-only workbooks keep the file open until then
    return rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_house_list_export_is_scoped_and_filtered(town, login_as, tmp_path, fmt):
    auth = login_as("supervisor", A)
    rows = rows_of(auth.client.get(f"/api/v1/houses?format={fmt}"), fmt, tmp_path)
    assert rows[0][:5] == ("房屋编号", "地址", "房间/部分", "状态", "颜色")
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (str(town["A1-1"]), "active", "green"),
        (str(town["A1-3"]), "active", "red"),
        (str(town["X-1"]), "declared", "grey"),
    ]
    assert all(r[8] for r in rows[1:])  # every house has its plate's short code
    red = rows_of(auth.client.get(f"/api/v1/houses?format={fmt}&colour=red"), fmt, tmp_path)
    assert [r[0] for r in red[1:]] == [str(town["A1-3"])]


def test_tenant_list_is_masked_for_supervisors_and_audited(town, login_as, app):
    body = login_as("supervisor", A).client.get("/api/v1/cockpit/tenants").get_json()
    assert body["masked"] is True
    assert [(t["name"], t["id_number"], t["phone"]) for t in body["tenants"]] == [
        ("王**", "330326********1234", "138****5678")
    ]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.read")).all()[-1]
        assert event.region_code.startswith(A) and event.details["masked"] is True


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_police_reveal_needs_a_reason_and_is_audited(town, login_as, app, tmp_path, fmt):
    police = login_as("police", A)
    url = f"/api/v1/cockpit/tenants?format={fmt}"
    masked = rows_of(police.client.get(url), fmt, tmp_path)
    assert masked[1][6:] == ("王**", "330326********1234", "138****5678")
    assert police.client.get(f"{url}&reveal=1").status_code == 400  # no reason
    clear = rows_of(police.client.get(f"{url}&reveal=1&reason=案件核查 2025-17"), fmt, tmp_path)
    assert clear[0][6:] == ("姓名", "身份证号", "手机号")
    assert clear[1:] == [(clear[1][0], str(town["A1-1"]), clear[1][2], "", "1", "2025-03-01", *PEOPLE[0][1:])]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.reveal")).one()
        assert event.details["reason"] == "案件核查 2025-17" and event.details["masked"] is False
        assert event.actor_role == "police" and event.region_code.startswith(A)


def test_only_police_may_reveal(town, login_as):
    sup = login_as("supervisor", A)
    assert sup.client.get("/api/v1/cockpit/tenants?reveal=1&reason=想看看而已").status_code == 404
    other = login_as("police", B).client.get("/api/v1/cockpit/tenants?format=csv").get_data().decode("utf-8-sig")
    assert "李*" in other and "王" not in other


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_looks_like_a_formula_stays_text(town, login_as, world, tmp_path, fmt):
    from backend.addresses.models import Address
    from backend.houses.operations import register_house

    with world.app_context():
        address = db.session.scalar(select(Address).where(Address.code == "A1-4"))
        register_house(address, max_occupants=2, unit_label='=HYPERLINK("http://x")')
        db.session.commit()
    rows = rows_of(login_as("supervisor", A).client.get(f"/api/v1/houses?format={fmt}"), fmt, tmp_path)
    assert rows[-1][2] == '\'=HYPERLINK("http://x")'
    if fmt == "xlsx":
        book = load_workbook(tmp_path / "x.xlsx")
        assert [c.data_type for c in book.active[len(rows)]].count("f") == 0  # no formula cell in the row
        book.close()
