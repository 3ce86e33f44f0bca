"""The house card by scan and the house's timeline: on PostGIS the card takes the one-statement path (fastcard);
it must answer, audit and count exactly as the general path does. The timeline is paged by time."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from loop_helpers import person
from sqlalchemy import func, select

from backend.audit import AuditEvent
from backend.doorplates.models import Doorplate, Scan, ScanCount
from backend.extensions import db
from backend.fastpath import fastscan
from backend.houses import api as houses_api
from backend.obligations.models import Obligation
from backend.tenancy.models import Tenancy

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)


@pytest.fixture
def lived_in(app, houses, login_as, make_user):
    """A house of 昆阳镇 with two occupants (one pending), two pending obligations, a notice, a printed plate."""
    make_user("landlord", username="landlord-card")
    soon = date.today() + timedelta(days=4)
    house = houses.add(
        "A1-1", max_occupants=5, landlord="landlord-card", notices=[("rectification", "疏散通道", soon, "issued")]
    )
    token = houses.plate(house)[0]
    for i in range(2):
        tenant = login_as("tenant", username=f"tenant-card-{i}")
        body = {**person(i), "move_in": date.today().isoformat(), "room": f"{i + 1}01"}
        assert tenant.post(f"/api/v1/doorplates/{token}/check-in", json=body).status_code == 201
    with app.app_context():
        first = db.session.scalar(select(Tenancy).where(Tenancy.house_id == house).order_by(Tenancy.id))
        first.status = "active"
        monthly = db.session.scalar(select(Obligation).where(Obligation.house_id == house))
        # Due the same day as the monthly confirmation: both paths must break the tie the same way.
        renewal = {"kind": "registration_renewal", "due_date": monthly.due_date}
        db.session.add(Obligation(house_id=house, tenancy_id=first.id, tenancy_key=first.id, **renewal))
        db.session.scalar(select(Doorplate).where(Doorplate.house_id == house)).printed_at = T0
        db.session.commit()
    return house, token


def _reads(app):
    """The staff's reads of personal data (a check-in shows the tenant their own data: not these)."""
    staff = (AuditEvent.action == "person.read", AuditEvent.actor_role != "tenant")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(*staff).order_by(AuditEvent.id))
        return [
            (
                e.actor_id,
                e.actor_role,
                e.target_type,
                e.target_id,
                e.ip,
                e.details,
                e.person_id,
                e.house_id,
                e.region_code,
            )
            for e in events
        ]


def test_card_by_scan_is_the_same_on_every_path(app, lived_in, login_as, monkeypatch):
    house, token = lived_in
    supervisor = login_as("supervisor", "330326100")
    fast = supervisor.client.get(f"/api/v1/doorplates/{token}/card")
    monkeypatch.setattr(houses_api.fastscan, "available", lambda: False)
    general = supervisor.client.get(f"/api/v1/doorplates/{token}/card")
    assert fast.status_code == general.status_code == 200
    fast, general = fast.get_json(), general.get_json()
    assert [o["status"] for o in fast["occupants"]] == ["active", "pending"]
    assert [o["kind"] for o in fast["obligations"]] == ["occupant_confirmation", "registration_renewal"]
    assert fast["notices"][0]["title"] == "疏散通道"
    assert fast["doorplate"]["printed_at"] == T0.isoformat()
    assert "timeline" not in fast
    # Each read counts its own scan: the second one sees the first.
    assert general["scans_total"] == fast["scans_total"] + 1
    assert {**fast, "scans_total": 0} == {**general, "scans_total": 0}
    # One audit row per person read, the same on both paths: two occupants, two rows a read.
    reads = _reads(app)
    assert len(reads) == 4 and reads[:2] == reads[2:]
    first = reads[0]
    assert first[1] == "supervisor" and first[5] == {"masked": True, "why": f"house {house} card"}
    assert {r[3] for r in reads[:2]} == {str(o["person_id"]) for o in fast["occupants"]}
    assert first[6] == int(first[3]) and first[7] == house and first[8] == fast["scope_code"]
    with app.app_context():
        rows = db.session.execute(select(Scan.result, Scan.channel, Scan.role).order_by(Scan.id)).all()
    assert rows == [("ok", "api", "supervisor")] * 2


