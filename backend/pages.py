"""Server-rendered pages (the PWA arrives in its own issue)."""

from flask import render_template

from backend.auth.models import ROLES


def init_app(app):
    @app.get("/")
    def index():
        return render_template("index.html", roles=ROLES)
