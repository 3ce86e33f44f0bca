"""The outbox worker: claim due notifications, send each through its channel, record the outcome.

Delivery is at least once: a batch is committed after it is sent, so a crash mid-batch sends those again. On
PostgreSQL any number of workers may run (rows are claimed FOR UPDATE SKIP LOCKED); on SQLite run one.
"""

import logging
import threading
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from backend.extensions import db
from backend.notify.channels import Failed, Gone, Retry, build_channels
from backend.notify.models import Notification, PushSubscription
from backend.types import utcnow

log = logging.getLogger(__name__)
RETRY_AFTER_MAX_SECONDS = 86400  # a Retry-After further out than a day is not believed


def backoff_seconds(attempts: int, config) -> float:
    """Delay before the next try after `attempts` failed ones: base × 2^(attempts-1), capped."""
    base, cap = config["NOTIFY_BACKOFF_SECONDS"], config["NOTIFY_BACKOFF_MAX_SECONDS"]
    return float(min(base * 2 ** max(attempts - 1, 0), cap))


def _claim(limit: int) -> list[Notification]:
    """Due queued rows, oldest first; on PostgreSQL locked so that concurrent workers each get different ones."""
    query = (
        select(Notification)
        .where(Notification.status == "queued", Notification.next_attempt_at <= utcnow())
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _retry_later(n: Notification, after_seconds: float | None, reason: str, config) -> str:
    """Queue n again after the service's Retry-After or the backoff; dead once NOTIFY_MAX_ATTEMPTS are used up."""
    n.last_error = reason[:500]
    if n.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
        n.status = "dead"
        return "dead"
    if after_seconds is None:
        delay = backoff_seconds(n.attempts, config)
    else:
        delay = min(max(after_seconds, 1.0), RETRY_AFTER_MAX_SECONDS)
    n.next_attempt_at = utcnow() + timedelta(seconds=delay)
    return "retry"


def _deliver(n: Notification, channel, config, ok_subs: set, gone_subs: set) -> str:
    """Send one notification and set its status; returns the outcome's name."""
    n.attempts += 1
    try:
        if channel is None:
            raise Failed(f"no channel {n.channel!r}")
        channel.send(n)
    except Retry as exc:
        return _retry_later(n, exc.after_seconds, exc.reason, config)
    except Gone as exc:
        n.status, n.last_error = "dead", exc.reason
        if n.subscription_id:
            gone_subs.add(n.subscription_id)
        return "dead"
    except Failed as exc:
        n.status, n.last_error = "failed", exc.reason
        return "failed"
    except SQLAlchemyError:
        raise
    except Exception as exc:  # a bug in a channel must not stop every other message: retry it, loudly
        log.exception("notification %s: unexpected error", n.id)
        return _retry_later(n, None, f"{type(exc).__name__}: {exc}", config)
    n.status, n.sent_at, n.last_error = "sent", utcnow(), None
    if n.subscription_id:
        ok_subs.add(n.subscription_id)
    return "sent"


def _update_subscriptions(ok_subs: set, gone_subs: set) -> None:
    """After the batch commits: note successes, delete gone subscriptions (their queued rows then die as Gone)."""
    if not ok_subs and not gone_subs:
        return
    try:
        alive = sorted(ok_subs - gone_subs)
        if alive:
            db.session.execute(
                update(PushSubscription).where(PushSubscription.id.in_(alive)).values(last_success_at=utcnow()),
                execution_options={"synchronize_session": False},
            )
        if gone_subs:
            db.session.execute(
                delete(PushSubscription).where(PushSubscription.id.in_(sorted(gone_subs))),
                execution_options={"synchronize_session": False},
            )
        db.session.commit()
    except DBAPIError:  # e.g. a deadlock with another worker doing the same: the next send finds out again
        db.session.rollback()
        log.warning("could not update push subscriptions %s / %s", sorted(ok_subs), sorted(gone_subs), exc_info=True)


def run_once(limit: int = 100, channels: dict | None = None, stop: threading.Event | None = None) -> dict:
    """Send up to limit due notifications, committing each small batch (until stop is set); counts by outcome."""
    config = current_app.config
    own = channels is None
    channels = build_channels(config) if own else channels
    counts = Counter({"claimed": 0, "sent": 0, "retry": 0, "failed": 0, "dead": 0})
    try:
        while counts["claimed"] < limit and not (stop and stop.is_set()):
            batch = _claim(min(config["NOTIFY_BATCH_SIZE"], limit - counts["claimed"]))
            if not batch:
                db.session.rollback()  # end the claiming transaction
                break
            ok_subs, gone_subs = set(), set()
            for name, channel in channels.items():
                channel.prepare([n for n in batch if n.channel == name])
            for n in batch:
                counts[_deliver(n, channels.get(n.channel), config, ok_subs, gone_subs)] += 1
            counts["claimed"] += len(batch)
            db.session.commit()
            _update_subscriptions(ok_subs, gone_subs)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if own:
            for channel in channels.values():
                channel.close()
    return dict(counts)


def work(*, interval: float = 2.0, limit: int = 100, once: bool = False, stop=None, report=None) -> Counter:
    """Run batches until stop is set (or once): sleep interval seconds when nothing is due."""
    stop = stop or threading.Event()
    channels = build_channels(current_app.config)
    total = Counter()
    try:
        while not stop.is_set():
            try:
                counts = run_once(limit, channels, stop)
            except DBAPIError:
                if once:
                    raise
                log.exception("notification worker: database error; retrying in %s s", interval)
                stop.wait(interval)
                continue
            total.update(counts)
            if report and counts["claimed"]:
                report(counts)
            if once:
                break
            if counts["claimed"] == 0:
                stop.wait(interval)
    finally:
        for channel in channels.values():
            channel.close()
        db.session.remove()
    return total
