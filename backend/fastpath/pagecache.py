"""Rendered landing pages of doors scanned again, dropped the moment the database says the house changed.

PostgreSQL only. Triggers on doorplates, houses, addresses, fire_notices and obligations (migration
20261203_1000) send `NOTIFY menpai_houses, '<house ids>'` (or `*` for a large statement) when a row that feeds
the public card changes; every process keeps one listening connection in a thread and drops those houses' pages.
The colour is derived from stored state only (houses/colour.py), so nothing else can change a page except the
date (days left on a notice): an entry is for one day, and lives at most LANDING_CACHE_SECONDS however quiet the
channel is.

Safety rules: nothing is served from the cache while the listener is not connected (it empties the cache when it
(re)connects, since notifications sent meanwhile are lost); and a page is stored only if no notification arrived
between the moment its read began and the store (`epoch`), so a read that raced a commit is never kept.
Every hit still records its scan (scanlog).

The same LRU holds the house card a staff member's scan returns (fastpath/fastcard.py, key ('card', plate id)),
dropped by the same notifications (migration 20261203_1900 adds tenancies and people to them). And, under the
same rules on their own channel, the signed-in sessions (auth/operations.py): `NOTIFY menpai_sessions` with
's<session ids>', 'u<user ids>' or '*' when a session is revoked or touched, a user changed, a region changed.
"""

import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import psycopg

CHANNEL = "menpai_houses"
SESSIONS = "menpai_sessions"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signed:
    """A live session as loaded (detached ORM objects, merged into each request's session without a query)."""

    session_id: int
    user_id: int
    stored: float
    record: object  # the UserSession, its user and the user's region loaded


@dataclass(frozen=True)
class Page:
    house_id: int
    doorplate_id: int
    day: date
    stored: float
    html: str


class PageCache:
    """An LRU of (token, language) → Page, emptied per house by the listener thread."""

    def __init__(self, conninfo: str, max_entries: int, max_seconds: float, max_sessions: int = 0):
        self.conninfo, self.max_entries, self.max_seconds = conninfo, max_entries, max_seconds
        self.max_sessions = max_sessions
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.by_house: dict[int, set[tuple]] = {}
        self.sessions: OrderedDict[str, Signed] = OrderedDict()  # by key hash
        self.by_session: dict[int, str] = {}
        self.by_user: dict[int, set[str]] = {}
        self.lock = threading.Lock()
        self.epoch = 0  # bumped by every notification on menpai_houses
        self.session_epoch = 0  # and on menpai_sessions
        self.listening = False
        self.pid = None
        self.stopped = threading.Event()
        self.hits = self.misses = 0

    def get(self, token: str, lang: str, today: date) -> Page | None:
        return self.lookup((token, lang), today)

    def put(self, token: str, lang: str, page: Page, epoch: int) -> None:
        """Keep page, read when the epoch was `epoch`, unless a notification came since."""
        self.store((token, lang), page, epoch)

    def lookup(self, key: tuple, today: date):
        """The entry under key (anything with house_id, day and stored), if still good."""
        self._ensure_listener()
        if not self.listening or not self.max_entries:
            return None
        with self.lock:
            page = self.pages.get(key)
            if page is None or page.day != today or time.monotonic() - page.stored > self.max_seconds:
                self.misses += 1
                return None
            self.pages.move_to_end(key)
            self.hits += 1
            return page

    def store(self, key: tuple, page, epoch: int) -> None:
        with self.lock:
            if not self.listening or epoch != self.epoch or not self.max_entries:
                return
            self._drop(key)
            self.pages[key] = page
            self.by_house.setdefault(page.house_id, set()).add(key)
            while len(self.pages) > self.max_entries:
                self._drop(next(iter(self.pages)))

    def invalidate(self, payload: str) -> None:
        """A notification: '*' (everything) or comma-separated house ids."""
        with self.lock:
            self.epoch += 1
            if payload == "*":
                self.pages.clear()
                self.by_house.clear()
                return
            for part in payload.split(","):
                for key in self.by_house.pop(int(part), ()):
                    self.pages.pop(key, None)

    def session(self, key_hash: str) -> Signed | None:
        """The session under key_hash as last loaded, if no notification has touched it since."""
        self._ensure_listener()
        if not self.listening or not self.max_sessions:
            return None
        with self.lock:
            signed = self.sessions.get(key_hash)
            if signed is None or time.monotonic() - signed.stored > self.max_seconds:
                return None
            self.sessions.move_to_end(key_hash)
            return signed

    def keep_session(self, key_hash: str, signed: Signed, epoch: int) -> None:
        """Keep a session loaded when session_epoch was `epoch`, unless a notification came since."""
        with self.lock:
            if not self.listening or epoch != self.session_epoch or not self.max_sessions:
                return
            self._drop_session(key_hash)
            self.sessions[key_hash] = signed
            self.by_session[signed.session_id] = key_hash
            self.by_user.setdefault(signed.user_id, set()).add(key_hash)
            while len(self.sessions) > self.max_sessions:
                self._drop_session(next(iter(self.sessions)))

    def invalidate_sessions(self, payload: str) -> None:
        """A notification on menpai_sessions: '*', 's<session ids>' or 'u<user ids>'."""
        with self.lock:
            self.session_epoch += 1
            if payload == "*":
                self._clear_sessions()
                return
            ids = [int(part) for part in payload[1:].split(",")]
            if payload[0] == "s":
                doomed = [self.by_session.get(i) for i in ids]
            else:
                doomed = [k for i in ids for k in self.by_user.get(i, ())]
            for key_hash in doomed:
                if key_hash is not None:
                    self._drop_session(key_hash)

    def _drop_session(self, key_hash: str) -> None:
        signed = self.sessions.pop(key_hash, None)
        if signed is not None:
            self.by_session.pop(signed.session_id, None)
            keys = self.by_user.get(signed.user_id)
            if keys is not None:
                keys.discard(key_hash)
                if not keys:
                    del self.by_user[signed.user_id]

    def _clear_sessions(self) -> None:
        self.sessions.clear()
        self.by_session.clear()
        self.by_user.clear()

    def stop(self) -> None:
        self.stopped.set()
        with self.lock:
            self.listening = False

    def _drop(self, key) -> None:
        page = self.pages.pop(key, None)
        if page is not None:
            keys = self.by_house.get(page.house_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.by_house[page.house_id]

    def _set_listening(self, on: bool) -> None:
        with self.lock:
            self.listening = on
            self.epoch += 1
            self.session_epoch += 1
            self.pages.clear()
            self.by_house.clear()
            self._clear_sessions()

    def _ensure_listener(self) -> None:
        if self.pid == os.getpid():
            return
        with self.lock:
            if self.pid == os.getpid():
                return
            # A forked child (gunicorn worker) starts its own listener; it must not serve the parent's pages.
            self.pid, self.listening = os.getpid(), False
            self.pages.clear()
            self.by_house.clear()
            self._clear_sessions()
        threading.Thread(target=self._listen, name="menpai-pagecache", daemon=True).start()

    def _listen(self) -> None:
        while not self.stopped.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute(f"LISTEN {SESSIONS}")
                    self._set_listening(True)
                    while not self.stopped.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.channel == SESSIONS:
                                self.invalidate_sessions(note.payload)
                            else:
                                self.invalidate(note.payload)
            except (psycopg.Error, ValueError):
                log.exception("landing page cache: listener lost; serving from the database until it is back")
            self._set_listening(False)
            self.stopped.wait(1.0)
