"""The one place that maps errors to the JSON envelope: a write the database refuses is a conflict, not a crash."""

import logging

from flask import g
from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db


def _user(username):
    return User(username=username, display_name=username, role="admin", password_hash="x")


def test_a_constraint_the_database_enforces_answers_409_and_keeps_nothing(app, client, caplog):
    def refused_write():
        db.session.add(_user("kept-if-not-rolled-back"))
        db.session.add(_user("twice"))
        db.session.flush()
        db.session.add(_user("twice"))
        db.session.flush()  # the unique username: IntegrityError
        return {}

    app.add_url_rule("/api/v1/test/refused-write", view_func=refused_write)

    @app.after_request
    def count_users(response):
        # A later hook of the same request can still read: the handler rolled the failed transaction back.
        g.users = db.session.scalar(select(func.count()).select_from(User))
        return response

    with caplog.at_level(logging.INFO), client:
        answer = client.get("/api/v1/test/refused-write")
        assert g.users == 0
    error = answer.get_json()["error"]
    assert answer.status_code == 409 and (error["code"], error["fields"]) == ("conflict", {})
    assert error["message"] not in ("", "error.conflict")  # translated
    assert "constraint refused a write" in caplog.text
    assert "unhandled error" not in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
