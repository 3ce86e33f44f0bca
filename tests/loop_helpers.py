"""Shared pieces of the rental-loop tests: valid people, a JPEG, the checklists answered."""

import io

from PIL import Image
from stdnum.cn import ric

from backend.houses.checklists import checklist


def id_number(base="33032619900101123") -> str:
    """A valid resident ID number (stdnum computes the check character)."""
    return base + ric.calc_check_digit(base + "0")


def person(n=0) -> dict:
    return {
        "name": ["张三", "李四", "王小五", "赵六"][n % 4],
        "id_number": id_number(f"33032619900101{n:03d}"),
        "phone": f"1381234{n:04d}",
    }


def answers(name, value=True) -> dict:
    return {item["id"]: value for item in checklist(name)}


def jpeg(width=64, height=48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def declaration(address_code="A1-1", **extra) -> dict:
    return {
        "address_code": address_code,
        "rooms": 2,
        "floor_area": 45.5,
        "max_occupants": 2,
        "rent_type": "whole",
        "fire_self_check": answers("fire_self_check"),
        **extra,
    }
