"""What an account may act as. Staff act in their role. A resident (an account its holder made with their phone)
lets houses and lives in them: it acts as a landlord for the houses it declared and as a tenant in its own
tenancies, without choosing either at sign-up. The older single-capacity accounts (landlord, tenant) act as
their role only."""

RESIDENT = "resident"
RESIDENT_CAPACITIES = ("landlord", "tenant")


def acts_as(user, capacity: str) -> bool:
    """Whether user can act in this capacity at all (whether it does for a given house is the house's business)."""
    role = getattr(user, "role", None)
    return role == capacity or (role == RESIDENT and capacity in RESIDENT_CAPACITIES)


def role_allows(role: str | None, roles) -> bool:
    """Whether an account of role may call a route open to roles."""
    return role in roles or (role == RESIDENT and any(c in roles for c in RESIDENT_CAPACITIES))
