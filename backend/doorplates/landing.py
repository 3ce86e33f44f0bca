"""The scan landing page /d/{token}: server-rendered, no login, no JavaScript, no personal data."""

import time
from datetime import date
from urllib.parse import quote

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import text

from backend.doorplates import keys
from backend.doorplates import token as tokens
from backend.doorplates.card import public_card
from backend.doorplates.operations import Resolution, record_scan, resolve_short_code, resolve_token, token_of
from backend.doorplates.token import ShortCodeError
from backend.extensions import db
from backend.fastpath import fastscan, pagecache
from backend.fastpath.record import after_scan
from backend.i18n import bound, current_language, t

PROBLEM_STATUS = {"tampered": 404, "unknown": 404, "revoked": 410}
NO_STORE = {"Cache-Control": "no-store"}


def commit_scan() -> None:
    """A scan record is worth less than a person waiting at a door: on PostgreSQL, do not wait for the fsync."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session.commit()


def _texts() -> dict:
    translate, lang = bound()
    return {"t": translate, "current_language": lambda: lang}


def _page(found: Resolution, token: str | None = None):
    if found.result != "ok":
        address = found.plate.address if found.result == "revoked" else None
        html = render_template("doorplate_problem.html", problem=found.result, address=address, **_texts())
        return html, PROBLEM_STATUS[found.result], NO_STORE
    token = token or token_of(found.plate)
    html = render_template(
        "doorplate.html",
        card=public_card(found.plate),
        checkin_url=f"/app/#/check-in/{token}",
        staff_url=f"/app/#/login?next={quote('/d/' + token)}",
        **_texts(),
    )
    # Never cached by browsers or proxies: the colour and the notices change, and every scan is counted.
    return html, 200, NO_STORE


def _who(user) -> tuple[int | None, str | None]:
    # Most scans come from phones that never signed in: no session cookie, no need to ask Flask-Login.
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return None, None
    return (user.id, user.role) if user.is_authenticated else (None, None)


def _fast_page(token, tok, who):
    """PostgreSQL: the page of a door scanned again from this process's cache, else from one read."""
    cache, today, lang = fastscan.page_cache(), date.today(), current_language()
    page = cache.get(token, lang, today) if cache else None
    if page is not None:
        after_scan("ok", page.doorplate_id, tok.version, "page", *who, queued=True)
        return page.html, 200, NO_STORE
    epoch = cache.epoch if cache else None
    result, plate = fastscan.scan(tok.plate_id, tok.version, "page", *who)
    if plate is None:  # no such plate: the general path says so and records it
        found = resolve_token(token)
        record_scan(found, "page", current_user)
        response = _page(found)
        commit_scan()
        return response
    html, status, headers = _page(Resolution(result, plate, tok.version), token if result == "ok" else None)
    if cache and result == "ok":
        cache.put(token, lang, pagecache.Page(plate.house_id, plate.id, today, time.monotonic(), html), epoch)
    return html, status, headers


def init_app(app):
    @app.get("/d/<token>")
    def doorplate_page(token):
        tok = tokens.verify(token, keys.signing_keys())
        if tok is not None and fastscan.available():
            return _fast_page(token, tok, _who(current_user))
        found = resolve_token(token)
        record_scan(found, "page", current_user)
        response = _page(found)
        commit_scan()
        return response

    @app.get("/d")
    @app.get("/d/")
    def doorplate_lookup():
        typed = request.args.get("code", "").strip()
        if not typed:
            return render_template("doorplate_lookup.html")
        try:
            found = resolve_short_code(typed)
        except ShortCodeError as err:
            return render_template("doorplate_lookup.html", typed=typed, error=t(err.reason)), 400
        record_scan(found, "short_code", current_user)
        response = _page(found)
        commit_scan()
        return response
