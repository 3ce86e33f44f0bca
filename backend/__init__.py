"""Menpai (门牌): signed QR doorplates and the rental-housing loop around them."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Build the app: configuration, extensions, blueprints, CLI commands."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object("backend.config")
    if test_config is None:
        app.config.from_prefixed_env("MENPAI")
    else:
        app.config.from_mapping(test_config)

    from backend import database, errors, guards, i18n, secret_key
    from backend.extensions import db, migrate

    guards.init_app(app)
    app.json.ensure_ascii = False  # Chinese stays readable (and a third shorter) in every response
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    database.configure(app)
    secret_key.init_app(app)  # reads instance/secret_key; `flask secret-key ensure` writes it
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    i18n.init_app(app)
    errors.init_app(app)

    from backend import api, auth, pages, pwa
    from backend.addresses import cli as addresses_cli
    from backend.cockpit import cli as cockpit_cli
    from backend.cockpit import page as cockpit_page
    from backend.demo import cli as demo_cli
    from backend.doorplates import cli as doorplates_cli
    from backend.doorplates import landing
    from backend.fire import cli as fire_cli
    from backend.notify import cli as notify_cli
    from backend.obligations import cli as obligations_cli
    from backend.regions import cli as regions_cli

    auth.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    landing.init_app(app)
    pwa.init_app(app)
    cockpit_page.init_app(app)
    regions_cli.init_app(app)
    addresses_cli.init_app(app)
    demo_cli.init_app(app)
    doorplates_cli.init_app(app)
    obligations_cli.init_app(app)
    notify_cli.init_app(app)
    fire_cli.init_app(app)
    cockpit_cli.init_app(app)
    return app
