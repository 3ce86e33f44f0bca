"""The scan rule, once: what a validly signed token says about its plate. Pure: no Flask, no database.

Both paths ask it: the general path after its ORM read (doorplates/operations.py: resolve_token) and PostgreSQL's
fast path after its one prepared read (fastscan.read); tests/test_fastpath_rule.py runs every combination through
both on PostgreSQL. A tampered token (bad signature) and a plate that does not exist never get here.
"""

OK, REVOKED, UNKNOWN = "ok", "revoked", "unknown"


def classify(token_version: int, plate_version: int, plate_state: str, house_state: str) -> str:
    """ok / revoked / unknown for a token of a plate that exists.

    - A version above the plate's was never issued (a leaked key?): "unknown", whatever the plate's state, logged
      against the plate. (The fast path used to answer "revoked" for a revoked plate here.)
    - An older version (a replaced plate) or a plate revoked for good: "revoked".
    - Otherwise "ok", a pending plate included (it is shown before it is verified). The house's state does not change
      the outcome: the page shows it (declared, suspended, closed …) and withdrawing a house revokes its plate.
    """
    del house_state  # part of the rule's input on purpose: see above
    if token_version > plate_version:
        return UNKNOWN
    if token_version < plate_version or plate_state == "revoked":
        return REVOKED
    return OK
