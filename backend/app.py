"""The application factory: configuration and the database, then the features in the order of the rental loop."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import backend
from backend import database, errors, guards, i18n, pages, pwa, secret_key
from backend.addresses import api as addresses
from backend.api import health, openapi, routing
from backend.auth import api as accounts
from backend.auth import phone_api as phone_accounts
from backend.cockpit import page as cockpit
from backend.demo import cli as demo
from backend.doorplates import api as doorplates
from backend.extensions import db, migrate
from backend.fire import api as fire
from backend.houses import api as houses
from backend.notify import api as notify
from backend.obligations import api as obligations
from backend.people import api as people
from backend.regions import api as regions
from backend.tenancy import api as tenancy
from backend.uploads import api as uploads
from backend.users import api as users
from backend.verification import api as verification

# The product, in the order of its loop: each registers its routes, pages and CLI commands.
FEATURES = (
    accounts,  # who is asking: sign-in, sessions, roles and scopes
    phone_accounts,  # residents sign in with their phone and an SMS code; the staff's second factor
    users,  # staff administration: admins and supervisors manage the accounts of their scope
    regions,  # city > county > township > community > grid
    addresses,  # 标准地址 the standard addresses every doorplate is made from
    doorplates,  # the signed QR doorplate: scans, the door page, printing
    houses,  # 申报领码 the landlord declares a rental
    uploads,  # photos for declarations, visits and evidence
    verification,  # 核验赋码 the grid worker verifies on site and activates the code
    tenancy,  # 承租入住扫码 tenants check in, the landlord confirms, check-out
    people,  # 一次采集 a resident's own record, collected once
    obligations,  # 刷码履约 recurring obligations fulfilled by a scan
    fire,  # fire safety: notices, rectification, penalties
    notify,  # inbox, Web Push, SMS
    cockpit,  # 驾驶舱 counts, trends, maps, alerts, visit lists, exports, the audit log
    health,  # /healthz
    openapi,  # /api/openapi.json, built from every route above
    pages,  # the staff pages
    pwa,  # the installable app
    demo,  # `flask demo seed`
)


def create_app(test_config=None):
    """Build the app: configuration, extensions, then FEATURES."""
    root = backend.ROOT  # read at call time: a test may point it at an empty folder
    app = Flask(
        "backend",
        instance_path=str(root / "instance"),
        instance_relative_config=True,
        static_folder=str(root / "static"),
    )
    app.config.from_object("backend.config")
    if test_config is None:
        app.config.from_prefixed_env("MENPAI")
    else:
        app.config.from_mapping(test_config)

    guards.init_app(app)
    app.json.ensure_ascii = False  # Chinese stays readable (and a third shorter) in every response
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    database.configure(app)
    secret_key.init_app(app)  # reads instance/secret_key; `flask secret-key ensure` writes it
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    i18n.init_app(app)
    errors.init_app(app)
    for feature in FEATURES:
        feature.init_app(app)
    routing.init_app(app)
    return app
