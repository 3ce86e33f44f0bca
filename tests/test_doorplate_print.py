"""flask doorplates print / plate / revoke / new-key: real PDFs, read back with poppler and zxing-cpp."""

import re
import subprocess

import zxingcpp
from PIL import Image
from sqlalchemy import select

from backend.addresses.models import Address
from backend.doorplates.printing import natural
from backend.extensions import db

ORDER = ["A1-2", "A1-1", "A1-3", "A1-4", "A2-1"]  # 解放街12号 < 12号3幢 < 112号; 解放路; then the next community


def _codes_on(pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "p")], check=True)
    found = []
    for page in sorted(tmp_path.glob("p-*.png")):
        # zxing returns codes in no particular order: sort by position, rows first.
        codes = zxingcpp.read_barcodes(Image.open(page))
        found += [
            c.text for c in sorted(codes, key=lambda c: (round(c.position.top_left.y, -2), c.position.top_left.x))
        ]
    return found


def test_print_a_township_in_address_order_then_mark_printed(runner, houses, tmp_path, app):
    ids = {code: houses.add(code) for code in reversed(ORDER)}
    ids["B1-1"] = houses.add("B1-1")  # another township: not printed
    out = tmp_path / "sheets.pdf"
    result = runner.invoke(args=["doorplates", "print", "--region", "330326100", "--size", "75", "--out", str(out)])
    assert result.exit_code == 0, result.output
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\n", info) and "(A4)" in info  # 4 plates of 75 mm a sheet
    assert _codes_on(out, tmp_path) == [houses.plate(ids[code])[2] for code in ORDER]
    again = runner.invoke(args=["doorplates", "print", "--region", "330326100", "--unprinted", "--out", str(out)])
    assert again.exit_code == 1 and "没有需要打印" in again.output


def test_natural_sort_of_door_numbers():
    assert sorted(["12", "112", "9", "12-1", "3幢"], key=natural) == ["3幢", "9", "12", "12-1", "112"]
    with_address = [("解放街", "12"), ("解放街", "9")]
    assert sorted(with_address, key=lambda a: (a[0], natural(a[1])))[0][1] == "9"


def test_unknown_region_and_missing_font_are_clear_errors(runner, houses, tmp_path, app):
    houses.add("A1-1")
    result = runner.invoke(args=["doorplates", "print", "--region", "999", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "区划代码" in result.output
    app.config["DOORPLATE_FONT"] = str(tmp_path / "nofont.ttf")
    _, short_code, _ = houses.plate(houses.add("A1-2"))
    result = runner.invoke(args=["doorplates", "plate", short_code, "--out", str(tmp_path / "p.png")])
    assert result.exit_code == 1 and "fonts-noto-cjk" in result.output


def test_one_plate_to_png_and_svg(runner, houses, tmp_path):
    _, short_code, url = houses.plate(houses.add("A1-1"))
    result = runner.invoke(
        args=["doorplates", "plate", short_code.lower(), "--size", "40", "--out", str(tmp_path / "p.png")]
    )
    assert result.exit_code == 0, result.output
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(tmp_path / "p.png"))] == [url]
    runner.invoke(args=["doorplates", "plate", short_code, "--out", str(tmp_path / "p.svg")])
    svg = (tmp_path / "p.svg").read_text(encoding="utf-8")
    assert "解放街" in svg and "12号" in svg


def test_key_rotation_keeps_old_plates_valid(runner, houses, client, app):
    old_house = houses.add("A1-1")
    old_token, _, _ = houses.plate(old_house)
    result = runner.invoke(args=["doorplates", "new-key"])
    assert result.exit_code == 0, result.output
    new_token, _, _ = houses.plate(houses.add("A1-2"))
    assert old_token[0] != new_token[0]  # the key id leads the token
    assert client.get(f"/d/{old_token}").status_code == 200
    assert client.get(f"/d/{new_token}").status_code == 200
    houses.revoke(old_house, "damaged")  # a re-issue is signed with the current key
    assert houses.plate(old_house)[0][0] == new_token[0]


def test_revoke_from_the_cli(runner, houses, client):
    house = houses.add("A1-1")
    token, short_code, _ = houses.plate(house)
    result = runner.invoke(args=["doorplates", "revoke", short_code, "--reason", "damaged"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/d/{token}").status_code == 410
    with houses.app.app_context():
        assert db.session.scalar(select(Address.code).where(Address.code == "A1-1")) == "A1-1"
