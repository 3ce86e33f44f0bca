"""flask obligations sweep"""

import click
from flask.cli import AppGroup

from backend.cli_util import transaction
from backend.i18n import t
from backend.obligations.operations import sweep

obligations_cli = AppGroup("obligations", help="Obligations (履约): deadline sweeps.")


@obligations_cli.command("sweep")
def sweep_command():
    """Mark obligations past their due date overdue (idempotent; run it from cron daily)."""
    with transaction():
        marked = sweep()
    click.echo(t("cli.obligations_swept", marked=marked))


def init_app(app):
    app.cli.add_command(obligations_cli)
