"""Import the division tree from CSV (code,name,level,parent_code): all rows or none."""

import csv
from dataclasses import dataclass

from sqlalchemy import select

from backend import audit
from backend.errors import ValidationError
from backend.extensions import db
from backend.regions.models import Region
from backend.regions.validate import RegionRow, validate_rows
from backend.rejects import ImportRejected

COLUMNS = ("code", "name", "level", "parent_code")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read_csv(path) -> list[RegionRow]:
    """Rows of a division CSV; line numbers count the header as line 1."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError("error.csv_columns", missing=", ".join(missing), want=",".join(COLUMNS))
        return [
            RegionRow(reader.line_num, *((row.get(c) or "").strip() for c in COLUMNS))
            for row in reader
            if any((v or "").strip() for v in row.values())
        ]


def existing_levels() -> dict[str, str]:
    return dict(db.session.execute(select(Region.code, Region.level)).all())


def apply_rows(rows: list[RegionRow], actor=None) -> ImportResult:
    """Validate every row, then upsert by code; raise ImportRejected before writing anything."""
    good, rejects = validate_rows(rows, existing_levels())
    if rejects:
        raise ImportRejected(rejects)
    by_code = {r.code: r for r in db.session.scalars(select(Region))}
    result = ImportResult()
    for row in good:  # parents come first
        region = by_code.get(row.code)
        parent = by_code.get(row.parent_code) if row.parent_code else None
        if region is None:
            region = Region(code=row.code)
            db.session.add(region)
            by_code[row.code] = region
            result.created += 1
        elif (region.name, region.level, region.parent) == (row.name, row.level, parent):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        region.name, region.level, region.parent = row.name, row.level, parent
    db.session.flush()
    audit.record("regions.import", actor=actor, **result.__dict__)
    return result


def import_csv(path, actor=None) -> ImportResult:
    return apply_rows(read_csv(path), actor=actor)
