# ruff: noqa: F811  (the fixtures of test_pwa are imported by name, then requested as arguments)
"""The in-app scanner in Debian's chromium: its fake camera films a plate the app printed itself (a Y4M file),
the self-hosted zxing-wasm polyfill reads it, the tenant checks in, the landlord confirms in a second browser;
a QR code that is not one of our plates is refused with a warning."""

import io

import pytest
from loop_helpers import person
from PIL import Image
from sqlalchemy import select
from test_pwa import CHROMIUM, CHROMIUM_ARGS, log_in, needs_browser, open_app, phone, playwright, server  # noqa: F401

from backend.extensions import db

LANDLORD = "landlord-wang"
FRAME = (640, 480)


def plate_png(app, house_id, dpi=150) -> bytes:
    """The plate as the app prints it (backend/doorplates/render.py through printing.plate_file)."""
    from conftest import house_plate

    from backend.doorplates.printing import plate_file
    from backend.houses.models import House

    with app.app_context():
        return plate_file(house_plate(db.session.get(House, house_id)), 40, "png", dpi)


def qr_png(text) -> bytes:
    """A bare QR code of any text, drawn by the same renderer as our plates."""
    from backend.doorplates.render import qr_matrix
    from backend.doorplates.render import qr_png as draw

    return draw(qr_matrix(text), module_px=8)


def write_y4m(path, png: bytes, frames=4, angle=6):
    """A Y4M clip (FIELD-NOTES): the picture slightly turned on a grey wall, frame after frame, 4:2:0 planes."""
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture.thumbnail((FRAME[0] - 200, FRAME[1] - 80))
    picture = picture.rotate(angle, expand=True, fillcolor=(170, 170, 160), resample=Image.BICUBIC)
    frame = Image.new("RGB", FRAME, (170, 170, 160))
    frame.paste(picture, ((FRAME[0] - picture.width) // 2, (FRAME[1] - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    planes = y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def camera_phone(playwright, tmp_path):
    """camera_phone(y4m) → a page at 360×740 whose camera films that clip (Chromium's fake capture device)."""
    contexts = []

    def open_phone(y4m, **options):
        fake = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"camera-{len(contexts)}"),
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *fake, f"--use-file-for-fake-video-capture={y4m}"],
            headless=True,
            viewport={"width": 360, "height": 740},
            locale="zh-CN",
            permissions=["camera"],
            **options,
        )
        contexts.append(context)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield open_phone
    for context in contexts:
        context.close()


def requests_of(page):
    """Every URL the page (and its service worker) asks for, to show nothing leaves our origin."""
    urls = []
    page.context.on("request", lambda request: urls.append(request.url))
    return urls


@needs_browser
def test_a_tenant_scans_a_printed_plate_checks_in_and_the_landlord_confirms(
    app, houses, make_user, server, phone, camera_phone, tmp_path
):
    from backend.tenancy.models import Tenancy

    make_user("landlord", username=LANDLORD)
    make_user("tenant", username="tenant-li")
    house = houses.add("A1-1", landlord=LANDLORD)
    token, short_code, url = houses.plate(house)
    assert url == f"{server}/d/{token}"  # the printed QR carries this server's origin
    page = camera_phone(write_y4m(tmp_path / "plate.y4m", plate_png(app, house)))
    urls = requests_of(page)

    open_app(page, f"{server}/app/#/scan")
    log_in(page, "tenant-li")
    page.wait_for_selector("#check-in", timeout=30_000)  # the frame was read: the doorplate's check-in form
    assert page.evaluate("'BarcodeDetector' in window") is False  # so it was the polyfill (zxing-wasm) that read it
    assert page.evaluate("location.hash") == f"#/check-in/{token}"
    assert page.inner_text("#plate-code") == short_code
    assert page.evaluate("document.querySelector('#scan-video') === null")
    assert not [u for u in urls if not u.startswith(server)], "everything self-hosted, no CDN"
    assert f"{server}/app/vendor/zxing-wasm/zxing_reader.wasm" in urls

    me = person(3)
    page.fill("#ci-name", me["name"])
    page.fill("#ci-id_number", me["id_number"])
    page.fill("#ci-phone", me["phone"])
    page.fill("#ci-room", "302")
    page.click("#check-in button[type=submit]")
    page.wait_for_selector("#check-in-done[data-status=pending]")
    with app.app_context():
        tenancy = db.session.scalar(select(Tenancy).where(Tenancy.house_id == house))
        assert tenancy.status == "pending" and tenancy.room == "302"

    landlord = phone()  # a second browser: the landlord's phone
    open_app(landlord, f"{server}/app/#/tenants")
    log_in(landlord, LANDLORD)
    landlord.click(f"[data-tenancy-id='{tenancy.id}'] button[data-action=confirm]")
    landlord.wait_for_selector(f"[data-tenancy-id='{tenancy.id}'][data-status=active]")
    with app.app_context():
        assert db.session.get(Tenancy, tenancy.id).status == "active"

    # The tenant sees it under "my tenancy", and the decoder now comes from the service worker's cache.
    page.goto(f"{server}/app/#/my-tenancy")
    page.wait_for_selector(f"[data-tenancy='{tenancy.id}'][data-status=active]")
    assert "解放街12号" in page.inner_text(f"[data-tenancy='{tenancy.id}']")
    kept = page.evaluate("caches.keys()")
    assert [n for n in kept if n.startswith("menpai-vendor-")], kept


