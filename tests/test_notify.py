"""Notifications: inbox always, Web Push end to end against a local push service, SMS dev gateway, the worker."""

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import PG_URL, make_app
from push_helpers import Browser, PushServer, verify_vapid
from sqlalchemy import func, insert, select, update

from backend.auth.models import User
from backend.extensions import db
from backend.notify import vapid
from backend.notify.channels import retry_after_seconds
from backend.notify.models import InboxMessage, Notification, PushSubscription, SmsMessage
from backend.notify.outbox import PUSH_MAX_BYTES, SMS_MAX_CHARS, encode, notify, push_payload
from backend.notify.worker import run_once
from backend.types import utcnow

TITLE, BODY, URL = "消防提醒", "请于本周五前检查灭火器。", "/notices/7"


@pytest.fixture
def push():
    with PushServer() as server:
        yield server


def _user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def _subscribe(auth, browser):
    resp = auth.post("/api/v1/push/subscriptions", json=browser.subscription())
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


@pytest.fixture
def landlord(app, login_as):
    auth = login_as("landlord", username="owner")
    return auth, _user_id(app, "owner")


def _notify(app, user_id, **kw):
    with app.app_context():
        message = notify(user_id, kw.pop("title", TITLE), kw.pop("body", BODY), kw.pop("url", URL), **kw)
        db.session.commit()
        return message and message.id


def _run(app, **kw):
    with app.app_context():
        return run_once(**kw)


