"""GET /cockpit: the desktop cockpit page (驾驶舱), a server-rendered shell; its numbers come from the JSON API.

Texts are the catalog's cockpit.* / export.* keys, handed to the page's script as one JSON object; the charts and
maps are ECharts from static/vendor/ (no CDN, no tile server unless MAP_TILE_URL is configured).
"""

from flask import current_app, render_template
from flask_login import current_user

from backend.auth.api import user_json
from backend.cockpit.alerts import KINDS
from backend.cockpit.maps import GRID_MEASURES, HEAT_MEASURES
from backend.cockpit.trends import MEASURES
from backend.cockpit.views import TENANT_ROLES, VISIT_ROLES
from backend.i18n import catalog, current_language

PREFIXES = ("cockpit.", "export.", "landing.colour.")


def texts(lang: str) -> dict:
    fallback, mine = catalog("zh-CN"), catalog(lang)
    return {k: mine.get(k) or v for k, v in fallback.items() if k.startswith(PREFIXES)}


def init_app(app):
    @app.get("/cockpit")
    def cockpit_page():
        lang = current_language()
        staff = current_user.is_authenticated and current_user.is_staff
        config = {
            "lang": lang,
            "texts": texts(lang),
            "user": user_json(current_user) if staff else None,
            "tile_url": current_app.config.get("MAP_TILE_URL"),
            "kinds": KINDS,
            "trend_measures": MEASURES,
            "grid_measures": GRID_MEASURES,
            "heat_measures": HEAT_MEASURES,
            "tenant_export": staff and current_user.role in TENANT_ROLES,
            "visits": staff and current_user.role in VISIT_ROLES,
            "visit_workers": staff and current_user.role != "grid_worker",  # a grid worker sees their own list
        }
        status = 403 if current_user.is_authenticated and not staff else 200
        page = render_template("cockpit.html", config=config, signed_in=current_user.is_authenticated, staff=staff)
        return page, status, {"Cache-Control": "no-store", "Content-Language": lang}
