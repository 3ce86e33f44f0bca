"""Translation catalogs: every user-facing text lives in backend/translations/<lang>.json."""

import json
import os
from functools import cache, lru_cache
from pathlib import Path

from flask import current_app, g, has_app_context, has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

CATALOG_DIR = Path(__file__).parent / "translations"
FALLBACK = "zh-CN"


@cache
def catalog(lang: str) -> dict:
    return json.loads((CATALOG_DIR / f"{lang}.json").read_text(encoding="utf-8"))


@cache
def languages() -> list[str]:
    return sorted(p.stem for p in CATALOG_DIR.glob("*.json"))


def current_language() -> str:
    """Request: ?lang= or Accept-Language; CLI: MENPAI_LANG; otherwise the configured default."""
    if has_request_context():
        # A page asks for dozens of texts: work the language out once per request.
        if "lang" not in g:
            g.lang = _language()
        return g.lang
    return _language()


def _language() -> str:
    supported = languages()
    if has_request_context():
        asked = request.args.get("lang")
        if asked in supported:
            return asked
        best = _best_match(request.headers.get("Accept-Language", ""), tuple(supported))
        if best:
            return best
    env = os.environ.get("MENPAI_LANG")
    if env in supported:
        return env
    if has_app_context():
        return current_app.config.get("DEFAULT_LANGUAGE", FALLBACK)
    return FALLBACK


@lru_cache(maxsize=512)
def _best_match(header: str, supported: tuple[str, ...]) -> str | None:
    """Accept-Language → one of ours; phones send a handful of distinct headers, so parse each once."""
    return parse_accept_header(header, LanguageAccept).best_match(supported) if header else None


def t(key: str, lang: str | None = None, default: str | None = None, **params) -> str:
    """The text for key in the current language, formatted with params."""
    lang = lang or current_language()
    text = catalog(lang).get(key) or catalog(FALLBACK).get(key) or default or key
    return text.format_map(_Params(params)) if params else text


class _Params(dict):
    """Leave a placeholder the caller did not fill as it is, rather than fail on it."""

    def __missing__(self, key):
        return "{" + key + "}"


def bound(lang: str | None = None):
    """t() with the language fixed: for hot pages that ask for dozens of texts."""
    lang = lang or current_language()
    texts, fallback = catalog(lang), catalog(FALLBACK)

    def translate(key: str, default: str | None = None, **params) -> str:
        text = texts.get(key) or fallback.get(key) or default or key
        return text.format_map(_Params(params)) if params else text

    return translate, lang


def init_app(app):
    app.jinja_env.globals["t"] = t
    app.jinja_env.globals["current_language"] = current_language
