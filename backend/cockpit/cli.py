"""flask cockpit refresh"""

import click
from flask.cli import AppGroup

from backend.cli_util import transaction
from backend.cockpit.aggregates import refresh
from backend.i18n import t

cockpit_cli = AppGroup("cockpit", help="Cockpit (驾驶舱): the materialised aggregates.")


@cockpit_cli.command("refresh")
def refresh_command():
    """Rebuild the cockpit's aggregates from the live tables (one transaction; run it from cron every few minutes)."""
    with transaction():
        counts = refresh()
    click.echo(t("cli.cockpit_refreshed", **counts))


def init_app(app):
    app.cli.add_command(cockpit_cli)
