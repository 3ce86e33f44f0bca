"""Peak memory per worker for parallel photo uploads: the sanitiser of this tree ("after") and of a git ref ("before").

    .venv/bin/python bench/uploads_bench.py [--before main] [--workers 1 2] [--parallel 8]

The upload mix is generated once into bench/out/uploads/ (Pillow only, in a child process so the driver stays small):
`png25.png`, a 5000×5000 fully transparent RGBA PNG (25 MP, ~100 KB, the size of the file in the issue);
`jpeg50.jpg`, an 8660×5774 JPEG (50 MP, a gradient with noise); `phone12.jpg`, a 4000×3000 noisy JPEG at quality 95
(~12 MB, a phone photo). Each scenario (one file ×P, or the three files in turn until P) runs in fresh worker
processes: W processes, each has built the Flask app (`create_app`, so its baseline is a real worker's) and then
calls `sanitise()` for its share of the P uploads from P/W threads at once, as a gthread worker would. A worker
reports its RSS before the uploads and its peak (`VmHWM`) after; "before" loads `backend/uploads/images.py` from
the git ref (`git show`) in place of the current one. The HTTP layer (multipart parsing, one copy of ≤ 10 MB of
bytes) is not in the figure. Result: bench/out/uploads.json; write-up in bench/uploads.md.
"""

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
OUT = ROOT / "bench" / "out"
FILES = OUT / "uploads"
MIX = ("png25.png", "jpeg50.jpg", "phone12.jpg")


def generate() -> None:
    """Write the three upload files (run in a child process: making them costs a few hundred MB)."""
    import struct
    import zlib

    from PIL import Image

    FILES.mkdir(parents=True, exist_ok=True)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    width = height = 5000
    packer, row = zlib.compressobj(9), bytes(1 + 4 * width)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    (FILES / "png25.png").write_bytes(png)

    def noisy(size, sigma, base):
        bands = [Image.effect_noise(size, sigma) for _ in range(3)]
        return Image.blend(Image.merge("RGB", bands), base.resize(size).convert("RGB"), 0.5)

    gradient = Image.linear_gradient("L")
    noisy((8660, 5774), 12, gradient).save(FILES / "jpeg50.jpg", "JPEG", quality=80)
    noisy((4000, 3000), 90, gradient.rotate(90)).save(FILES / "phone12.jpg", "JPEG", quality=96)


def load_images_module(ref: str | None):
    """backend.uploads.images from this tree, or the file as it is at a git ref."""
    if ref is None:
        from backend.uploads import images

        return images
    source = subprocess.run(
        ["git", "show", f"{ref}:backend/uploads/images.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "images_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("images_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rss_kb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024


def worker(ref: str | None, names: list[str]) -> dict:
    """One worker process: build the app, then sanitise every named file at once from its own thread."""
    from backend import create_app

    db = Path(tempfile.mkdtemp()) / "bench.db"
    app = create_app(
        {"SECRET_KEY": "bench", "PUBLIC_BASE_URL": "https://menpai.test", "DATABASE_URL": f"sqlite:///{db}"}
    )
    images = load_images_module(ref)
    max_bytes = app.config["PHOTO_MAX_MB"] * 1024 * 1024

    def one(name):
        # What each view hands the sanitiser: main reads the whole part into bytes, this tree passes the file
        # werkzeug spooled the part to (here: the file on disk).
        started = time.perf_counter()
        try:
            if ref is None:
                with open(FILES / name, "rb") as fp:
                    out = images.sanitise(fp, max_bytes=max_bytes)
            else:
                out = images.sanitise((FILES / name).read_bytes(), max_bytes=max_bytes)
            outcome = f"{out.width}x{out.height}"
        except images.ImageRejected as err:
            outcome = err.reason.removeprefix("error.")
        return outcome, round(time.perf_counter() - started, 2)

    with app.app_context():
        base = rss_kb()
        started = time.perf_counter()
        with ThreadPoolExecutor(len(names)) as pool:
            results = list(pool.map(one, names))
    # VmHWM rather than ru_maxrss, which a child inherits from the process that forked it.
    peak = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
    return {
        "baseline_mb": round(base / 1024),
        "peak_mb": round(peak / 1024),
        "seconds": round(time.perf_counter() - started, 2),
        "uploads": [{"file": n, "outcome": o, "seconds": s} for n, (o, s) in zip(names, results, strict=True)],
    }


def run(ref: str | None, names: list[str], workers: int) -> list[dict]:
    """Start the workers at once, each with its share of the uploads; their reports."""
    shares = [names[i::workers] for i in range(workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps({"ref": ref, "names": share})],
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    return [json.loads(p.communicate()[0]) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git ref of the 'before' sanitiser ('' to skip)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(worker(job["ref"], job["names"])))
        return
    if not all((FILES / name).exists() for name in MIX):
        subprocess.run([sys.executable, "-c", "import uploads_bench; uploads_bench.generate()"], cwd=ROOT / "bench")
    sizes = {name: (FILES / name).stat().st_size for name in MIX}
    scenarios = {name: [name] * args.parallel for name in MIX}
    scenarios["mix"] = [MIX[i % len(MIX)] for i in range(args.parallel)]
    results = []
    for label, ref in (("before", args.before or None), ("after", None)):
        if label == "before" and ref is None:
            continue
        for scenario, names in scenarios.items():
            for workers in args.workers:
                reports = run(ref, names, workers)
                row = {"code": label, "scenario": scenario, "workers": workers, "parallel": len(names)}
                row["peak_mb_max"] = max(r["peak_mb"] for r in reports)
                row["reports"] = reports
                results.append(row)
                outcomes = sorted({u["outcome"] for r in reports for u in r["uploads"]})
                print(
                    f"{label:6} {scenario:8} {workers} workers × {len(names) // workers} threads: "
                    f"peak {[r['peak_mb'] for r in reports]} MB (baseline {[r['baseline_mb'] for r in reports]}), "
                    f"{max(r['seconds'] for r in reports)} s, {outcomes}",
                    file=sys.stderr,
                )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "uploads.json").write_text(json.dumps({"files": sizes, "results": results}, indent=1))


if __name__ == "__main__":
    main()