def _rows(app, model=Notification):
    with app.app_context():
        rows = db.session.scalars(select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return rows


def test_push_end_to_end_vapid_and_aes128gcm(app, landlord, push):
    auth, user_id = landlord
    public_key = auth.client.get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    assert len(vapid.b64url_decode(public_key)) == 65
    browser = Browser(push.endpoint("phone-1"))
    sub_id = _subscribe(auth, browser)

    _notify(app, user_id, notice_id=None)
    assert _run(app)["sent"] == 1

    [request] = push.received
    claims = verify_vapid(request["headers"]["authorization"], push.origin)
    assert claims["k"] == public_key
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert int(request["headers"]["ttl"]) == app.config["PUSH_TTL_SECONDS"]
    assert browser.decrypt(request["body"]) == {"title": TITLE, "body": BODY, "url": URL, "notice_id": None}
    [n] = _rows(app)
    assert (n.status, n.attempts, n.channel, n.subscription_id) == ("sent", 1, "push", sub_id)
    assert n.sent_at is not None and n.last_error is None
    [sub] = _rows(app, PushSubscription)
    assert sub.last_success_at is not None
    assert _run(app)["claimed"] == 0  # sent once, never again


def test_gone_subscription_is_deleted_and_the_notification_dead(app, landlord, push):
    auth, user_id = landlord
    _subscribe(auth, Browser(push.endpoint("old-phone")))
    _notify(app, user_id)
    _notify(app, user_id, body="第二条")
    push.respond = lambda n: (410, {})
    with app.app_context():
        app.config["NOTIFY_BATCH_SIZE"] = 1  # the second row is still queued when the subscription goes
        counts = run_once()
    assert counts["dead"] == 2
    assert len(push.received) == 1  # the second one was not sent to a subscription known to be gone
    assert _rows(app, PushSubscription) == []
    first, second = _rows(app)
    assert (first.status, first.last_error) == ("dead", "HTTP 410")
    assert (second.status, second.subscription_id, second.last_error) == ("dead", None, "subscription removed")


def test_429_with_retry_after_keeps_it_queued(app, landlord, push):
    auth, user_id = landlord
    _subscribe(auth, Browser(push.endpoint("p")))
    _notify(app, user_id)
    push.respond = lambda n: (429, {"Retry-After": "120"})
    assert _run(app)["retry"] == 1
    [n] = _rows(app)
    assert (n.status, n.attempts, n.last_error) == ("queued", 1, "HTTP 429")
    assert timedelta(seconds=110) < n.next_attempt_at - utcnow() <= timedelta(seconds=120)
    assert _run(app)["claimed"] == 0  # not due yet


def _make_due(app):
    with app.app_context():
        db.session.execute(update(Notification).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_503_backs_off_exponentially_then_gives_up(app, landlord, push):
    auth, user_id = landlord
    _subscribe(auth, Browser(push.endpoint("p")))
    _notify(app, user_id)
    push.respond = lambda n: (503, {})
    delays = []
    for _ in range(5):
        assert _run(app)["retry"] == 1
        [n] = _rows(app)
        delays.append((n.next_attempt_at - utcnow()).total_seconds())
        _make_due(app)
    assert [round(d / 10) * 10 for d in delays] == [30, 60, 120, 240, 480]
    for _ in range(2):
        _run(app)
        _make_due(app)
    assert _run(app)["dead"] == 1  # the 8th attempt
    [n] = _rows(app)
    assert (n.status, n.attempts, n.last_error) == ("dead", 8, "HTTP 503")
    assert len(push.received) == 8


def test_backoff_is_capped_at_an_hour(app):
    from backend.notify.worker import backoff_seconds

    assert [backoff_seconds(a, app.config) for a in (1, 2, 7, 8, 20)] == [30, 60, 1920, 3600, 3600]


def test_network_error_is_retried_and_other_4xx_fail(app, landlord, push):
    auth, user_id = landlord
    with PushServer() as closed:
        dead_endpoint = closed.endpoint("nobody-listens")
    _subscribe(auth, Browser(dead_endpoint))
    _notify(app, user_id)
    assert _run(app)["retry"] == 1
    [n] = _rows(app)
    assert n.status == "queued" and "ConnectionError" in n.last_error

    with app.app_context():
        db.session.execute(update(PushSubscription).values(endpoint=push.endpoint("p")))
        db.session.commit()
    _make_due(app)
    push.respond = lambda n: (400, {})
    assert _run(app)["failed"] == 1
    [n] = _rows(app)
    assert (n.status, n.attempts) == ("failed", 2) and n.last_error.startswith("HTTP 400")


def test_retry_after_as_http_date():
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("30") == 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds("soon") is None


def test_one_push_per_subscription_and_the_inbox_without_any(app, landlord, push):
    auth, user_id = landlord
    _notify(app, user_id)  # no subscription yet: inbox only
    phones = [Browser(push.endpoint(f"phone-{i}")) for i in range(2)]
    for phone in phones:
        _subscribe(auth, phone)
    _notify(app, user_id, body="两台手机", dedup_key="two-phones")
    assert _run(app)["sent"] == 2
    assert sorted(r["path"] for r in push.received) == ["/push/phone-0", "/push/phone-1"]
    for phone, request in zip(phones, sorted(push.received, key=lambda r: r["path"]), strict=True):
        assert phone.decrypt(request["body"])["body"] == "两台手机"
    assert len(_rows(app, InboxMessage)) == 2


def test_dedup_key_queues_a_reminder_once(app, landlord, push):
    auth, user_id = landlord
    _subscribe(auth, Browser(push.endpoint("p")))
    first = _notify(app, user_id, dedup_key="notice:7:due-3d", sms=True)
    again = _notify(app, user_id, dedup_key="notice:7:due-3d", sms=True, body="又一次")
    assert first is not None and again is None
    assert len(_rows(app, InboxMessage)) == 1
    assert sorted(n.channel for n in _rows(app)) == ["push", "sms"]
    _notify(app, user_id)  # no key: never deduplicated
    _notify(app, user_id)
    assert len(_rows(app, InboxMessage)) == 3


@pytest.mark.skipif(not PG_URL, reason="concurrent transactions: PostgreSQL")
def test_dedup_is_race_safe(app, landlord):
    _, user_id = landlord
    inserted, results = threading.Event(), {}

    def first():
        with app.app_context():
            results["first"] = notify(user_id, TITLE, BODY, URL, dedup_key="race") is not None
            inserted.set()
            threading.Event().wait(0.5)  # hold the uncommitted row while the other transaction tries
            db.session.commit()

    def second():
        inserted.wait()
        with app.app_context():
            results["second"] = notify(user_id, TITLE, BODY, URL, dedup_key="race") is not None
            db.session.commit()

    threads = [threading.Thread(target=f) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"first": True, "second": False}
    assert len(_rows(app, InboxMessage)) == 1


def test_payload_is_capped_and_the_inbox_keeps_everything(app, landlord, push):
    auth, user_id = landlord
    browser = Browser(push.endpoint("p"))
    _subscribe(auth, browser)
    long_body = "整改事项说明。" * 2000
    _notify(app, user_id, title="标题" * 200, body=long_body)
    _run(app)
    payload = browser.decrypt(push.received[0]["body"])
    assert len(encode(payload).encode()) <= PUSH_MAX_BYTES
    assert payload["body"].endswith("…") and len(payload["title"]) == 100
    [message] = _rows(app, InboxMessage)
    assert message.body == long_body and len(message.title) == 200

    huge = push_payload("t", "汉" * 5000, "/" + "u" * 900, 1)
    assert len(encode(huge).encode()) <= PUSH_MAX_BYTES
    with pytest.raises(ValueError):
        push_payload("t", "b", "/" + "u" * 3000)


def test_sms_dev_gateway_records_the_text(app, landlord):
    _, user_id = landlord
    _notify(app, user_id, body="请于本周五前检查灭火器。" * 30, sms=True)
    assert _run(app) == {"claimed": 1, "sent": 1, "retry": 0, "failed": 0, "dead": 0}
    [sms] = _rows(app, SmsMessage)
    assert sms.user_id == user_id and sms.gateway_ref.startswith("dev-")
    assert sms.text.startswith(TITLE + "\n") and sms.text.endswith("\nhttps://menpai.test" + URL)
    assert len(sms.text) <= SMS_MAX_CHARS == 201 and "…" in sms.text
    [n] = _rows(app)
    assert (n.channel, n.status) == ("sms", "sent")


def test_sms_gateway_errors_are_retried(app, landlord):
    from backend.notify.channels import SmsChannel, WebPushChannel

    class Down:
        def send(self, user_id, text):
            raise TimeoutError("gateway timed out")

    _, user_id = landlord
    _notify(app, user_id, sms=True)
    with app.app_context():
        counts = run_once(channels={"sms": SmsChannel(Down()), "push": WebPushChannel.from_config(app.config)})
    assert counts["retry"] == 1
    [n] = _rows(app)
    assert n.status == "queued" and "TimeoutError" in n.last_error


def test_an_unknown_sms_gateway_fails_at_startup(tmp_path):
    with pytest.raises(RuntimeError, match="unknown SMS_GATEWAY 'carrier-pigeon'"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", SMS_GATEWAY="carrier-pigeon")
    with pytest.raises(RuntimeError, match="cannot be loaded"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", SMS_GATEWAY="no_such_module:Gateway")


def test_vapid_keys_cli_prints_keys_that_sign_verifiable_pushes(app, runner, landlord, push):
    result = runner.invoke(args=["notify", "vapid-keys"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.output.splitlines() if line.startswith("MENPAI_"))
    private, public = lines["MENPAI_VAPID_PRIVATE_KEY"], lines["MENPAI_VAPID_PUBLIC_KEY"]
    app.config.update(VAPID_PRIVATE_KEY=private, VAPID_PUBLIC_KEY=public)
    app.extensions.pop(vapid.CACHE, None)

    auth, user_id = landlord
    assert auth.client.get("/api/v1/push/vapid-public-key").get_json() == {"public_key": public}
    browser = Browser(push.endpoint("p"))
    _subscribe(auth, browser)
    _notify(app, user_id)
    _run(app)
    assert verify_vapid(push.received[0]["headers"]["authorization"], push.origin)["k"] == public
    assert browser.decrypt(push.received[0]["body"])["title"] == TITLE


def test_vapid_keys_come_from_the_instance_file_when_config_has_none(app, runner, client, landlord):
    result = runner.invoke(args=["notify", "vapid-keys", "--write"])
    assert result.exit_code == 0, result.output
    public = next(line.split("=", 1)[1] for line in result.output.splitlines() if "PUBLIC" in line)
    stored = json.loads((Path(app.instance_path) / "vapid.json").read_text())
    assert stored["public_key"] == public
    auth, _ = landlord
    assert auth.client.get("/api/v1/push/vapid-public-key").get_json() == {"public_key": public}

    app.config.update(VAPID_PRIVATE_KEY=stored["private_key"], VAPID_PUBLIC_KEY=vapid.generate()["public_key"])
    app.extensions.pop(vapid.CACHE, None)
    with app.app_context(), pytest.raises(RuntimeError, match="does not belong"):
        vapid.keys()


def test_work_command_once(app, runner, landlord, push):
    auth, user_id = landlord
    _subscribe(auth, Browser(push.endpoint("p")))
    _notify(app, user_id)
    result = runner.invoke(args=["notify", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output or "已发送 1" in result.output
    assert [n.status for n in _rows(app)] == ["sent"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),
        ({"endpoint": "ftp://127.0.0.1/x"}, "endpoint"),
        ({"endpoint": "https://user:pw@push.example.com/x"}, "endpoint"),
        ({"endpoint": "https://push.example.com/" + "x" * 1000}, "endpoint"),
        ({"endpoint": 7}, "endpoint"),
        ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys.p256dh"),
        ({"keys": {"p256dh": "BA" + "A" * 85, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys.p256dh"),  # not on P-256
        ({"keys": {"p256dh": None, "auth": None}}, "keys.p256dh"),
        ("short-auth", "keys.auth"),
    ],
)
def test_subscription_validation(app, login_as, change, field):
    auth = login_as("tenant")
    body = Browser("https://push.example.com/ok").subscription()
    if change == "short-auth":
        body["keys"]["auth"] = "AAAAAAAAAAAAAAAAAAAA"  # 15 bytes
    else:
        body.update(change)
    resp = auth.post("/api/v1/push/subscriptions", json=body)
    assert resp.status_code == 400
    assert field in resp.get_json()["error"]["fields"]


def test_insecure_endpoints_only_in_tests_or_when_allowed(app, login_as):
    app.testing = False
    auth = login_as("tenant")
    resp = auth.post("/api/v1/push/subscriptions", json=Browser("http://127.0.0.1:9/x").subscription())
    assert resp.get_json()["error"]["fields"]["endpoint"]
    app.config["PUSH_ALLOW_INSECURE_ENDPOINTS"] = True
    assert (
        auth.post("/api/v1/push/subscriptions", json=Browser("http://localhost:9/x").subscription()).status_code == 201
    )
    app.config["PUSH_ENDPOINT_HOSTS"] = ["push.services.mozilla.com"]
    ok = Browser("https://updates.push.services.mozilla.com/wpush/v2/abc").subscription()
    assert auth.post("/api/v1/push/subscriptions", json=ok).status_code == 201
    bad = auth.post("/api/v1/push/subscriptions", json=Browser("https://evil.example/x").subscription())
    assert "endpoint" in bad.get_json()["error"]["fields"]


def test_subscriptions_upsert_move_between_accounts_and_delete(app, login_as, push):
    owner, tenant = login_as("landlord", username="owner"), login_as("tenant", username="t1")
    browser = Browser(push.endpoint("shared"))
    first = _subscribe(owner, browser)
    assert _subscribe(owner, browser) == first  # the same browser again: one row
    _notify(app, _user_id(app, "owner"), body="给房东的")
    # Someone else signs in on that browser: the subscription moves, nothing queued for the owner reaches it.
    moved = _subscribe(tenant, browser)
    [sub] = _rows(app, PushSubscription)
    assert (sub.id, sub.user_id) == (moved, _user_id(app, "t1"))
    assert _run(app)["dead"] == 1 and push.received == []

    other = owner.post("/api/v1/push/subscriptions/delete", json={"endpoint": browser.endpoint})
    assert other.get_json() == {"deleted": 0}  # not the owner's any more
    mine = tenant.post("/api/v1/push/subscriptions/delete", json={"endpoint": browser.endpoint})
    assert mine.get_json() == {"deleted": 1}
    assert _rows(app, PushSubscription) == []


def test_inbox_lists_my_messages_newest_first_and_marks_read(app, login_as):
    me, other = login_as("tenant", username="me"), login_as("tenant", username="other")
    me_id, other_id = _user_id(app, "me"), _user_id(app, "other")
    ids = [_notify(app, me_id, title=f"第{i}条") for i in range(3)]
    theirs = _notify(app, other_id, title="别人的")

    inbox = me.client.get("/api/v1/inbox").get_json()
    assert [m["title"] for m in inbox["messages"]] == ["第2条", "第1条", "第0条"] and inbox["unread"] == 3
    assert me.client.get("/api/v1/inbox?limit=1").get_json()["messages"][0]["id"] == ids[2]

    read = me.post(f"/api/v1/inbox/{ids[0]}/read")
    assert read.status_code == 200 and read.get_json()["read_at"]
    again = me.post(f"/api/v1/inbox/{ids[0]}/read").get_json()
    assert again["read_at"] == read.get_json()["read_at"]
    assert me.client.get("/api/v1/inbox").get_json()["unread"] == 2
    assert me.post(f"/api/v1/inbox/{theirs}/read").status_code == 404
    assert other.client.get("/api/v1/inbox").get_json()["unread"] == 1


def test_inbox_needs_a_signed_in_user(client):
    assert client.get("/api/v1/inbox").status_code == 401
    assert client.get("/api/v1/push/vapid-public-key").status_code == 401


def test_inbox_message_links_to_a_fire_notice(app, houses, make_user):
    from backend.fire.models import FireNotice

    make_user("landlord", username="owner")
    house_id = houses.add("A1-1", landlord="owner")
    with app.app_context():
        columns = {"house_id": house_id, "kind": "reminder", "status": "issued", "title": "检查灭火器"}
        notice_id = db.session.execute(
            insert(FireNotice.__table__).values(**columns, issued_at=utcnow()).returning(FireNotice.__table__.c.id)
        ).scalar_one()
        db.session.commit()
    _notify(app, _user_id(app, "owner"), notice_id=notice_id, dedup_key=f"notice:{notice_id}")
    [message] = _rows(app, InboxMessage)
    assert message.notice_id == notice_id


@pytest.mark.skipif(not PG_URL, reason="SKIP LOCKED: PostgreSQL (on SQLite run one worker)")
def test_two_workers_never_send_the_same_notification(app, landlord):
    auth, user_id = landlord
    with PushServer(delay=0.002) as push:
        browser = Browser(push.endpoint("p"))
        _subscribe(auth, browser)
        with app.app_context():
            for i in range(200):
                notify(user_id, TITLE, f"#{i}", URL)
            db.session.commit()
        app.config["NOTIFY_BATCH_SIZE"] = 5
        counts, errors = [], []

        def worker():
            try:
                with app.app_context():
                    counts.append(run_once(limit=1000))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert len(push.received) == 200
    bodies = [browser.decrypt(r["body"])["body"] for r in push.received]
    assert sorted(bodies) == sorted(f"#{i}" for i in range(200))
    assert sum(c["sent"] for c in counts) == 200 and all(c["sent"] > 0 for c in counts)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Notification.status == "sent")) == 200
