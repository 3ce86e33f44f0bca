"""Shared pieces of the rental-loop tests: valid people, a JPEG, the checklists answered."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor

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


def at_once(n, fn) -> list:
    """fn(0) … fn(n-1) in n threads released together by a barrier: the requests race for real."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def all_at_once(calls) -> list:
    """Each of calls (no arguments) at the same moment; their answers in order."""
    return at_once(len(calls), lambda i: calls[i]())


def signed_in(app, username, n) -> list:
    """n separate clients signed in as username (each its own session, as n phones would be)."""
    from tests.conftest import Auth

    out = []
    for _ in range(n):
        auth = Auth(app.test_client())
        assert auth.login(username).status_code == 200
        out.append(auth)
    return out
