"""An account as the API shows it (the signed-in user, the cockpit page's user)."""

from backend.auth.models import User
from backend.regions.serialise import region_ref


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "region": region_ref(user.region),
    }
