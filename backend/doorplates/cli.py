"""flask doorplates print | plate | revoke | new-key"""

import os
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.auth.models import User
from backend.cli_util import progressbar, transaction
from backend.doorplates import keys, printing
from backend.doorplates.fonts import FontMissing, find_font
from backend.doorplates.models import Doorplate
from backend.doorplates.operations import resolve_short_code, revoke
from backend.doorplates.token import ShortCodeError
from backend.errors import NotFound
from backend.extensions import db
from backend.i18n import t
from backend.regions.models import Region

doorplates_cli = AppGroup("doorplates", help="Doorplates: print sheets, render one plate, revoke, rotate keys.")
SIZE = click.option(
    "--size",
    type=click.Choice(["40", "75", "120"]),
    default="75",
    show_default=True,
    help="QR code size in millimetres.",
)


def _region(code):
    if db.session.scalar(select(Region.id).where(Region.code == code)) is None:
        raise click.ClickException(t("error.unknown_region"))
    return code


def _plate(short_code) -> Doorplate:
    try:
        found = resolve_short_code(short_code)
    except ShortCodeError as err:
        raise click.ClickException(t(err.reason)) from None
    if found.plate is None:
        raise click.ClickException(t("doorplate.unknown"))
    return db.session.get(Doorplate, found.plate.id)


@doorplates_cli.command("print")
@click.option("--region", "region_code", required=True, help="Region code; every plate below it is printed.")
@SIZE
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The PDF file to write.")
@click.option("--unprinted", is_flag=True, help="Only plates whose current version was never printed.")
@click.option("--workers", type=int, default=os.cpu_count() or 1, show_default=True, help="Processes drawing pages.")
def print_command(region_code, size, out, unprinted, workers):
    """Print the region's doorplates on A4 with cut marks, in address order."""
    try:
        find_font(None)
    except FontMissing as err:
        raise click.ClickException(str(err)) from None
    with transaction():
        plates = printing.select_plates(_region(region_code), unprinted_only=unprinted)
        if not plates:
            raise click.ClickException(t("cli.nothing_to_print"))
        tmp = Path(out).with_suffix(".part")
        with progressbar(len(plates), "cli.progress_plates") as bar, open(tmp, "wb") as fh:
            for chunk in printing.pdf_stream(plates, int(size), workers=workers, progress=bar.update):
                fh.write(chunk)
        tmp.replace(out)
        printing.mark_printed(plates, int(size), region_code=region_code)
    click.echo(t("cli.plates_printed", count=len(plates), path=out))


@doorplates_cli.command("plate")
@click.argument("short_code")
@SIZE
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="A .png or .svg file.")
@click.option("--dpi", default=300, show_default=True)
def plate_command(short_code, size, out, dpi):
    """Render one plate (by its short code) as PNG or SVG."""
    plate = _plate(short_code)
    try:
        data = printing.plate_file(plate, int(size), "svg" if out.endswith(".svg") else "png", dpi)
    except FontMissing as err:
        raise click.ClickException(str(err)) from None
    Path(out).write_bytes(data)
    click.echo(out)


@doorplates_cli.command("revoke")
@click.argument("short_code")
@click.option("--reason", type=click.Choice(["lost", "damaged", "moved", "withdrawn", "other"]), required=True)
@click.option("--by", "username", help="The user on whose behalf (for the audit log).")
def revoke_command(short_code, reason, username):
    """Revoke a plate's current version (lost/damaged: a new version is issued)."""
    with transaction():
        plate = _plate(short_code)
        actor = db.session.scalar(select(User).where(User.username == username)) if username else None
        if username and actor is None:
            raise NotFound("error.unknown_user", username=username)
        revoke(plate, reason, actor=actor)
    click.echo(t("cli.plate_revoked", code=plate.short_code, state=plate.state))


@doorplates_cli.command("new-key")
def new_key_command():
    """Add a signing key and sign new plates with it; plates signed with earlier keys stay valid."""
    try:
        kid = keys.add_key()
    except RuntimeError as err:
        raise click.ClickException(str(err)) from None
    click.echo(t("cli.key_added", kid=kid))


def init_app(app):
    app.cli.add_command(doorplates_cli)
