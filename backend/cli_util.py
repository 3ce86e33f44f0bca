"""Shared pieces of the CLI commands: reject reports, progress bars, one transaction per command."""

import csv
import sys
from contextlib import contextmanager

import click

from backend.errors import MenpaiError
from backend.extensions import db
from backend.i18n import t
from backend.rejects import ImportRejected

ENCODING_HELP = "Encoding of a CSV file, e.g. gb18030 or utf-8 (default: detected; UTF-8 with or without BOM, GB18030)."


def echo_rejects(rejects, report_path=None) -> None:
    """Print each rejected line with its reason; optionally write them as CSV."""
    for r in rejects:
        click.echo(t("cli.reject_line", line=r.line, code=r.code or "-", reason=t(r.key, **r.params)), err=True)
    if report_path:
        with open(report_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["line", "code", "reason_code", "reason"])
            for r in rejects:
                writer.writerow([r.line, r.code, r.key.removeprefix("reject."), t(r.key, **r.params)])
        click.echo(t("cli.report_written", path=report_path), err=True)


@contextmanager
def rejects_reported(report_path=None):
    """Turn an all-or-nothing refusal into the printed (and optionally written) reject report."""
    try:
        yield
    except ImportRejected as exc:
        echo_rejects(exc.rejects, report_path)
        raise click.ClickException(t("cli.import_rejected", count=len(exc.rejects))) from None


@contextmanager
def transaction():
    """Commit on success; roll back and exit non-zero with a readable message on a domain error."""
    try:
        yield
        db.session.commit()
    except MenpaiError as err:
        db.session.rollback()
        fields = "; ".join(f"{k}: {t(v)}" for k, v in err.fields.items())
        raise click.ClickException(f"{err.message} {fields}".strip()) from err
    except BaseException:
        db.session.rollback()
        raise


def progressbar(length, label_key):
    return click.progressbar(length=length, label=t(label_key), file=sys.stderr, show_pos=True)


def _parse_now(ctx, param, value):
    from datetime import datetime

    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(t("cli.bad_now", value=value)) from None


# The sweeps' clock: an operator re-running a missed night, a test. ISO 8601; without an offset, server local time.
now_option = click.option(
    "--now", default=None, callback=_parse_now, metavar="ISO-DATETIME", help="Sweep as of this moment (default: now)."
)
