"""flask demo seed: real divisions, a generated town, one account per role — through the real importers."""

import csv
import json
from pathlib import Path

from flask import current_app
from shapely.geometry import Point
from sqlalchemy import func, select

from backend.addresses.assign import assign_grids
from backend.addresses.importer import CSV_COLUMNS, import_file
from backend.auth.models import User
from backend.auth.operations import create_user
from backend.cockpit.aggregates import refresh as refresh_cockpit
from backend.demo.history import seed_history
from backend.demo.houses import sample_urls, seed_houses
from backend.demo.town import TOWNS, boundaries, doors
from backend.extensions import db
from backend.houses.models import House
from backend.regions.boundaries import import_boundaries
from backend.regions.importer import import_csv

DIVISIONS = Path(__file__).resolve().parent.parent / "data" / "divisions-zhejiang.csv"
DEMO_PASSWORD = "menpai-demo"
# username, role, scope region code
ACCOUNTS = [
    ("admin", "admin", None),
    ("supervisor", "supervisor", "330326100"),
    ("police", "police", "330326"),
    ("fire", "fire_officer", "330326100"),
    ("grid", "grid_worker", "330326100001001"),
    ("landlord", "landlord", None),
    ("tenant", "tenant", None),
]


def write_demo_files(folder: Path) -> tuple[Path, Path]:
    """The town as the files a real deployment would import: boundaries GeoJSON + addresses CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    features, address_rows = [], []
    for town in TOWNS:
        feats, communities = boundaries(town)
        features += feats
        seq = {code: 0 for code, _, _ in communities}
        for row in doors(town):
            code = next(c for c, _, shape in communities if shape.covers(Point(row["lon"], row["lat"])))
            seq[code] += 1
            address_rows.append({**row, "code": f"{code}{seq[code]:06d}", "region_code": code})
    geojson = folder / "boundaries.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    addresses = folder / "addresses.csv"
    with open(addresses, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in CSV_COLUMNS} for row in address_rows)
    return geojson, addresses


def _ensure_account(username, role, region_code):
    user = db.session.scalar(select(User).where(User.username == username))
    return user or create_user(username, DEMO_PASSWORD, role, region_code, display_name=f"演示-{username}")


def seed(echo=lambda *_: None) -> dict:
    """Idempotent: re-running updates in place."""
    regions = import_csv(DIVISIONS)
    echo(f"regions: {regions.created} new, {regions.updated} updated, {regions.unchanged} unchanged")
    geojson, addresses = write_demo_files(Path(current_app.instance_path) / "demo")
    import_boundaries(geojson)
    result = import_file(addresses)
    grids = assign_grids()
    users = {username: _ensure_account(username, role, code) for username, role, code in ACCOUNTS}
    plates = seed_houses(users["landlord"], users["fire"])
    seed_history(plates, users["landlord"])  # twelve weeks of past for the cockpit
    refresh_cockpit()  # its summary reads the aggregates (cron runs `flask cockpit refresh` in production)
    houses = db.session.scalar(select(func.count(House.id)))
    return {
        "houses": houses,
        "new_plates": len(plates),
        "sample_urls": sample_urls(),
        "addresses": result["written"],
        "grids": grids["assigned"],
        "unassigned": grids["unassigned"],
        "accounts": [(u, r, c or "-") for u, r, c in ACCOUNTS],
    }
