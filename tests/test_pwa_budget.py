"""What a phone downloads before the first screen (≤ 150 KB of JS + CSS, gzip), and the QR decoder kept out of it:
self-hosted in pwa/vendor/, the build its bundle expects, served as application/wasm."""

import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from test_pwa import PWA, get

ROOT = PWA.parent
BUDGET = 150 * 1024
STATIC_IMPORT = re.compile(r"^\s*(?:import|export)\s(?:[^'\";]*?\sfrom\s)?['\"]([^'\"]+)['\"]", re.MULTILINE)
DYNAMIC_IMPORT = re.compile(r"\bimport\(\s*['\"]([^'\"]+)['\"]\s*\)")


def normalise(name: str) -> str:
    parts = []
    for part in name.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def first_load() -> dict[str, int]:
    """Every JS and CSS file index.html loads, with the static imports of each module: name → gzip bytes."""
    html = (PWA / "index.html").read_text(encoding="utf-8")
    todo = re.findall(r"""(?:src|href)="/app/([^"]+\.(?:js|css))\"""", html)
    seen = {}
    while todo:
        name = normalise(todo.pop())
        if name in seen:
            continue
        text = (PWA / name).read_text(encoding="utf-8")
        seen[name] = len(gzip.compress(text.encode(), compresslevel=6, mtime=0))
        if name.endswith(".js"):
            todo += [f"{Path(name).parent.as_posix()}/{spec}" for spec in STATIC_IMPORT.findall(text)]
    return seen


def test_the_first_load_stays_within_150_kb_of_js_and_css_gzip():
    files = first_load()
    assert {"js/app.js", "app.css", "js/screens/scan.js", "js/scanner.js", "js/outbox.js"} <= set(files)
    total = sum(files.values())
    print(f"first load: {len(files)} files, {total / 1024:.1f} KB gzip")
    assert total <= BUDGET, sorted(files.items(), key=lambda kv: -kv[1])[:10]


def test_the_decoder_is_loaded_only_when_the_scanner_opens():
    files = set(first_load())
    assert not [name for name in files if name.startswith("vendor/")], "the decoder must stay out of the first load"
    scanner = (PWA / "js" / "scanner.js").read_text(encoding="utf-8")
    assert DYNAMIC_IMPORT.findall(scanner) == ["../vendor/barcode-detector/ponyfill.js"]


def test_the_vendored_decoder_is_the_wasm_build_its_bundle_expects():
    bundle = (PWA / "vendor" / "barcode-detector" / "zxing-exported.js").read_text(encoding="utf-8")
    wasm = (PWA / "vendor" / "zxing-wasm" / "zxing_reader.wasm").read_bytes()
    assert wasm[:4] == b"\0asm"
    assert hashlib.sha256(wasm).hexdigest() in bundle  # a mismatched wasm fails at instantiation on the phone
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    detector = lock["node_modules/barcode-detector"]["version"]
    assert f"barcode-detector {detector}\n" in (PWA / "vendor" / "VERSIONS").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs node and npm (scripts/setup.sh runs npm ci)")
def test_the_vendored_copy_matches_the_locked_npm_packages():
    """After `npm ci`: pwa/vendor/ is exactly what scripts/vendor.mjs copies (re-run it after an upgrade)."""
    modules = ROOT / "node_modules" / "barcode-detector"
    assert modules.is_dir(), "run `npm ci` (scripts/setup.sh does when node is installed)"
    for name in ("ponyfill.js", "zxing-exported.js"):
        assert (PWA / "vendor" / "barcode-detector" / name).read_bytes() == (
            modules / "dist" / "es" / name
        ).read_bytes()
    nested = modules / "node_modules" / "zxing-wasm"
    zxing = nested if nested.is_dir() else ROOT / "node_modules" / "zxing-wasm"
    vendored = (PWA / "vendor" / "zxing-wasm" / "zxing_reader.wasm").read_bytes()
    assert vendored == (zxing / "dist" / "reader" / "zxing_reader.wasm").read_bytes()


def test_the_decoder_is_served_as_wasm_with_its_own_cache_name(client):
    from backend import pwa

    wasm = get(client, "/app/vendor/zxing-wasm/zxing_reader.wasm")
    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm" and wasm.data[:4] == b"\0asm"
    assert get(client, "/app/vendor/barcode-detector/ponyfill.js").mimetype == "text/javascript"
    sw = get(client, "/app/sw.js").data.decode()
    assert f"'menpai-vendor-{pwa.vendor_version()}'" in sw and "__VENDOR_VERSION__" not in sw
    assert "jsdelivr" not in (PWA / "js" / "scanner.js").read_text(encoding="utf-8")


def test_the_decoder_travels_gzipped_to_a_phone_that_accepts_it(client):
    wasm = (PWA / "vendor" / "zxing-wasm" / "zxing_reader.wasm").read_bytes()
    with client.get("/app/vendor/zxing-wasm/zxing_reader.wasm", headers={"Accept-Encoding": "gzip, br"}) as response:
        body = response.get_data()
        assert response.headers["Content-Encoding"] == "gzip" and response.mimetype == "application/wasm"
        assert gzip.decompress(body) == wasm and len(body) < len(wasm) * 0.5
        etag = response.headers["ETag"]
    again = client.get(
        "/app/vendor/zxing-wasm/zxing_reader.wasm", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert get(client, "/app/vendor/../../wsgi.py").status_code == 404
