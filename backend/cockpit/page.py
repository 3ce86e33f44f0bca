"""GET /cockpit: the desktop cockpit page (驾驶舱), a server-rendered shell; its numbers come from the JSON API.
GET /cockpit/audit: the audit log (审计日志), rendered on the server whole (filters are a plain GET form, a phone
needs no script), from the same query as GET /api/v1/audit (auditlog.py); each view of it is an audit event.

Texts are the catalog's cockpit.* / export.* keys, handed to the page's script as one JSON object; the charts and
maps are ECharts from static/vendor/ (no CDN, no tile server unless MAP_TILE_URL is configured).
"""

from urllib.parse import urlencode

from flask import current_app, render_template, request
from flask_login import current_user

from backend.auth.serialise import user_json
from backend.cockpit import api as _api  # noqa: F401  (registers its routes)
from backend.cockpit import auditlog, cli
from backend.cockpit.alerts import KINDS
from backend.cockpit.maps import GRID_MEASURES, HEAT_MEASURES
from backend.cockpit.query import region_arg
from backend.cockpit.trends import MEASURES
from backend.cockpit.views import TENANT_ROLES, VISIT_ROLES
from backend.errors import ValidationError
from backend.extensions import db
from backend.i18n import catalog, current_language, t

PREFIXES = ("cockpit.", "export.", "landing.colour.", "audit.page.")
ACTION_LABEL, ROLE_LABEL = "audit.action.", "audit.role."  # every action the code writes has one (test_audit_log)


def texts(lang: str) -> dict:
    fallback, mine = catalog("zh-CN"), catalog(lang)
    return {k: mine.get(k) or v for k, v in fallback.items() if k.startswith(PREFIXES)}


def action_choices(current: str | None) -> list[tuple[str, str]]:
    """The 操作 filter's options: each labelled action under its prefix's 「…（全部）」 (the `action` parameter's
    values, exact or a prefix ending in "."); a value typed into the URL stays selectable as it is."""
    keys = [k.removeprefix(ACTION_LABEL) for k in catalog("zh-CN") if k.startswith(ACTION_LABEL)]
    actions = sorted(keys, key=lambda a: (a.split(".")[0], not a.endswith("."), t(ACTION_LABEL + a)))
    out = [(a, t(ACTION_LABEL + a)) for a in actions]
    if current and current not in keys:
        out.insert(0, (current, current))
    return out


def init_app(app):
    """驾驶舱 the cockpit: its page, its API (api, views, auditlog above) and `flask cockpit`."""
    cli.init_app(app)

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
            "audit_log": staff and current_user.role in auditlog.AUDIT_ROLES,
        }
        status = 403 if current_user.is_authenticated and not staff else 200
        page = render_template("cockpit.html", config=config, signed_in=current_user.is_authenticated, staff=staff)
        return page, status, {"Cache-Control": "no-store", "Content-Language": lang}

    @app.get("/cockpit/audit")
    def cockpit_audit_page():
        lang = current_language()
        headers = {"Cache-Control": "no-store", "Content-Language": lang}
        if not current_user.is_authenticated or current_user.role not in auditlog.AUDIT_ROLES:
            status = 403 if current_user.is_authenticated else 401
            message = t("audit.page.forbidden" if status == 403 else "audit.page.sign_in")
            return render_template("cockpit_audit.html", lang=lang, t=t, message=message), status, headers
        args, errors, events, after = request.args, {}, [], None
        try:
            f = auditlog.parse(args, region_arg()[0])
        except ValidationError as e:
            errors = e.fields
        else:
            auditlog.record_read(f, "page")
            db.session.commit()  # the view of the log stands in the log first
            events, after = auditlog.page(f)
        query = {k: v for k, v in args.items() if k not in ("before", "format") and v}

        def link(**changes):
            return "?" + urlencode({**query, **changes})

        page = render_template(
            "cockpit_audit.html",
            lang=lang,
            t=t,
            args=args,
            errors=errors,
            events=events,
            after=after,
            query=query,
            link=link,
            actions=action_choices((args.get("action") or "").strip()),
            action_label=lambda a: t(ACTION_LABEL + a, default=a),
            role_label=lambda r: t(ROLE_LABEL + r, default=r) if r else "",
        )
        return page, 400 if errors else 200, headers
