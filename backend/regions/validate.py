"""Pure checks of region rows (CSV lines or GeoJSON features) against each other and the tree."""

from dataclasses import dataclass

from backend.regions.models import CODE_LENGTH, LEVELS, parent_level
from backend.rejects import Reject


@dataclass
class RegionRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


def _row_problem(row: RegionRow):
    """A (key, params) for a row that is wrong on its own, else None."""
    if not row.code.isdigit():
        return "reject.code_not_digits", {}
    if row.level not in LEVELS:
        return "reject.bad_level", {"level": row.level, "levels": ", ".join(LEVELS)}
    if len(row.code) != CODE_LENGTH[row.level]:
        return "reject.code_length", {"length": len(row.code), "level": row.level, "want": CODE_LENGTH[row.level]}
    if not row.name:
        return "reject.name_missing", {}
    if row.level == "province" and row.parent_code:
        return "reject.province_has_parent", {}
    return None


def _parent_problem(row: RegionRow, levels: dict):
    """Problems with the row's parent; levels maps every known code to its level."""
    want = parent_level(row.level)
    if want is None:
        return None
    if not row.parent_code:
        return "reject.parent_missing", {}
    if row.parent_code not in levels:
        return "reject.unknown_parent", {"parent": row.parent_code}
    if levels[row.parent_code] != want:
        return "reject.parent_level", {"parent": row.parent_code, "got": levels[row.parent_code], "want": want}
    if not row.code.startswith(row.parent_code):
        return "reject.code_not_under_parent", {"parent": row.parent_code}
    return None


def validate_rows(rows: list[RegionRow], existing_levels: dict[str, str]) -> tuple[list[RegionRow], list[Reject]]:
    """Split rows into good ones (parents first) and rejects; a child of a rejected row is rejected too."""
    rejects, first_line = [], {}
    candidates = []
    for row in rows:
        if row.code in first_line:
            rejects.append(Reject(row.line, row.code, "reject.duplicate_code", {"first": first_line[row.code]}))
            continue
        first_line[row.code] = row.line
        problem = _row_problem(row)
        if problem:
            rejects.append(Reject(row.line, row.code, *problem))
        else:
            candidates.append(row)
    bad_codes = {r.code for r in rejects}
    levels = {c: lv for c, lv in existing_levels.items() if c not in bad_codes}
    good = []
    for row in sorted(candidates, key=lambda r: (LEVELS.index(r.level), r.line)):
        problem = _parent_problem(row, levels)
        if problem:
            rejects.append(Reject(row.line, row.code, *problem))
        else:
            levels[row.code] = row.level
            good.append(row)
    rejects.sort(key=lambda r: r.line)
    return good, rejects
