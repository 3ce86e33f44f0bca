"""Bulk staff import from a table (username,name,role,region_code,phone): every row or none.

The table is a CSV in UTF-8 or GB18030 (detected) or an .xlsx sheet (backend.tabular), a file on the server (`flask
users import`) or an upload kept in memory (POST /api/v1/users/import), or JSON rows. Every row is checked before
anything is written; one bad row rejects the file with a report by line (backend/rejects.py), as the region
importer does. Each new account gets a one-time password, returned to the caller once (the API's answer, the CLI's
stdout or the file the operator names) and never logged or stored in clear.

A role may be given as its key (grid_worker) or as its label in either language (网格员, Grid worker).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from backend import audit
from backend.auth.models import STAFF_ROLES, User
from backend.auth.operations import create_user
from backend.cockpit.export import FORMULA
from backend.errors import ValidationError
from backend.extensions import db
from backend.i18n import catalog, languages
from backend.people.validate import PersonDataError, check_phone
from backend.people.vault import phone_index
from backend.regions.models import Region
from backend.rejects import ImportRejected, Reject
from backend.tabular import open_table
from backend.users.contracts import NAME_MAX, USERNAME_PATTERN
from backend.users.operations import managed_roles, manager_scope, may_reach, one_time_password

COLUMNS = ("username", "name", "role", "region_code", "phone")
REQUIRED = ("username", "name", "role", "region_code")  # the phone column may be left out of a file
OUTPUT = ("line", "username", "name", "role", "region_code", "password")
USERNAME = re.compile(USERNAME_PATTERN)
CHUNK = 500  # values in one IN (...): SQLite allows 999 parameters


@dataclass
class StaffRow:
    line: int
    username: str = ""
    name: str = ""
    role: str = ""
    region_code: str = ""
    phone: str = ""


@dataclass
class Checked:
    """A row that passed every check, normalised."""

    row: StaffRow
    username: str
    role: str
    region: Region | None
    phone: str | None


@dataclass
class Created:
    line: int
    user: User
    region_code: str | None
    password: str


def read_table(source, encoding: str | None = None) -> list[StaffRow]:
    """Rows of a staff table (a path, or a tabular.Upload); line numbers count the header as line 1."""
    with open_table(source, encoding) as table:
        missing = [c for c in REQUIRED if c not in table.fieldnames]
        if missing:
            raise ValidationError("error.csv_columns", missing=", ".join(missing), want=",".join(COLUMNS))
        return [StaffRow(line, *(row.get(c, "") for c in COLUMNS)) for line, row in table.rows if any(row.values())]


def rows_of(items) -> list[StaffRow]:
    """JSON rows (contracts.ImportRow): row n is line n."""
    return [StaffRow(n, *((getattr(item, c) or "") for c in COLUMNS)) for n, item in enumerate(items, start=1)]


def role_names() -> dict[str, str]:
    """Every way a role may be written (its key, its label in each language, case-folded) -> the role."""
    out = {}
    for role in STAFF_ROLES:
        out[role] = role
        for lang in languages():
            label = catalog(lang).get(f"audit.role.{role}")
            if label:
                out[label.casefold()] = role
    return out


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _existing(column, values) -> set:
    found = set()
    for part in _chunks(sorted(set(values))):
        found |= set(db.session.scalars(select(column).where(column.in_(part))))
    return found


def check_rows(actor, rows: list[StaffRow]) -> tuple[list[Checked], list[Reject]]:
    """Split rows into those ready to create and rejects (the first problem of each row), without writing."""
    names, allowed = role_names(), managed_roles(actor)
    everywhere = manager_scope(actor) == ""
    usernames = [r.username.lower() for r in rows if r.username]
    taken = _existing(User.username, usernames)
    codes = {r.region_code for r in rows if r.region_code}
    regions = {}
    for part in _chunks(sorted(codes)):
        regions |= {g.code: g for g in db.session.scalars(select(Region).where(Region.code.in_(part)))}
    phones, indexes = {}, {}
    for r in rows:
        try:
            phones[r.line] = check_phone(r.phone) if r.phone else None
        except PersonDataError:
            phones[r.line] = False
        if phones[r.line]:
            indexes[r.line] = phone_index(phones[r.line])
    phones_taken = _existing(User.phone_index, list(indexes.values()))

    good, rejects, first_username, first_phone = [], [], {}, {}
    for r in rows:
        username = r.username.lower()
        role = names.get(r.role.casefold()) if r.role else None
        region = regions.get(r.region_code)
        phone, index = phones[r.line], indexes.get(r.line)
        problem = None
        if not r.username:
            problem = ("reject.field_missing", {"field": "username"})
        elif not USERNAME.fullmatch(r.username):
            problem = ("reject.username_format", {})
        elif username in first_username:
            problem = ("reject.duplicate_username", {"first": first_username[username]})
        elif username in taken:
            problem = ("reject.username_taken", {})
        elif len(r.name) > NAME_MAX:
            problem = ("reject.name_too_long", {"max": NAME_MAX})
        elif not r.role:
            problem = ("reject.field_missing", {"field": "role"})
        elif role is None:
            problem = ("reject.bad_role", {"role": r.role, "roles": ", ".join(STAFF_ROLES)})
        elif role not in allowed:
            problem = ("reject.role_not_allowed", {"role": role})
        elif not r.region_code and not (role == "admin" and everywhere):
            problem = ("reject.field_missing", {"field": "region_code"})
        elif r.region_code and (region is None or not may_reach(actor, region.code)):
            problem = ("reject.region_not_in_scope", {"region": r.region_code})
        elif phone is False:
            problem = ("reject.phone_format", {})
        elif index and index in first_phone:
            problem = ("reject.duplicate_phone", {"first": first_phone[index]})
        elif index and index in phones_taken:
            problem = ("reject.phone_taken", {})
        first_username.setdefault(username, r.line)
        if index:
            first_phone.setdefault(index, r.line)
        if problem:
            rejects.append(Reject(r.line, r.username, *problem))
        else:
            good.append(Checked(r, username, role, region, phone))
    return good, rejects


def apply_rows(
    actor, rows: list[StaffRow], progress: Callable[[int], None] | None = None, via: str = "api"
) -> list[Created]:
    """Create every row's account with a one-time password, or raise ImportRejected before writing anything."""
    good, rejects = check_rows(actor, rows)
    if rejects:
        raise ImportRejected(rejects)
    if not good:
        raise ValidationError("error.import_empty")
    created = []
    for item in good:
        password = one_time_password()
        code = item.region.code if item.region else None
        user = create_user(
            item.username,
            password,
            item.role,
            code,
            item.row.name or None,
            actor=actor,
            one_time=True,
            phone=item.phone,
        )
        created.append(Created(item.row.line, user, code, password))
        if progress:
            progress(1)
    audit.record("users.import", actor=actor, region_code=manager_scope(actor) or None, created=len(created), via=via)
    return created


def _cell(value):
    """A value as a spreadsheet should show it: a text it would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return "" if value is None else value


def passwords_csv(created: list[Created], out=None, bom: bool = True) -> str | None:
    """The new accounts and their one-time passwords as CSV (with a BOM, Excel reads the Chinese as UTF-8): written
    to out, or returned."""
    buf = io.StringIO() if out is None else out
    if bom:
        buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(OUTPUT)
    for c in created:
        writer.writerow(
            [_cell(v) for v in (c.line, c.user.username, c.user.display_name, c.user.role, c.region_code, c.password)]
        )
    return None if out is not None else buf.getvalue()