def test_card_by_scan_outside_scope_or_replaced_on_every_path(app, lived_in, houses, login_as, monkeypatch):
    house, token = lived_in
    outsider = login_as("supervisor", "330326101")
    houses.revoke(house, "damaged")
    new_token = houses.plate(house)[0]
    answers, really = [], fastscan.available
    for available in (True, False):
        monkeypatch.setattr(houses_api.fastscan, "available", lambda a=available: a and really())
        answers.append(
            (
                outsider.client.get(f"/api/v1/doorplates/{new_token}/card").status_code,
                outsider.client.get(f"/api/v1/doorplates/{token}/card").get_json()["error"]["code"],
            )
        )
    assert answers == [(404, "doorplate_replaced")] * 2
    assert _reads(app) == []  # nothing personal was read
    with app.app_context():
        rows = db.session.execute(select(Scan.result, Scan.channel).order_by(Scan.id)).all()
    assert rows == [("revoked", "api")] * 2  # a refused card leaves no scan row on either path


def test_a_sent_position_takes_the_general_path_and_is_kept(app, lived_in, login_as):
    _, token = lived_in
    worker = login_as("grid_worker", "330326100001001")
    assert worker.client.get(f"/api/v1/doorplates/{token}/card?lon=120.505&lat=27.61").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Scan.point).where(Scan.channel == "api")) is not None


def _stamp(app, house, n_scans):
    """Declared at T0, both check-ins at T0 + 30 min, scans at T0 + 1 h (two), + 2 h …; the rest happened now."""
    from sqlalchemy import delete

    from backend.houses.models import House

    with app.app_context():
        db.session.execute(delete(Scan))
        db.session.get(House, house).declared_at = T0
        for t in db.session.scalars(select(Tenancy).where(Tenancy.house_id == house)):
            t.created_at, t.decided_at = T0 + timedelta(minutes=30), None
        plate = db.session.scalar(select(Doorplate).where(Doorplate.house_id == house))
        at = [T0 + timedelta(hours=1)] + [T0 + timedelta(hours=h) for h in range(1, n_scans)]
        db.session.add_all(Scan(at=a, doorplate_id=plate.id, version=1, result="ok", channel="page") for a in at)
        db.session.commit()


def test_timeline_pages_by_time_and_never_splits_an_instant(app, lived_in, login_as):
    house, _ = lived_in
    _stamp(app, house, 5)
    supervisor = login_as("supervisor", "330326100")
    everything = []
    url, pages = f"/api/v1/houses/{house}/timeline?limit=2", 0
    while url:
        page = supervisor.client.get(url).get_json()
        everything += page["events"]
        pages += 1
        url = page["next_before"] and f"/api/v1/houses/{house}/timeline?limit=2&before={quote(page['next_before'])}"
    whole = supervisor.client.get(f"/api/v1/houses/{house}/timeline?limit=200").get_json()
    assert whole["next_before"] is None and everything == whole["events"]
    stamps = [e["at"] for e in whole["events"]]
    assert stamps == sorted(stamps, reverse=True) and whole["events"][-1]["kind"] == "declared"
    kinds = [e["kind"] for e in whole["events"]]
    assert kinds.count("scan") == 5 and kinds.count("check_in") == 2 and "notice" in kinds
    assert pages >= 4
    # The two scans at T0 + 1 h stay on one page: the fourth and the fifth share that instant.
    before = quote((T0 + timedelta(hours=5)).isoformat())
    tied = supervisor.client.get(f"/api/v1/houses/{house}/timeline?limit=4&before={before}").get_json()
    assert [e["at"] for e in tied["events"]] == [(T0 + timedelta(hours=h)).isoformat() for h in (4, 3, 2, 1, 1)]
    assert tied["next_before"] == (T0 + timedelta(hours=1)).isoformat()
    rest = supervisor.client.get(
        f"/api/v1/houses/{house}/timeline?limit=4&before={quote(tied['next_before'])}"
    ).get_json()
    assert [e["kind"] for e in rest["events"]] == ["check_in", "check_in", "declared"]
    assert rest["next_before"] is None
    no_scans = supervisor.client.get(f"/api/v1/houses/{house}/timeline?scans=0").get_json()
    assert "scan" not in [e["kind"] for e in no_scans["events"]] and no_scans["next_before"] is None
    assert [e["kind"] for e in no_scans["events"]][-3:] == ["check_in", "check_in", "declared"]


