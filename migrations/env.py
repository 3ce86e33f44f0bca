"""Alembic environment: one history for SQLite+SpatiaLite and PostgreSQL+PostGIS."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

config = context.config
# Keep existing loggers (the app's): migrations also run inside a process that goes on serving or testing.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def include_object(obj, name, obj_type, reflected, compare_to):
    """Compare only what the models own: SpatiaLite and PostGIS keep many tables of their own."""
    if obj_type == "table" and reflected and compare_to is None:
        return False
    # An index declared for one dialect only (Index(...).ddl_if(dialect="postgresql")): Alembic does not look at
    # ddl_if, so on the other backend it would report the index as missing for ever.
    ddl_if = getattr(obj, "_ddl_if", None)
    if obj_type == "index" and ddl_if is not None and ddl_if.dialect not in (None, context.get_bind().dialect.name):
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def render_item(type_, obj, autogen_context):
    """Spatial types via GeoAlchemy2; our UTC wrapper as the plain type, so migrations never import the app."""
    from backend.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return alembic_helpers.render_item(type_, obj, autogen_context)


def _skip_empty(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", alembic_helpers.writer.chain(_skip_empty))
    conf_args.update(include_object=include_object, render_item=render_item, compare_type=True)
    with target_db.engine.connect() as connection:
        conf_args["render_as_batch"] = connection.dialect.name == "sqlite"
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: spatial DDL differs per backend.")
run_migrations_online()
