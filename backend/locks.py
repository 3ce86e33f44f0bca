"""Row locks for check-then-set state changes: re-read a row under its lock before deciding from its state."""

from sqlalchemy import update

from backend.extensions import db


def lock(obj, column: str = "status"):
    """Re-read `obj` under its row lock (PostgreSQL: SELECT … FOR UPDATE) before deciding from its `column`.

    No row locks in SQLite: a no-op UPDATE of `column` takes the database's write lock first, so no other writer
    can move the row between this read and our write (the one writer waits for the other's commit)."""
    if db.session.get_bind().dialect.name == "sqlite":
        model = type(obj)
        db.session.execute(
            update(model)
            .where(model.id == obj.id)
            .values({column: getattr(model, column)})
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(obj, with_for_update=True)
    return obj
