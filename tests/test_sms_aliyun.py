"""The Alibaba Cloud SMS adapter (backend/notify/aliyun.py) against a local HTTP server standing in for Dysmsapi: the
request is signed (ACS3-HMAC-SHA256, checked here from the published algorithm, not with the SDK's code), the
template's parameters carry the code, and the gateway's answers map to a retry or a clear failure."""

import hashlib
import hmac
import json
import re
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from sqlalchemy import select

from backend.audit import AuditEvent
from backend.auth.models import User
from backend.extensions import db
from backend.notify.aliyun import AliyunSmsGateway
from backend.notify.channels import SmsChannel, WebPushChannel
from backend.notify.delivery import Failed, Retry
from backend.notify.models import Notification
from backend.notify.outbox import notify
from backend.notify.worker import run_once
from backend.people.vault import vault
from tests.conftest import make_app

KEY_ID, SECRET = "LTAI-test-key", "test-secret-of-the-ram-user"
PHONE = "13912345678"
SIGNED_ALWAYS = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}


def signature_ok(method: str, target: str, headers, body: bytes) -> bool:
    """ACS3-HMAC-SHA256 as Alibaba Cloud documents it (the V3 request signature)."""
    algorithm, _, rest = (headers.get("Authorization") or "").partition(" ")
    parts = dict(p.split("=", 1) for p in rest.split(",") if "=" in p)
    signed = parts.get("SignedHeaders", "").split(";")
    if algorithm != "ACS3-HMAC-SHA256" or parts.get("Credential") != KEY_ID or not set(signed) >= SIGNED_ALWAYS:
        return False
    url = urlsplit(target)
    query = "&".join(
        f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(parse_qsl(url.query, keep_blank_values=True))
    )
    payload = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload:
        return False
    canonical_headers = "".join(f"{name}:{(headers.get(name) or '').strip()}\n" for name in signed)
    canonical = "\n".join([method, url.path or "/", query, canonical_headers, ";".join(signed), payload])
    to_sign = f"ACS3-HMAC-SHA256\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    expected = hmac.new(SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("Signature", ""))


class StandIn:
    """Dysmsapi on 127.0.0.1: records each request, answers from a queue (default: OK), refuses bad signatures."""

    def __init__(self):
        self.received, self.answers = [], []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = signature_ok(self.command, self.path, self.headers, body)
                stand_in.received.append(
                    {
                        "query": dict(parse_qsl(urlsplit(self.path).query)),
                        "action": self.headers.get("x-acs-action"),
                        "version": self.headers.get("x-acs-version"),
                        "date": self.headers.get("x-acs-date"),
                        "signed": ok,
                    }
                )
                if not ok:
                    status, answer, extra = 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, {}
                elif stand_in.answers:
                    status, answer, extra = stand_in.answers.pop(0)
                else:
                    status, answer, extra = 200, {"Code": "OK", "Message": "OK", "BizId": "900^0", "RequestId": "r"}, {}
                data = json.dumps({"RequestId": "req-1", **answer}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in():
    server = StandIn()
    yield server
    server.close()


def settings(endpoint, **more):
    return {
        "SMS_GATEWAY": "aliyun",
        "SMS_ALIYUN_ACCESS_KEY_ID": KEY_ID,
        "SMS_ALIYUN_ACCESS_KEY_SECRET": SECRET,
        "SMS_ALIYUN_SIGN_NAME": "门牌",
        "SMS_ALIYUN_TEMPLATE_CODE": "SMS_100000001",
        "SMS_ALIYUN_ENDPOINT": endpoint,
        "SMS_TIMEOUT_SECONDS": 2,
        **more,
    }


@pytest.fixture
def aliyun(app, stand_in):
    app.config.update(settings(stand_in.endpoint))
    return stand_in


def test_a_sign_in_code_goes_out_signed_with_the_code_as_the_template_parameter(app, aliyun):
    client = app.test_client()
    assert client.post("/api/v1/auth/sms-code", json={"phone": "+86 139 1234 5678"}).status_code == 202
    [request] = aliyun.received
    assert request["signed"] and request["action"] == "SendSms" and request["version"] == "2017-05-25"
    sent_at = datetime.strptime(request["date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 60
    query = request["query"]
    assert query["PhoneNumbers"] == PHONE and query["SignName"] == "门牌" and query["TemplateCode"] == "SMS_100000001"
    params = json.loads(query["TemplateParam"])
    assert list(params) == ["code"] and re.fullmatch(r"\d{6}", params["code"])
    # The code the gateway was given is the one the account is opened with.
    resp = client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": params["code"]})
    assert resp.status_code == 200 and resp.get_json()["user"]["role"] == "resident"


def test_a_request_signed_with_another_secret_is_refused_and_that_is_a_clear_failure(app, stand_in):
    app.config.update(settings(stand_in.endpoint, SMS_ALIYUN_ACCESS_KEY_SECRET="not-the-secret"))
    resp = app.test_client().post("/api/v1/auth/sms-code?lang=en", json={"phone": PHONE})
    assert [r["signed"] for r in stand_in.received] == [False]
    assert resp.status_code == 502 and resp.get_json()["error"]["code"] == "sms_failed"
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sms_code")).all()
    assert event.details["outcome"] == "failed" and "SignatureDoesNotMatch" in event.details["reason"]


@pytest.mark.parametrize(
    ("status", "answer", "headers", "after"),
    [
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}, {}, None),
        (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}, {}, None),
        (400, {"Code": "Throttling.Api", "Message": "throttled"}, {"x-acs-retry-after": "2000"}, 2.0),
        (503, {"Code": "ServiceUnavailable", "Message": "busy"}, {}, None),
        (500, {"Code": "InternalError", "Message": "oops"}, {}, None),
        (200, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误"}, {}, None),
    ],
)
def test_busy_and_throttled_answers_are_retries(app, aliyun, status, answer, headers, after):
    aliyun.answers.append((status, answer, headers))
    with app.app_context(), pytest.raises(Retry) as caught:
        AliyunSmsGateway(app.config).send_code(PHONE, "123456", "text")
    assert caught.value.after_seconds == after and answer["Code"] in caught.value.reason


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (200, "isv.MOBILE_NUMBER_ILLEGAL"),
        (200, "isv.AMOUNT_NOT_ENOUGH"),
        (200, "isv.SMS_TEMPLATE_ILLEGAL"),
        (200, "isv.SMS_SIGNATURE_ILLEGAL"),
        (200, "isv.DAY_LIMIT_CONTROL"),
        (404, "InvalidAccessKeyId.NotFound"),
        (403, "Forbidden.RAM"),
    ],
)
def test_refusals_are_clear_failures_without_the_number(app, aliyun, status, code):
    aliyun.answers.append((status, {"Code": code, "Message": f"refused for {PHONE}"}, {}))
    with app.app_context(), pytest.raises(Failed) as caught:
        AliyunSmsGateway(app.config).send_code(PHONE, "123456", "text")
    assert code in caught.value.reason and PHONE not in caught.value.reason


