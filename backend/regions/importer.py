"""Import the division tree from a table (code,name,level,parent_code): all rows or none.

The table is a CSV in UTF-8 or GB18030 (detected, or named by `encoding`) or an .xlsx sheet (backend.tabular).
"""

from dataclasses import dataclass

from sqlalchemy import select

from backend import audit
from backend.errors import ValidationError
from backend.extensions import db
from backend.regions.models import Region
from backend.regions.validate import RegionRow, validate_rows
from backend.rejects import ImportRejected
from backend.tabular import open_table

COLUMNS = ("code", "name", "level", "parent_code")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read_csv(path, encoding: str | None = None) -> list[RegionRow]:
    """Rows of a division table (.csv or .xlsx); line numbers count the header as line 1."""
    with open_table(path, encoding) as table:
        missing = [c for c in COLUMNS if c not in table.fieldnames]
        if missing:
            raise ValidationError("error.csv_columns", missing=", ".join(missing), want=",".join(COLUMNS))
        return [RegionRow(line, *(row.get(c, "") for c in COLUMNS)) for line, row in table.rows if any(row.values())]


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


def import_csv(path, actor=None, encoding: str | None = None) -> ImportResult:
    return apply_rows(read_csv(path, encoding), actor=actor)
