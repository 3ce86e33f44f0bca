"""Choose the database: SQLite + SpatiaLite in the instance folder, or PostgreSQL + PostGIS."""

import os
from pathlib import Path


def database_uri(app) -> str:
    """SQLAlchemy URL from DATABASE_URL, or the embedded SpatiaLite file in the instance folder."""
    url = app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(app.instance_path) / 'menpai.db'}"
    # Heroku-style URLs: pin the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure(app) -> None:
    """Fill the SQLAlchemy settings for the chosen backend."""
    uri = database_uri(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        # The pyenv CPython cannot load SQLite extensions; pysqlite3 ships a SQLite that can.
        import pysqlite3.dbapi2

        options.setdefault("module", pysqlite3.dbapi2)
        options.setdefault("connect_args", {"timeout": 30})
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