def test_no_answer_is_a_retry(app):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config.update(settings(f"http://127.0.0.1:{port}"))
    with app.app_context(), pytest.raises(Retry) as caught:
        AliyunSmsGateway(app.config).send_code(PHONE, "123456", "text")
    assert "unreachable" in caught.value.reason


def test_a_busy_gateway_is_a_503_with_retry_after_and_the_code_still_counts(app, aliyun):
    aliyun.answers.append((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "flow control"}, {}))
    client = app.test_client()
    resp = client.post("/api/v1/auth/sms-code?lang=en", json={"phone": PHONE})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "sms_unavailable"
    assert 55 <= int(resp.headers["Retry-After"]) <= 60  # when the phone's minute allows another code
    again = client.post("/api/v1/auth/sms-code", json={"phone": PHONE})
    assert again.status_code == 429 and len(aliyun.received) == 1
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sms_code")).all()
    assert event.details["outcome"] == "retry" and event.details["phone"] == "139****5678"


def test_notifications_need_a_notice_template_and_the_accounts_phone(app, aliyun, make_user):
    make_user("landlord", username="wang")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "wang"))
        user_id = user.id
        gateway = AliyunSmsGateway(app.config)
        with pytest.raises(Failed, match="NOTICE_TEMPLATE"):
            gateway.send(user_id, "整改通知")
        app.config.update(SMS_ALIYUN_NOTICE_TEMPLATE_CODE="SMS_100000002")
        gateway = AliyunSmsGateway(app.config)
        with pytest.raises(Failed, match="no phone"):
            gateway.send(user_id, "整改通知")
        user.phone_enc, user.phone_index = vault().encrypt(PHONE, "phone"), vault().blind_index(PHONE, "phone")
        db.session.commit()
        assert gateway.send(user_id, "整改通知：请于本周五前整改。") == "900^0"
    [request] = aliyun.received
    assert request["signed"] and request["query"]["PhoneNumbers"] == PHONE
    assert request["query"]["TemplateCode"] == "SMS_100000002"
    assert json.loads(request["query"]["TemplateParam"]) == {"text": "整改通知：请于本周五前整改。"}


def test_the_outbox_worker_records_a_refusal_as_failed(app, aliyun, make_user):
    make_user("landlord", username="wang")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "wang"))
        notify(user_id, "整改通知", "请整改。", "/app/", sms=True)
        db.session.commit()
        channels = {"sms": SmsChannel.from_config(app.config), "push": WebPushChannel.from_config(app.config)}
        assert run_once(channels=channels)["failed"] == 1
        n = db.session.scalar(select(Notification).where(Notification.channel == "sms"))
        assert n.status == "failed" and "NOTICE_TEMPLATE" in n.last_error


def test_missing_settings_fail_at_startup(tmp_path, stand_in):
    incomplete = settings(stand_in.endpoint)
    del incomplete["SMS_ALIYUN_TEMPLATE_CODE"]
    with pytest.raises(RuntimeError, match="SMS_ALIYUN_TEMPLATE_CODE"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", **incomplete)
    make_app(f"sqlite:///{tmp_path / 'x.db'}", **settings(stand_in.endpoint))  # complete: starts