def test_timeline_refuses_a_bad_before(lived_in, login_as):
    house, _ = lived_in
    supervisor = login_as("supervisor", "330326100")
    resp = supervisor.client.get(f"/api/v1/houses/{house}/timeline?before=yesterday")
    assert resp.status_code == 400 and resp.get_json()["error"]["fields"]["before"]
    naive = supervisor.client.get(f"/api/v1/houses/{house}/timeline?before=2000-01-01T00:00:00").get_json()
    assert naive == {"events": [], "next_before": None}


def test_the_cards_scan_count_follows_every_writer_of_scans(app, lived_in, login_as, monkeypatch):
    """The count is kept by triggers on scans: the card's own scans (either path), a bulk insert as the city
    generator's COPY makes, a delete; it always equals count(*) of the plate's rows."""
    house, token = lived_in
    supervisor = login_as("supervisor", "330326100")
    first = supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()["scans_total"]
    monkeypatch.setattr(houses_api.fastscan, "available", lambda: False)
    assert supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()["scans_total"] == first + 1
    with app.app_context():
        plate = db.session.scalar(select(Doorplate.id).where(Doorplate.house_id == house))
        rows = [{"at": T0, "doorplate_id": plate, "result": "ok", "channel": "page"}] * 3
        db.session.execute(Scan.__table__.insert(), rows)  # one multi-row statement
        db.session.execute(Scan.__table__.delete().where(Scan.id == select(func.min(Scan.id)).scalar_subquery()))
        db.session.commit()
    card = supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()
    assert card["scans_total"] == first + 1 + 3 - 1 + 1
    with app.app_context():
        counted = db.session.scalar(select(func.count(Scan.id)).where(Scan.doorplate_id == plate))
        kept = db.session.scalar(select(ScanCount.scans).where(ScanCount.doorplate_id == plate))
    assert counted == kept == card["scans_total"]


def test_a_check_in_conflict_is_on_the_card_the_same_on_every_path(app, houses, login_as, monkeypatch):
    """Issue 14, item 1: what a conflicting check-in presented, masked, beside the stored person."""
    house = houses.add("A1-1", max_occupants=3)
    token, elsewhere = houses.plate(house)[0], houses.plate(houses.add("A1-2"))[0]
    holder = {**person(5), "move_in": date.today().isoformat()}
    login_as("tenant", username="tenant-holder").post(f"/api/v1/doorplates/{elsewhere}/check-in", json=holder)
    other = login_as("tenant", username="tenant-other")
    assert other.post(f"/api/v1/doorplates/{token}/check-in", json={**holder, "name": "冒名"}).status_code == 201
    supervisor = login_as("supervisor", "330326100")
    fast = supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()
    monkeypatch.setattr(houses_api.fastscan, "available", lambda: False)
    general = supervisor.client.get(f"/api/v1/doorplates/{token}/card").get_json()
    phone = person(5)["phone"]
    (occupant,) = fast["occupants"]
    assert occupant["conflict"] == "open" and occupant["name"] == "李*"
    assert occupant["presented"] == {"name": "冒*", "phone": phone[:3] + "****" + phone[-4:]}
    assert fast["occupants"] == general["occupants"]
