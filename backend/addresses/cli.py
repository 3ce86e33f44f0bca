"""flask addresses import | assign-grids | search"""

import click
from flask.cli import AppGroup

from backend.addresses import importer
from backend.addresses.assign import assign_grids
from backend.addresses.search import search
from backend.cli_util import ENCODING_HELP, echo_rejects, progressbar, rejects_reported, transaction
from backend.i18n import t

addresses_cli = AppGroup("addresses", help="Standard addresses: import, grid assignment, search.")


def _count_rows(path, encoding) -> int:
    return sum(1 for _ in importer.read_rows(path, encoding))


@addresses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", type=click.Path(dir_okay=False), help="Write rejected rows to this CSV.")
@click.option("--accept-valid", is_flag=True, help="Import the good rows even if some are rejected.")
@click.option("--no-assign", is_flag=True, help="Do not assign addresses to grids afterwards.")
@click.option("--encoding", help=ENCODING_HELP)
def import_command(path, report, accept_valid, no_assign, encoding):
    """Import standard addresses from CSV, .xlsx or GeoJSON (upsert by code).

    A CSV may be GB18030/GBK (Excel on Chinese Windows) or UTF-8 with or without BOM; an .xlsx is read from its
    first sheet, header in row 1.
    """
    with transaction(), rejects_reported(report):
        encoding = encoding or importer.file_encoding(path)
        total = _count_rows(path, encoding)
        # Two passes: validate everything, then write; the bar covers both.
        with progressbar(total * 2, "cli.progress_addresses") as bar:
            result = importer.import_file(path, accept_valid=accept_valid, progress=bar.update, encoding=encoding)
        if result["rejects"]:
            echo_rejects(result["rejects"], report)
        click.echo(
            t("cli.addresses_imported", rows=result["rows"], written=result["written"], rejected=len(result["rejects"]))
        )
        if not no_assign:
            click.echo(t("cli.grids_assigned", **assign_grids()))


@addresses_cli.command("assign-grids")
def assign_command():
    """Re-assign every address to the grid polygon that contains it."""
    with transaction():
        click.echo(t("cli.grids_assigned", **assign_grids()))


@addresses_cli.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True)
def search_command(query, limit):
    """Search standard addresses as a landlord would type them."""
    for address, score in search(query, limit=limit):
        click.echo(f"{score:>3}  {address.code}  {address.full_text}")


def init_app(app):
    app.cli.add_command(addresses_cli)
