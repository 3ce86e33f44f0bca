"""Who may see a house, written once (auth/scope.py): its landlord, or staff with the house in scope; nobody else.
may_see_house for one house and visible_houses for a query must give the same answer for every role."""

from types import SimpleNamespace

import pytest

from backend.auth.models import ROLES, STAFF_ROLES
from backend.auth.scope import may_see_house

HOUSE = SimpleNamespace(scope_code="330326100001001", landlord_id=7)


def person(role, user_id=1, region=None):
    return SimpleNamespace(
        id=user_id,
        role=role,
        is_authenticated=True,
        is_staff=role in STAFF_ROLES,
        region=SimpleNamespace(code=region) if region else None,
    )


def test_the_landlord_sees_their_house_another_landlord_does_not():
    assert may_see_house(person("landlord", user_id=7), HOUSE)
    assert not may_see_house(person("landlord", user_id=8), HOUSE)
    assert not may_see_house(person("landlord", user_id=7), SimpleNamespace(scope_code="33", landlord_id=None))


def test_a_landlord_region_or_scope_does_not_widen_what_they_see():
    assert not may_see_house(person("landlord", user_id=8, region="330326100001001"), HOUSE)


@pytest.mark.parametrize("role", STAFF_ROLES)
@pytest.mark.parametrize(
    ("region", "sees"),
    [
        ("330326100001001", True),  # the house's own grid
        ("330326100", True),  # a township above it
        ("33", True),
        ("330326100001002", False),  # the grid beside it
        ("330326101", False),  # the township beside it
    ],
)
def test_staff_see_a_house_in_scope_and_nothing_beside(role, region, sees):
    assert may_see_house(person(role, region=region), HOUSE) is sees


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_without_a_region_see_everything_only_as_admin(role):
    assert may_see_house(person(role), HOUSE) is (role == "admin")


def test_staff_are_not_owners_by_their_user_id():
    assert not may_see_house(person("grid_worker", user_id=7, region="330326101"), HOUSE)


def test_a_resident_sees_the_houses_it_lets():
    assert may_see_house(person("resident", user_id=7), HOUSE)
    assert not may_see_house(person("resident", user_id=8), HOUSE)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in STAFF_ROLES and r not in ("landlord", "resident")])
def test_other_roles_and_anonymous_see_nothing(role):
    assert not may_see_house(person(role, user_id=7, region="33"), HOUSE)
    assert not may_see_house(SimpleNamespace(is_authenticated=False), HOUSE)
    assert not may_see_house(None, HOUSE)


def test_the_query_filter_agrees_with_may_see_house_for_every_role(world, houses, make_user):
    from sqlalchemy import select

    from backend.auth.models import User
    from backend.auth.scope import visible_houses
    from backend.extensions import db
    from backend.houses.models import House

    make_user("landlord", username="owner")
    make_user("landlord", username="stranger")
    houses.add("A1-1", landlord="owner")
    houses.add("A2-1", landlord="owner")
    houses.add("B1-1", landlord="stranger")
    houses.add("A1-3")
    users = [("owner", None), ("stranger", None)]
    for role in ("tenant", *STAFF_ROLES):
        for region in ("330326100001001", "330326100", "330326101", None):
            if (role in STAFF_ROLES and region is not None) or (region is None and role in ("tenant", "admin")):
                users.append((make_user(role, region, username=f"{role}-{region}"), region))
    with world.app_context():
        everything = db.session.scalars(select(House)).all()
        for username, _ in users:
            user = db.session.scalar(select(User).where(User.username == username.lower()))
            seen = set(db.session.scalars(select(House.id).where(visible_houses(user))))
            assert seen == {h.id for h in everything if may_see_house(user, h)}, username
        owner = db.session.scalar(select(User).where(User.username == "owner"))
        assert len(set(db.session.scalars(select(House.id).where(visible_houses(owner))))) == 2
        admin = db.session.scalar(select(User).where(User.username == "admin-none"))
        assert len(set(db.session.scalars(select(House.id).where(visible_houses(admin))))) == len(everything) == 4
