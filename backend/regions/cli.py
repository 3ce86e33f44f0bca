"""flask regions import | import-boundaries | tree"""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.addresses.assign import assign_grids
from backend.cli_util import ENCODING_HELP, rejects_reported, transaction
from backend.extensions import db
from backend.i18n import t
from backend.regions import boundaries, importer
from backend.regions.models import Region

regions_cli = AppGroup("regions", help="Division tree: import codes and boundaries.")


@regions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", type=click.Path(dir_okay=False), help="Write rejected rows to this CSV.")
@click.option("--encoding", help=ENCODING_HELP)
def import_command(path, report, encoding):
    """Import regions from a table with columns code,name,level,parent_code (upsert by code, all rows or none).

    PATH is a .csv (as Excel saves it on Chinese Windows, GB18030/GBK, or UTF-8 with or without BOM) or an .xlsx
    workbook (its first sheet, header in row 1). Rejected rows are reported by line.
    """
    with transaction(), rejects_reported(report):
        result = importer.import_csv(path, encoding=encoding)
    click.echo(t("cli.regions_imported", **result.__dict__))


@regions_cli.command("import-boundaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--report", type=click.Path(dir_okay=False), help="Write rejected features to this CSV.")
@click.option("--no-assign", is_flag=True, help="Do not re-assign addresses to grids afterwards.")
def import_boundaries_command(path, report, no_assign):
    """Set region boundaries (and define communities/grids) from a GeoJSON FeatureCollection.

    \b
    PATH is UTF-8 GeoJSON in WGS84 (EPSG:4326, no other crs). Each feature:
      geometry     Polygon or MultiPolygon, inside the parent's boundary, not
                   overlapping a sibling's
      properties   code         (required) the region's code
                   name         } give both to create or rename the region
                   level        } (province city county township community grid)
                   parent_code  the parent region's code (with name and level)
    A feature with only `code` sets the boundary of a region that exists already.
    All features or none are imported; rejects are reported by feature number.
    """
    with transaction(), rejects_reported(report):
        result = boundaries.import_boundaries(path)
        click.echo(t("cli.boundaries_imported", **result))
        if not no_assign:
            click.echo(t("cli.grids_assigned", **assign_grids()))


@regions_cli.command("tree")
@click.argument("code", required=False)
@click.option("--depth", default=2, show_default=True)
def tree_command(code, depth):
    """Print the tree under CODE (default: the roots)."""
    roots = db.session.scalars(
        select(Region).where(Region.code == code) if code else select(Region).where(Region.parent_id.is_(None))
    ).all()

    def show(region, level):
        mark = " ▣" if region.boundary is not None else ""
        click.echo(f"{'  ' * level}{region.code} {region.name} ({region.level}){mark}")
        if level < depth:
            for child in region.children:
                show(child, level + 1)

    for root in roots:
        show(root, 0)


def init_app(app):
    app.cli.add_command(regions_cli)
