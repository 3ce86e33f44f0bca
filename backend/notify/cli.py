"""flask notify work | vapid-keys"""

import signal
import threading

import click
from flask.cli import AppGroup

from backend.extensions import db
from backend.i18n import t
from backend.notify import vapid
from backend.notify.sms import gateway_factory
from backend.notify.worker import work

notify_cli = AppGroup("notify", help="Notifications: the push/SMS outbox worker and VAPID keys.")


@notify_cli.command("work")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds to sleep when nothing is due.")
@click.option("--limit", type=int, default=100, show_default=True, help="Notifications per round.")
def work_command(once, interval, limit):
    """Send queued notifications (push, SMS) until Ctrl-C; on PostgreSQL several workers may run at once."""
    stop = threading.Event()

    def request_stop(signum, frame):
        if stop.is_set():  # a second Ctrl-C: stop now, mid-batch (its messages are sent again later)
            raise KeyboardInterrupt
        click.echo(t("cli.notify_stopping"), err=True)
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def report(counts):
        click.echo(t("cli.notify_round", **counts))

    click.echo(t("cli.notify_started", database=db.engine.dialect.name), err=True)
    try:
        total = work(interval=interval, limit=limit, once=once, stop=stop, report=report)
    except KeyboardInterrupt:
        click.echo(t("cli.notify_stopped"), err=True)
        return
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(t("cli.notify_total", **{"claimed": 0, "sent": 0, "retry": 0, "failed": 0, "dead": 0, **total}))


@notify_cli.command("vapid-keys")
@click.option("--write", is_flag=True, help="Also write them to instance/vapid.json (used when config has none).")
def vapid_keys_command(write):
    """Generate a P-256 VAPID key pair and print the configuration lines."""
    keys = vapid.generate()
    click.echo(f"MENPAI_VAPID_PRIVATE_KEY={keys['private_key']}")
    click.echo(f"MENPAI_VAPID_PUBLIC_KEY={keys['public_key']}")
    if write:
        path = vapid.write_file(keys)
        click.echo(t("cli.vapid_written", path=path), err=True)


def init_app(app):
    gateway_factory(app.config["SMS_GATEWAY"])  # an unknown gateway fails here, at startup, not at the first SMS
    app.cli.add_command(notify_cli)
