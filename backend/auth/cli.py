"""flask users create | revoke-sessions | unlock | list"""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.auth import throttle
from backend.auth.models import ROLES, User
from backend.auth.operations import create_user, revoke_sessions
from backend.cli_util import transaction
from backend.extensions import db
from backend.i18n import t

users_cli = AppGroup("users", help="Accounts: create staff, revoke sessions, unlock logins.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--region", "region_code", help="Region code of the staff scope (grid, community, …).")
@click.option("--name", "display_name", help="Display name.")
@click.password_option(prompt=True, confirmation_prompt=True)
def create_command(username, role, region_code, display_name, password):
    """Create an account (staff need --region, except admin)."""
    with transaction():
        user = create_user(username, password, role, region_code, display_name)
    click.echo(t("cli.user_created", username=user.username, role=role, region=region_code or "-"))


@users_cli.command("revoke-sessions")
@click.argument("username")
def revoke_command(username):
    """Log a user out everywhere."""
    with transaction():
        user = db.session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            raise click.ClickException(t("error.unknown_user", username=username))
        count = revoke_sessions(user, "admin")
    click.echo(t("cli.sessions_revoked", username=username, count=count))


@users_cli.command("unlock")
@click.argument("username")
def unlock_command(username):
    """Clear a user's failed logins, ending a login lockout (audited)."""
    with transaction():
        user = db.session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            raise click.ClickException(t("error.unknown_user", username=username))
        count = throttle.unlock(user)
    click.echo(t("cli.user_unlocked", username=user.username, count=count))


@users_cli.command("list")
def list_command():
    """List accounts with role and scope."""
    for user in db.session.scalars(select(User).order_by(User.role, User.username)):
        scope = f"{user.region.code} {user.region.name}" if user.region else "-"
        click.echo(f"{user.username:<16} {user.role:<13} {scope}")


def init_app(app):
    app.cli.add_command(users_cli)
