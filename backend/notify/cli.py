"""flask notify work | vapid-keys; flask sms outbox"""

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from backend.extensions import db
from backend.i18n import t
from backend.notify import vapid
from backend.notify.models import SmsMessage
from backend.notify.sms import make_gateway
from backend.notify.worker import work
from backend.people.validate import PersonDataError, check_phone
from backend.people.vault import phone_index, vault

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


sms_cli = AppGroup("sms", help="SMS: what the dev gateway recorded.")


@sms_cli.command("outbox")
@click.option("--last", type=click.IntRange(1, 100_000), default=10, show_default=True, help="How many messages.")
@click.option("--phone", default=None, help="Only the messages to this mobile number.")
def outbox_command(last, phone):
    """Print the texts the dev gateway recorded, oldest first: time (UTC), phone, text. The phones are decrypted:
    this is the developer's view of a gateway that sends nothing (a sign-in code is read here)."""
    gateway = current_app.config["SMS_GATEWAY"]
    if gateway != "dev":
        raise click.ClickException(t("cli.sms_outbox_not_dev", gateway=gateway))
    query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(last)
    if phone:
        try:
            number = check_phone(phone)
        except PersonDataError:
            raise click.BadParameter(t("error.phone_format"), param_hint="--phone") from None
        query = query.where(SmsMessage.phone_index == phone_index(number))
    rows = list(db.session.scalars(query))[::-1]
    if not rows:
        click.echo(t("cli.sms_outbox_empty"), err=True)
        return
    v = vault()
    for message in rows:
        to = v.decrypt(message.phone_enc, "phone") if message.phone_enc else t("cli.sms_no_phone", user=message.user_id)
        when = message.created_at.isoformat(timespec="seconds").replace("+00:00", "Z")
        click.echo(f"{when}  {to}  {message.text.replace(chr(10), ' / ')}")


def init_app(app):
    make_gateway(app.config)  # an unknown or unconfigured gateway fails here, at startup, not at the first SMS
    app.cli.add_command(notify_cli)
    app.cli.add_command(sms_cli)
