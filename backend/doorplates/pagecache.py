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
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    house_id: int
    doorplate_id: int
    day: date
    stored: float
    html: str


class PageCache:
    """An LRU of (token, language) → Page, emptied per house by the listener thread."""

    def __init__(self, conninfo: str, max_entries: int, max_seconds: float):
        self.conninfo, self.max_entries, self.max_seconds = conninfo, max_entries, max_seconds
        self.pages: OrderedDict[tuple[str, str], Page] = OrderedDict()
        self.by_house: dict[int, set[tuple[str, str]]] = {}
        self.lock = threading.Lock()
        self.epoch = 0  # bumped by every notification
        self.listening = False
        self.pid = None
        self.stopped = threading.Event()
        self.hits = self.misses = 0

    def get(self, token: str, lang: str, today: date) -> Page | None:
        self._ensure_listener()
        if not self.listening:
            return None
        key = (token, lang)
        with self.lock:
            page = self.pages.get(key)
            if page is None or page.day != today or time.monotonic() - page.stored > self.max_seconds:
                self.misses += 1
                return None
            self.pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, token: str, lang: str, page: Page, epoch: int) -> None:
        """Keep page, read when the epoch was `epoch`, unless a notification came since."""
        key = (token, lang)
        with self.lock:
            if not self.listening or epoch != self.epoch:
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
            self.pages.clear()
            self.by_house.clear()

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
        threading.Thread(target=self._listen, name="menpai-pagecache", daemon=True).start()

    def _listen(self) -> None:
        while not self.stopped.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._set_listening(True)
                    while not self.stopped.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.invalidate(note.payload)
            except (psycopg.Error, ValueError):
                log.exception("landing page cache: listener lost; serving from the database until it is back")
            self._set_listening(False)
            self.stopped.wait(1.0)
