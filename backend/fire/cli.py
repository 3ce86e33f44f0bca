"""flask notices sweep | campaign"""

import json

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from backend.api.contract import parse
from backend.auth.models import User
from backend.auth.scope import within
from backend.cli_util import now_option, progressbar, transaction
from backend.errors import NotFound
from backend.extensions import db
from backend.fire.campaigns import TARGETS, run_campaign
from backend.fire.contracts import CampaignRun
from backend.fire.operations import sweep
from backend.houses.models import House
from backend.i18n import t

notices_cli = AppGroup("notices", help="Fire notices: deadline sweeps and campaigns.")


@notices_cli.command("sweep")
@now_option
def sweep_command(now):
    """Tell of orders gone overdue and queue due-date reminders (idempotent; run it from cron daily).

    Overdue itself needs no sweep: lists, cards and the colour derive it from the deadline."""
    with transaction():
        result = sweep(now)
    click.echo(t("cli.notices_swept", **result))


@notices_cli.command("campaign")
@click.option("--region", required=True, help="Every rental below this region code.")
@click.option("--by", "username", required=True, help="The fire officer issuing it (scope applies).")
@click.option("--kind", type=click.Choice(["reminder", "rectification"]), default="reminder", show_default=True)
@click.option("--title", required=True)
@click.option("--body", default=None)
@click.option("--deadline", default=None, help="YYYY-MM-DD (rectification)")
@click.option("--legal-basis", default=None)
@click.option("--items", default=None, help='JSON list: [{"description": "…", "standard": "…"}]')
@click.option("--report", type=click.Path(dir_okay=False), help="Write the per-house result as JSON.")
def campaign_command(region, username, kind, title, body, deadline, legal_basis, items, report):
    """Send one notice to every rental of a region; a re-run reaches only houses not reached before."""
    with transaction():
        officer = db.session.scalar(select(User).where(User.username == username))
        if officer is None:
            raise NotFound("error.unknown_user", username=username)
        total = db.session.scalar(
            select(func.count(House.id)).where(within(House.scope_code, region), House.status.in_(TARGETS))
        )
        run = parse(
            CampaignRun,
            {
                "region": region,
                "kind": kind,
                "title": title,
                "body": body,
                "deadline": deadline,
                "legal_basis": legal_basis,
                "items": json.loads(items) if items else None,
            },
        )
        with progressbar(total, "cli.progress_campaign") as bar:
            result = run_campaign(officer, run, progress=bar.update)
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=1)
    click.echo(
        t("cli.campaign_done", houses=result["houses"], issued=result["issued_now"], already=result["already_reached"])
    )


def init_app(app):
    app.cli.add_command(notices_cli)
