"""The mobile app (pwa/) at /app/: static files with the caching each kind needs."""

import gzip
import hashlib
from functools import cache
from pathlib import Path

from flask import Response, request, send_from_directory
from werkzeug.security import safe_join

from backend import ROOT

PWA = ROOT / "pwa"
SERVED = ("js/", "i18n/", "icons/", "vendor/")  # plus the shell files below; pwa/test/ and the README are not served
SHELL = ("app.css", "manifest.webmanifest")
TYPES = {".webmanifest": "application/manifest+json", ".wasm": "application/wasm", ".mjs": "text/javascript"}


def shell_version() -> str:
    """A digest of every served file: sw.js changes whenever the shell does, so phones are offered the update."""
    return _digest(_served)


def vendor_version() -> str:
    """A digest of the QR decoder's files (pwa/vendor/, scripts/vendor.mjs): its cache lives until they change."""
    return _digest(lambda name: name.startswith("vendor/"))


def _digest(wanted) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in PWA.rglob("*") if p.is_file() and wanted(p.relative_to(PWA).as_posix())):
        digest.update(path.relative_to(PWA).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _served(name: str) -> bool:
    return name in SHELL or name == "index.html" or name.startswith(SERVED)


def _send(name: str, max_age: int = 0):
    response = send_from_directory(PWA, name, mimetype=TYPES.get("." + name.rsplit(".", 1)[-1]), max_age=max_age)
    if not max_age:  # revalidate every time: the service worker, not the HTTP cache, keeps the app offline
        response.headers["Cache-Control"] = "no-cache"
    return response


@cache
def _gzipped(name: str, mtime: float) -> tuple[bytes, str]:
    """A decoder file compressed once per process (the wasm: 1.1 MB → 460 KB on a phone's network), its ETag."""
    body = gzip.compress((PWA / name).read_bytes(), compresslevel=9, mtime=0)
    return body, hashlib.sha256(body).hexdigest()[:20]


def _send_gzipped(name: str):
    body, etag = _gzipped(name, (PWA / name).stat().st_mtime)
    response = Response(body, mimetype=TYPES.get("." + name.rsplit(".", 1)[-1]) or "text/javascript")
    response.headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding", "Cache-Control": "no-cache"})
    response.set_etag(etag)
    return response.make_conditional(request)


def init_app(app):
    @app.get("/app/")
    def pwa_index():
        return _send("index.html")

    @app.get("/app/sw.js")
    def pwa_service_worker():
        text = (PWA / "sw.js").read_text(encoding="utf-8").replace("__SHELL_VERSION__", shell_version(), 1)
        text = text.replace("__VENDOR_VERSION__", vendor_version(), 1)
        headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app/"}
        return text, 200, {"Content-Type": "text/javascript; charset=utf-8", **headers}

    @app.get("/app/<path:name>")
    def pwa_file(name):
        if not _served(name):
            return "", 404
        safe = safe_join(str(PWA), name)
        if name.startswith("vendor/") and request.accept_encodings["gzip"] and safe and Path(safe).is_file():
            return _send_gzipped(name)
        return _send(name, 7 * 86400 if name.startswith("icons/") else 0)