@pytest.mark.parametrize(
    "foreign",
    ["https://evil.example/d/{token}", "http://localhost:{port}/d/{token}", "{server}.evil.example/d/{token}"],
    ids=["other-site", "look-alike-origin", "look-alike-host"],
)
@needs_browser
def test_a_qr_code_that_is_not_our_plate_is_refused_with_a_warning(
    houses, make_user, server, camera_phone, tmp_path, foreign
):
    make_user("tenant", username="tenant-li")
    token, _, _ = houses.plate(houses.add("A1-1"))
    text = foreign.format(token=token, server=server, port=server.rsplit(":", 1)[1])
    page = camera_phone(write_y4m(tmp_path / "sticker.y4m", qr_png(text)))
    open_app(page, f"{server}/app/#/scan")
    log_in(page, "tenant-li")
    page.wait_for_selector("#scan-warning[data-reason=foreign]", timeout=30_000)
    assert page.inner_text("#scan-content") == text  # shown as text…
    assert page.locator("#scan-warning a").count() == 0  # …never as a link
    page.wait_for_timeout(500)  # more frames of the same code: still only the warning
    assert page.evaluate("location.hash") == "#/scan"
    assert page.locator("#scan-video[data-detector=zxing]").count() == 1  # still scanning, with the polyfill


@needs_browser
def test_without_a_camera_a_photo_of_the_plate_opens_it(app, houses, make_user, server, phone, tmp_path):
    make_user("grid_worker", "330326100001001", username="grid-wu")
    house = houses.add("A1-1")
    token, short_code, _ = houses.plate(house)
    # A phone camera's 12 MP photo, the plate somewhere in it (read after shrinking to 2048 px).
    photo = Image.new("RGB", (4000, 3000), (150, 140, 120))
    photo.paste(Image.open(io.BytesIO(plate_png(app, house, dpi=600))).rotate(-4, expand=True), (1400, 700))
    photo.save(tmp_path / "photo.jpg", quality=85)
    (tmp_path / "sticker.png").write_bytes(qr_png("https://evil.example/pay"))
    page = phone()  # headless chromium without a fake device: no camera at all
    open_app(page, f"{server}/app/#/scan")
    log_in(page, "grid-wu")
    page.wait_for_selector("#scan-status:has-text('摄像头')")
    assert page.locator("#scan-manual[href='#/find']").count() == 1

    page.set_input_files("#scan-photo", str(tmp_path / "sticker.png"))
    page.wait_for_selector("#scan-warning[data-reason=foreign]")
    assert page.evaluate("location.hash") == "#/scan"
    page.set_input_files("#scan-photo", str(tmp_path / "photo.jpg"))
    page.wait_for_selector("#plate-code")
    assert page.evaluate("location.hash") == f"#/plate/{token}"
    assert page.inner_text("#plate-code") == short_code


def active_tenancy(app, houses, house, tenant, n=0):
    """tenant checks in at house through the API and its landlord confirms; → the tenancy id."""
    from conftest import Auth

    token, _, _ = houses.plate(house)
    me = Auth(app.test_client())
    assert me.login(tenant).status_code == 200
    resp = me.post(f"/api/v1/doorplates/{token}/check-in", json={**person(n), "move_in": "2026-11-01"})
    assert resp.status_code == 201, resp.get_json()
    landlord = Auth(app.test_client())
    assert landlord.login(LANDLORD).status_code == 200
    assert landlord.post(f"/api/v1/tenancies/{resp.get_json()['id']}/confirm").status_code == 200
    return resp.get_json()["id"]


@needs_browser
def test_a_tenant_sees_their_tenancy_and_checks_out_only_after_confirming(app, houses, make_user, server, phone):
    from backend.tenancy.models import Tenancy

    make_user("landlord", username=LANDLORD)
    make_user("tenant", username="tenant-li")
    tenancy = active_tenancy(app, houses, houses.add("A1-1", landlord=LANDLORD), "tenant-li", n=2)
    status = lambda: tenancy_status(app, tenancy)  # noqa: E731
    page = phone()
    open_app(page, f"{server}/app/#/my-tenancy")
    log_in(page, "tenant-li")
    row = f"[data-tenancy='{tenancy}']"
    page.wait_for_selector(f"{row}[data-status=active]")
    assert "解放街12号" in page.inner_text(row)

    page.click(f"{row} button.check-out")
    page.wait_for_selector("#confirm[open]")
    assert "解放街12号" in page.inner_text("#confirm-text")
    page.click("#confirm-no")  # changed their mind: nothing sent
    page.wait_for_timeout(300)
    assert status() == "active"
    page.click(f"{row} button.check-out")
    page.click("#confirm-yes")
    page.wait_for_selector(f"{row}[data-status=ended]")
    assert status() == "ended" and page.locator(f"{row} button.check-out").count() == 0

    # Personal data stays off the phone: no tenancy answer in any cache, and offline the screen says why.
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
            }
            return urls;
        }"""
    )
    assert cached and not [u for u in cached if "/api/v1/tenancies" in u or "/api/v1/people" in u], cached
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#tenancy-offline")
    with app.app_context():
        assert db.session.get(Tenancy, tenancy).ended_by_id is not None


def tenancy_status(app, tenancy_id):
    from backend.tenancy.models import Tenancy

    with app.app_context():
        return db.session.get(Tenancy, tenancy_id).status
