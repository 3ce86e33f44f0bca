"""flask obligations sweep"""

import click
from flask.cli import AppGroup

from backend.cli_util import now_option, transaction
from backend.i18n import t
from backend.obligations.operations import sweep

obligations_cli = AppGroup("obligations", help="Obligations (履约): deadline sweeps.")


@obligations_cli.command("sweep")
@now_option
def sweep_command(now):
    """Note obligations gone past their due date (idempotent; run it from cron daily).

    Overdue itself needs no sweep: lists, cards and the colour derive it from the due date."""
    with transaction():
        marked = sweep(now)
    click.echo(t("cli.obligations_swept", marked=marked))


def init_app(app):
    app.cli.add_command(obligations_cli)
