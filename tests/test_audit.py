"""The audit log records changes and cannot be rewritten."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from backend.audit import AuditEvent
from backend.extensions import db


def test_login_and_import_are_audited(world, auth, make_user):
    auth.login(make_user("grid_worker", "330326100001001", username="li"))
    with world.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[:4] == ["regions.import", "regions.import", "regions.import_boundaries", "addresses.import"]
    assert "user.create" in actions and actions[-1] == "session.start"


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_audit_events_cannot_be_updated_or_deleted(world, statement):
    with world.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id)) == "regions.import"
