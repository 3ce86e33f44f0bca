"""flask users import"""

import os
import sys

import click

from backend.auth.cli import users_cli
from backend.cli_util import ENCODING_HELP, progressbar, rejects_reported, transaction
from backend.i18n import t
from backend.users import importer


def _private_file(path):
    """A new file only its owner can read (it will hold passwords); an existing one is never overwritten."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(t("cli.output_exists", path=path)) from None
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the new accounts' one-time passwords to this new file (mode 600) instead of stdout.",
)
@click.option("--report", type=click.Path(dir_okay=False), help="Write rejected rows to this CSV.")
@click.option("--encoding", help=ENCODING_HELP)
def import_command(path, output, report, encoding):
    """Create staff accounts from a table with columns username,name,role,region_code,phone (all rows or none).

    PATH is a .csv (UTF-8 with or without BOM, or GB18030/GBK as Excel saves it on Chinese Windows) or an .xlsx
    workbook (its first sheet, header in row 1). A role is its key (grid_worker) or its label (网格员). Rejected rows
    are reported by line and nothing is written. Each new account gets a one-time password, to be changed at its
    first sign-in: they are written as CSV to stdout, or to --output, and nowhere else.
    """
    out = _private_file(output) if output else None
    try:
        with transaction(), rejects_reported(report):
            rows = importer.read_table(path, encoding)
            with progressbar(len(rows), "cli.users_import_progress") as bar:
                created = importer.apply_rows(None, rows, progress=bar.update, via="cli")
            # Written before the commit: passwords that cannot be handed out leave no accounts behind.
            importer.passwords_csv(created, out or sys.stdout, bom=out is not None)
            (out or sys.stdout).flush()
    except BaseException:
        if out is not None:
            out.close()
            os.unlink(output)  # nothing was imported: no file of passwords either
        raise
    if out is not None:
        out.close()
        click.echo(t("cli.passwords_written", path=output), err=True)
    click.echo(t("cli.users_imported", count=len(created)), err=True)


def init_app(app):
    """The command joins `flask users` (backend/auth/cli.py), which the accounts feature registers."""
