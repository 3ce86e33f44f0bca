"""SMS gateways: any object with send(user_id, text) -> ref, chosen by the SMS_GATEWAY setting."""

import importlib
import secrets

from backend.extensions import db
from backend.notify.models import SmsMessage


class DevSmsGateway:
    """Development gateway: records the text as an SmsMessage row instead of sending it."""

    def __init__(self, config=None):
        self.config = config

    def send(self, user_id: int, text: str) -> str:
        ref = f"dev-{secrets.token_hex(8)}"
        db.session.add(SmsMessage(user_id=user_id, text=text, gateway_ref=ref))
        return ref


GATEWAYS = {"dev": DevSmsGateway}


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
