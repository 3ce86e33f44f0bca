"""Print N doorplates to one PDF the way `flask doorplates print` does, and measure time and peak memory.

    .venv/bin/python bench/doorplates_bench.py --plates 10000 [--size 40] [--workers 2] [--database-url URL]

Builds the demo town, adds N houses on generated addresses inside its first grid (setup, not timed), then times
select_plates + pdf_stream to bench/out/plates-N.pdf, checks the page count with pdfinfo and decodes one sheet
with zxing-cpp. Result: bench/out/doorplates-N.json.
"""

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def fresh_database(url: str | None) -> str:
    if url and url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return url
    url = (
        url
        or subprocess.run(
            ["bash", "scripts/postgres.sh", "menpai_bench_plates"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()[-1]
    )
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE EXTENSION postgis"))
    engine.dispose()
    return url


def build(app, plates: int) -> str:
    """Demo town + `plates` houses on addresses spread over grid 330326100001001. Returns the grid code."""
    import flask_migrate
    from sqlalchemy import select

    from backend.addresses.assign import assign_grids
    from backend.addresses.importer import CSV_COLUMNS, import_file
    from backend.addresses.models import Address
    from backend.demo.seed import seed
    from backend.extensions import db
    from backend.houses.models import House
    from backend.houses.operations import register_house

    flask_migrate.upgrade()
    seed()
    grid = "330326100001001"
    sample = db.session.scalars(select(Address).where(Address.scope_code == grid)).first()
    lon, lat = db.session.execute(
        select(Address.point.ST_X(), Address.point.ST_Y()).where(Address.id == sample.id)
    ).one()
    rng = random.Random(1)
    path = OUT / f"plate-addresses-{plates}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        out.writeheader()
        for n in range(plates):
            out.writerow(
                {
                    "code": f"BENCH{n:07d}",
                    "region_code": sample.region.code,
                    "road": rng.choice(["解放街", "县前街", "鳌峰路", "城西路"]),
                    "door_number": str(1 + n // 60),
                    "compound": "鳌峰花园",
                    "building": str(1 + n // 12 % 5),
                    "unit": str(1 + n // 4 % 3),
                    "room": f"{1 + n % 4}0{1 + n % 2}",
                    "lon": f"{lon + rng.uniform(-0.0002, 0.0002):.6f}",
                    "lat": f"{lat + rng.uniform(-0.0002, 0.0002):.6f}",
                }
            )
    import_file(path)
    assign_grids()
    taken = set(db.session.scalars(select(House.address_id)))
    for address in db.session.scalars(select(Address).where(Address.code.like("BENCH%"))):
        if address.id not in taken:
            register_house(address, max_occupants=4)
    db.session.commit()
    return grid


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plates", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=40, choices=(40, 75, 120))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    from backend import create_app
    from backend.doorplates import printing
    from backend.extensions import db

    url = fresh_database(args.database_url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://menpai.example.gov.cn"})
    with app.app_context():
        t0 = time.perf_counter()
        grid = build(app, args.plates)
        print(f"setup {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        pdf = OUT / f"plates-{args.plates}.pdf"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        plates = printing.select_plates(region_code=grid)
        t_select = time.perf_counter() - t0
        done = 0

        def progress(n):
            nonlocal done
            done += n
            if done % 1000 < n:
                print(f"  {done} plates, {time.perf_counter() - t0:.1f} s", file=sys.stderr)

        with open(pdf, "wb") as fh:
            for chunk in printing.pdf_stream(plates, args.size, workers=args.workers, progress=progress):
                fh.write(chunk)
        elapsed = time.perf_counter() - t0
        db.session.rollback()
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    subprocess.run(["pdftoppm", "-r", "150", "-f", "2", "-l", "2", "-png", str(pdf), str(OUT / "sheet")], check=True)
    import zxingcpp
    from PIL import Image

    decoded = len(zxingcpp.read_barcodes(Image.open(next(OUT.glob("sheet-*2.png")))))
    result = {
        "plates": len(plates),
        "size_mm": args.size,
        "workers": args.workers,
        "database": url.split(":")[0],
        "select_s": round(t_select, 2),
        "total_s": round(elapsed, 1),
        "plates_per_s": round(len(plates) / elapsed),
        "pages": pages,
        "pdf_mb": round(pdf.stat().st_size / 1e6, 1),
        "peak_rss_parent_mb_before": rss_before // 1024,
        "peak_rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "peak_rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "codes_decoded_on_sheet_2": decoded,
    }
    (OUT / f"doorplates-{args.plates}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
