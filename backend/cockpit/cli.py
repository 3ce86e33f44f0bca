"""flask cockpit refresh"""

import click
from flask.cli import AppGroup

from backend.cli_util import transaction
from backend.cockpit.aggregates import refresh
from backend.i18n import t

cockpit_cli = AppGroup("cockpit", help="Cockpit (驾驶舱): the materialised aggregates.")


@cockpit_cli.command("refresh")
@click.option(
    "--full",
    is_flag=True,
    help="Recount every day's flows too (nightly); without it only the days since the previous refresh.",
)
def refresh_command(full):
    """Rebuild the cockpit's aggregates from the live tables (one transaction; run it from cron every few minutes)."""
    with transaction():
        counts = refresh(full=full)
    click.echo(t("cli.cockpit_refreshed", **counts))
    if counts["days_recounted_from"]:
        click.echo(t("cli.cockpit_days_from", day=counts["days_recounted_from"]))


def init_app(app):
    app.cli.add_command(cockpit_cli)
