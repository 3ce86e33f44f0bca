"""Alibaba Cloud SMS (短信服务, Dysmsapi 2017-05-25) through its official SDK: SendSms with the sign name and a
template approved in the console. Mainland SMS are template messages: the app's own wording (the dev gateway's
text) is not sent, the template's is, with the code as its ${code}.

Settings (docs/deploy.md): SMS_ALIYUN_ACCESS_KEY_ID / SMS_ALIYUN_ACCESS_KEY_SECRET (a RAM user allowed
dysms:SendSms), SMS_ALIYUN_SIGN_NAME (签名), SMS_ALIYUN_TEMPLATE_CODE (the verification-code template, ${code}),
SMS_ALIYUN_NOTICE_TEMPLATE_CODE (optional: a template with ${text} for notifications by SMS), SMS_ALIYUN_ENDPOINT
(dysmsapi.aliyuncs.com; "http://host:port" speaks plain HTTP to a stand-in), SMS_TIMEOUT_SECONDS.

What the gateway answers maps onto the delivery errors: throttled or busy (Throttling.*, isv.BUSINESS_LIMIT_CONTROL,
isp.SYSTEM_ERROR, HTTP 5xx, no answer) is a Retry; any other code (a bad number, a template or sign name not
approved, an empty balance, a wrong key) is Failed with the code and message, so an operator sees what to fix.
"""

import json
import re
from urllib.parse import urlsplit

import requests
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import RetryError
from darabonba.runtime import RuntimeOptions
from Tea.exceptions import TeaException

from backend.auth.models import User
from backend.extensions import db
from backend.notify.delivery import Failed, Retry
from backend.people.vault import vault

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
REQUIRED = (
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_ALIYUN_SIGN_NAME",
    "SMS_ALIYUN_TEMPLATE_CODE",
)
# Codes that say "not now" rather than "never": Alibaba Cloud's own per-number flow control (1 a minute, 5 an hour,
# 10 a day by default), its system errors, a signature nonce seen twice (a retry makes a new one).
RETRY_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "ServiceUnavailable",
        "InternalError",
        "SignatureNonceUsed",
    }
)
LONG_NUMBER = re.compile(r"\d{7,}")  # a phone number echoed in a message: kept out of last_error and the logs


def _reason(code, message) -> str:
    return LONG_NUMBER.sub("…", f"aliyun {code}: {message or ''}".strip())[:300]


def classify(code: str | None, status: int | None, message: str | None, after_seconds: float | None = None):
    """Raise the delivery error for a gateway answer that is not OK."""
    code = code or f"HTTP {status}"
    if code in RETRY_CODES or code.startswith("Throttling") or (status or 0) >= 500:
        raise Retry(after_seconds, _reason(code, message))
    raise Failed(_reason(code, message))


class AliyunSmsGateway:
    """SMS_GATEWAY = "aliyun"."""

    def __init__(self, config):
        missing = [name for name in REQUIRED if not config.get(name)]
        if missing:
            raise RuntimeError(f"SMS_GATEWAY 'aliyun' needs {', '.join(missing)}")
        endpoint = config.get("SMS_ALIYUN_ENDPOINT") or DEFAULT_ENDPOINT
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        timeout_ms = int(float(config.get("SMS_TIMEOUT_SECONDS") or 10) * 1000)
        self.client = Client(
            Config(
                access_key_id=config["SMS_ALIYUN_ACCESS_KEY_ID"],
                access_key_secret=config["SMS_ALIYUN_ACCESS_KEY_SECRET"],
                endpoint=parts.netloc,
                protocol=parts.scheme,
                read_timeout=timeout_ms,
                connect_timeout=timeout_ms,
            )
        )
        self.sign_name = config["SMS_ALIYUN_SIGN_NAME"]
        self.template = config["SMS_ALIYUN_TEMPLATE_CODE"]
        self.notice_template = config.get("SMS_ALIYUN_NOTICE_TEMPLATE_CODE")

    def send_code(self, phone: str, code: str, text: str, user_id: int | None = None) -> str:
        return self._send(phone, self.template, {"code": code})

    def send(self, user_id: int, text: str) -> str:
        """A notification: needs a notice template (${text}) and the account's registered phone."""
        if not self.notice_template:
            raise Failed("aliyun: no SMS_ALIYUN_NOTICE_TEMPLATE_CODE for notifications")
        user = db.session.get(User, user_id)
        if user is None or not user.phone_enc:
            raise Failed("aliyun: the account has no phone on file")
        return self._send(vault().decrypt(user.phone_enc, "phone"), self.notice_template, {"text": text})

    def _send(self, phone: str, template: str, params: dict) -> str:
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=self.sign_name,
            template_code=template,
            template_param=json.dumps(params, ensure_ascii=False),
        )
        try:
            response = self.client.send_sms_with_options(request, RuntimeOptions())
        except ThrottlingException as exc:  # its Retry-After (x-acs-retry-after) is in milliseconds
            after = exc.retry_after / 1000 if exc.retry_after else None
            classify(exc.code, exc.status_code, exc.message, after)
        except AlibabaCloudException as exc:
            classify(exc.code, exc.status_code, exc.message)
        except (TeaException, RetryError, requests.RequestException, OSError) as exc:  # refused, timed out, reset
            raise Retry(None, f"aliyun unreachable: {type(exc).__name__}") from exc
        body = response.body
        if body is not None and body.code == "OK":
            return (body.biz_id or body.request_id or "aliyun")[:64]
        classify(getattr(body, "code", None), response.status_code, getattr(body, "message", None))
