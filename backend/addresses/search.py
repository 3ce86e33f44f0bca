"""Ranked fuzzy search over standard addresses, as a landlord types them."""

from sqlalchemy import case, func, or_, select

from backend.addresses.models import Address
from backend.addresses.text import query_terms
from backend.auth.scope import scope_filter
from backend.errors import ValidationError
from backend.extensions import db

MAX_TERMS = 24
# pg_trgm can take a LIKE '%…%' pattern to the trigram index only if it holds a trigram: 3+ characters.
INDEXABLE = 3


REGION_SUFFIXES = ("省", "市", "县", "区", "镇", "乡", "街道", "社区", "村")


def narrow_terms(terms: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The selective words: roads and compounds of 3+ characters (a township name matches a quarter of a county,
    '|2单元|' more); empty when the query has none."""
    words = [(p, w) for p, w in terms if "|" not in p and len(p.strip("%")) >= INDEXABLE]
    return [(p, w) for p, w in words if not p.strip("%").endswith(REGION_SUFFIXES)]


def search(query: str, user=None, limit: int = 20) -> list[tuple[Address, int]]:
    """(address, score) best first: whole parts and long words weigh most, then shorter addresses.

    First only rows containing a road or compound word are scored (the trigram index finds them in milliseconds
    on PostgreSQL); if that finds nothing — a typo such as 解放路 for 解放街 — every term filters, as before.
    """
    rows = []
    if narrow_terms(query_terms(query)[:MAX_TERMS]):
        rows = db.session.execute(search_statement(query, user, limit, narrow=True)).all()
    if not rows:
        rows = db.session.execute(search_statement(query, user, limit)).all()
    return [(a, s) for a, s in rows]


def search_statement(query: str, user=None, limit: int = 20, narrow=False):
    """The SELECT search() runs: every term scores; the road/compound words (narrow) or all terms filter."""
    terms = query_terms(query)[:MAX_TERMS]
    if not terms:
        raise ValidationError("error.search_query_empty", fields={"q": "error.search_query_empty"})
    score = sum(case((Address.search_text.like(pattern), weight), else_=0) for pattern, weight in terms)
    filters = narrow_terms(terms) if narrow else terms
    stmt = (
        select(Address, score.label("score"))
        .where(or_(*(Address.search_text.like(pattern) for pattern, _ in filters)))
        .order_by(score.desc(), func.length(Address.full_text), Address.code)
        .limit(limit)
    )
    if user is not None and user.is_staff:
        stmt = stmt.where(scope_filter(user, Address.scope_code))
    return stmt
