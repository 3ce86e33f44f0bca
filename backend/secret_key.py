"""The session signing key: MENPAI_SECRET_KEY, or instance/secret_key written once by the CLI.

create_app only reads the file (the factory has no side effects); `flask secret-key ensure` writes it, and
scripts/run.sh and `flask demo seed` call it. An app built without a key refuses requests with a clear error.
"""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from backend.i18n import t

FILE = "secret_key"
MISSING = (
    "No SECRET_KEY: set MENPAI_SECRET_KEY, or run `flask secret-key ensure` (scripts/run.sh does) "
    "to generate instance/secret_key."
)


def _path(app) -> Path:
    return Path(app.instance_path) / FILE


def load(app) -> None:
    """The configured key, else the instance file's when there is one; nothing is written."""
    if not app.config.get("SECRET_KEY") and _path(app).exists():
        app.config["SECRET_KEY"] = _path(app).read_text().strip()


def ensure(app) -> bool:
    """Without a configured key, generate the instance file once (mode 0600) and use it. True when written now."""
    if app.config.get("SECRET_KEY"):
        return False
    path = _path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        written = False
    else:
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex())
        written = True
    app.config["SECRET_KEY"] = path.read_text().strip()
    return written


def required(app) -> str:
    key = app.config.get("SECRET_KEY")
    if not key:
        raise RuntimeError(MISSING)
    return key


secret_key_cli = AppGroup("secret-key", help="The session signing key.")


@secret_key_cli.command("ensure")
def ensure_command():
    """Generate instance/secret_key once, unless MENPAI_SECRET_KEY is set (idempotent)."""
    written = ensure(current_app)
    click.echo(t("cli.secret_key_written" if written else "cli.secret_key_kept", path=_path(current_app)))


def _refuse_without_key() -> None:
    required(current_app)


def init_app(app) -> None:
    load(app)
    if not app.config.get("SECRET_KEY"):  # checked per request only while the key is missing
        app.before_request(_refuse_without_key)
    app.cli.add_command(secret_key_cli)
