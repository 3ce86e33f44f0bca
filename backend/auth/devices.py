"""Known devices: a signed cookie naming the accounts that have logged in successfully on this browser.

It only lets the right password through the per-account lockout (throttle.py); it proves nothing on its own and
holds no secret beyond the app's signature. At most MAX_ACCOUNTS ids, newest first; LOGIN_DEVICE_DAYS old at most.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "menpai_device"
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="menpai.device")


def accounts(cookie: str | None) -> list[int]:
    """The account ids a device cookie vouches for; [] when it is absent, tampered with or too old."""
    if not cookie:
        return []
    try:
        data = _serializer().loads(cookie, max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400)
    except BadSignature:
        return []
    ids = data.get("u") if isinstance(data, dict) else None
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember(response, cookie: str | None, user_id: int) -> None:
    """Add the account to the device cookie on the response (after a successful login)."""
    ids = [user_id, *(i for i in accounts(cookie) if i != user_id)][:MAX_ACCOUNTS]
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"u": ids}),
        max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400,
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        samesite="Lax",
        path="/api/v1/auth/login",
    )
