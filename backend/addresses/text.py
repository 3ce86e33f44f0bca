"""Pure address text: normalise, build the full text and the search text, split a typed query."""

import re
import unicodedata
from functools import lru_cache

# Spellings people type after a number for the same thing → the registry's word ("3栋" → "3幢").
SYNONYMS = ((re.compile(r"(\d[a-z]?)(?:号楼|栋|座)"), r"\1幢"), (re.compile(r"(\d[a-z]?)(?:房|号房)"), r"\1室"))
SUFFIX = {"door_number": "号", "building": "幢", "unit": "单元", "floor": "层", "room": "室"}
SEP = "|"
_TOKEN = re.compile(r"\d+[a-z]?(?:号楼|号|幢|单元|层|室|弄)?|[^\d\s]+")
_NUMBER_WITH_UNIT = re.compile(r"^\d+[a-z]?(号|幢|单元|层|室|弄)$")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """NFKC (full-width digits → ASCII), lower case, no blanks or LIKE wildcards, synonyms unified.

    Memoised: an import normalises the same few thousand road, compound and region names over and over.
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = re.sub(r"[\s%_\\|,，。·\-—]+", " ", text).strip()
    for typed, canonical in SYNONYMS:
        text = typed.sub(canonical, text)
    return text


def with_suffix(component: str, value: str | None) -> str:
    """'12' → '12号' for a door number; values that already carry a word are kept."""
    if not value:
        return ""
    value = normalise(value).replace(" ", "")
    suffix = SUFFIX.get(component, "")
    return value + suffix if suffix and value[-1].isdigit() else value


def parts(region_names: list[str], fields: dict) -> list[str]:
    """The address as ordered parts: 行政区划 + 街巷 + 门牌 + 小区 + 楼栋 + 单元 + 楼层 + 户号."""
    out = [n for n in region_names if n]
    out.append(normalise(fields.get("road") or "").replace(" ", ""))
    out.append(with_suffix("door_number", fields.get("door_number")))
    out.append(normalise(fields.get("compound") or "").replace(" ", ""))
    out.append(with_suffix("building", fields.get("building")))
    out.append(with_suffix("unit", fields.get("unit")))
    # The room number already says the floor (301室); the floor is written only when there is no room.
    if not fields.get("room"):
        out.append(with_suffix("floor", fields.get("floor")))
    out.append(with_suffix("room", fields.get("room")))
    return [p for p in out if p]


def texts(region_names: list[str], fields: dict) -> tuple[str, str]:
    """(full text, search text) from one parts() call: what the importer stores for every row."""
    p = parts(region_names, fields)
    return "".join(p), _search_text(p)


def full_text(region_names: list[str], fields: dict) -> str:
    return "".join(parts(region_names, fields))


def search_text(region_names: list[str], fields: dict) -> str:
    """Parts joined by a separator so '12号' can be matched whole and not inside '112号'."""
    return _search_text(parts(region_names, fields))


def _search_text(parts_: list[str]) -> str:
    # Parts are normalised again: region names come as stored, and removing blanks can form a synonym.
    return SEP + SEP.join(map(normalise, parts_)) + SEP


def contains_words(query: str, most: int = 8) -> list[str]:
    """A typed filter as words the search text must contain, in any order: a number with its unit as a whole part
    ('|12号|' is not inside '|112号|'), any other word anywhere. The first `most` words of the first 100 characters."""
    words = normalise(query[:100]).split()
    return [f"{SEP}{w}{SEP}" if _NUMBER_WITH_UNIT.match(w) else w for w in words[:most]]


def query_terms(query: str) -> list[tuple[str, int]]:
    """(LIKE pattern, weight) pairs for a typed query, most specific first.

    A number with its unit must match a whole part ('|12号|'); a bare number the start of a part;
    a word anywhere, and for words of three or more characters each two-character piece too,
    so '解放路' still finds '解放街' (ranked below an exact match).
    """
    terms: dict[str, int] = {}
    for token in _TOKEN.findall(normalise(query)):
        token = token.strip()
        if not token:
            continue
        if _NUMBER_WITH_UNIT.match(token):
            terms[f"%{SEP}{token}{SEP}%"] = 4
        elif token[0].isdigit():
            terms[f"%{SEP}{token}%"] = 2
        else:
            terms[f"%{token}%"] = max(terms.get(f"%{token}%", 0), 2 * len(token))
            if len(token) >= 3:
                for i in range(len(token) - 1):
                    terms.setdefault(f"%{token[i : i + 2]}%", 1)
    return sorted(terms.items(), key=lambda kv: -kv[1])
