"""flask demo seed"""

import click
from flask import current_app
from flask.cli import AppGroup

from backend import secret_key
from backend.cli_util import transaction
from backend.demo.seed import DEMO_PASSWORD, seed
from backend.i18n import t

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command():
    """Build the demo town on real Pingyang divisions (idempotent)."""
    secret_key.ensure(current_app)  # the demo's people are sealed with keys derived from it
    with transaction():
        result = seed(echo=click.echo)
    click.echo(t("cli.demo_seeded", **result))
    for username, role, scope in result["accounts"]:
        click.echo(f"  {username:<14} {DEMO_PASSWORD:<14} {role:<13} {scope}")
    click.echo(t("cli.demo_resident"))
    click.echo(t("cli.demo_plates", houses=result["houses"], new=result["new_plates"]))
    for url in result["sample_urls"]:
        click.echo(f"  {url}")


def init_app(app):
    app.cli.add_command(demo_cli)
