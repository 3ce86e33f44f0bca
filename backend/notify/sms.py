"""SMS gateways, chosen by the SMS_GATEWAY setting: "dev", "aliyun" or "package.module:factory".

A gateway is what factory(config) returns: an object with
- send(user_id, text) -> ref: a notification to an account's registered phone (the outbox worker);
- send_code(phone, code, text, user_id=None) -> ref: a one-time sign-in code to a number (in clear, 11 digits).
  text is the whole message as the app words it; a provider that sends templates (Alibaba Cloud) uses its own
  template with the code as its parameter instead.
Both raise backend.notify.delivery.Retry (busy, throttled, unreachable: try later) or Failed (refused for good);
anything else they raise counts as a Retry. docs/deploy.md says how to plug in another provider.
"""

import importlib
import secrets

from flask import current_app

from backend.auth.models import User
from backend.extensions import db
from backend.notify.aliyun import AliyunSmsGateway
from backend.notify.models import SmsMessage
from backend.people.vault import vault

EXTENSION = "menpai.sms_gateway"


class DevSmsGateway:
    """Development gateway: records the text as an SmsMessage row instead of sending it, by account and by phone
    (sealed, with its blind index), for `flask sms outbox` to print."""

    def __init__(self, config=None):
        self.config = config

    def send(self, user_id: int, text: str) -> str:
        ref = f"dev-{secrets.token_hex(8)}"
        user = db.session.get(User, user_id)
        phone_enc, phone_index = (user.phone_enc, user.phone_index) if user is not None else (None, None)
        db.session.add(
            SmsMessage(user_id=user_id, phone_enc=phone_enc, phone_index=phone_index, text=text, gateway_ref=ref)
        )
        return ref

    def send_code(self, phone: str, code: str, text: str, user_id: int | None = None) -> str:
        ref = f"dev-{secrets.token_hex(8)}"
        v = vault()
        db.session.add(
            SmsMessage(
                user_id=user_id,
                phone_enc=v.encrypt(phone, "phone"),
                phone_index=v.blind_index(phone, "phone"),
                text=text,
                gateway_ref=ref,
            )
        )
        return ref


GATEWAYS = {"dev": DevSmsGateway, "aliyun": AliyunSmsGateway}


def gateway_factory(name: str):
    """The factory (config -> gateway) for SMS_GATEWAY: a name in GATEWAYS or "package.module:factory"."""
    if name in GATEWAYS:
        return GATEWAYS[name]
    if isinstance(name, str) and ":" in name:
        module, _, attr = name.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise RuntimeError(f"SMS_GATEWAY {name!r} cannot be loaded: {exc}") from exc
    choices = ", ".join(sorted(GATEWAYS))
    raise RuntimeError(f"unknown SMS_GATEWAY {name!r}: use one of {choices} or 'package.module:factory'")


def make_gateway(config):
    """The configured gateway instance."""
    return gateway_factory(config["SMS_GATEWAY"])(config)


def app_gateway():
    """The app's gateway for requests (sign-in codes), built once per app and SMS_* settings."""
    config = current_app.config
    key = tuple(sorted((k, repr(v)) for k, v in config.items() if k.startswith("SMS_")))
    cached = current_app.extensions.get(EXTENSION)
    if cached is None or cached[0] != key:
        cached = current_app.extensions[EXTENSION] = (key, make_gateway(config))
    return cached[1]
