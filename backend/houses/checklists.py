"""Checklists as data (backend/data/checklists.json): the fire self-check and the on-site verification."""

import json
from functools import cache
from pathlib import Path

from backend.errors import ValidationError

PATH = Path(__file__).resolve().parent.parent / "data" / "checklists.json"


@cache
def checklist(name: str) -> list[dict]:
    return json.loads(PATH.read_text(encoding="utf-8"))[name]


def check_answers(name: str, answers, field: str) -> dict[str, bool]:
    """{item id: true/false} with every required item answered and no unknown items."""
    if not isinstance(answers, dict):
        raise ValidationError(fields={field: "error.checklist_shape"})
    items = {item["id"]: item for item in checklist(name)}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise ValidationError(fields={field: "error.checklist_unknown_item"}, items=", ".join(unknown))
    missing = [i for i, item in items.items() if item["required"] and not isinstance(answers.get(i), bool)]
    if missing or not all(isinstance(v, bool) for v in answers.values()):
        raise ValidationError(fields={field: "error.checklist_unanswered"}, items=", ".join(missing))
    return {k: bool(v) for k, v in answers.items()}
