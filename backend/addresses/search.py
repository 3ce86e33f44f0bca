"""Ranked fuzzy search over standard addresses, as a landlord types them."""

from sqlalchemy import case, func, or_, select

from backend.addresses.models import Address
from backend.addresses.text import query_terms
from backend.auth.scope import scope_filter
from backend.errors import ValidationError
from backend.extensions import db

MAX_TERMS = 24


def search(query: str, user=None, limit: int = 20) -> list[tuple[Address, int]]:
    """(address, score) best first: whole parts and long words weigh most, then shorter addresses."""
    terms = query_terms(query)[:MAX_TERMS]
    if not terms:
        raise ValidationError("error.search_query_empty", fields={"q": "error.search_query_empty"})
    matches = [Address.search_text.like(pattern) for pattern, _ in terms]
    score = sum(case((m, weight), else_=0) for m, (_, weight) in zip(matches, terms, strict=True))
    stmt = (
        select(Address, score.label("score"))
        .where(or_(*matches))
        .order_by(score.desc(), func.length(Address.full_text), Address.code)
        .limit(limit)
    )
    if user is not None and user.is_staff:
        stmt = stmt.where(scope_filter(user, Address.scope_code))
    return [(a, s) for a, s in db.session.execute(stmt).all()]
