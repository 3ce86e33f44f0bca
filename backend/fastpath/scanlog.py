"""Scan rows from the landing page's fast path, written in batches by one thread per process (PostgreSQL).

A scan row is a count for the cockpit, not a transaction anyone waits on: the page reads the plate, hands the row
to this buffer and answers. A flusher thread COPYs whatever has gathered every SCAN_FLUSH_SECONDS (or at
SCAN_BUFFER_ROWS rows) on its own autocommit connection, and once more when the process exits. What a hard crash
(SIGKILL, power) can lose is the last fraction of a second of scan rows — the same bound the previous one-statement
path had with synchronous_commit=off. A failed COPY keeps the rows and tries again; past SCAN_BUFFER_MAX rows the
oldest are dropped and counted in the log, so a database outage never grows a worker without bound.
With SCAN_FLUSH_SECONDS = 0 (the tests) every row is written before the request returns.

The same class buffers the audit events of masked reads on the house card's fast path (fastpath/fastcard.py), with
two differences: its COPY commits synchronously (an event is on disk once its batch is written), and it never
drops: while its last write failed it says so (`failing`) and the card writes its event synchronously instead, so
a card is only answered when its event is written or queued behind a working writer.
"""

import atexit
import contextlib
import logging
import os
import threading
from datetime import datetime

import psycopg

COLUMNS = ("at", "doorplate_id", "version", "result", "channel", "user_id", "role")
COPY_SQL = f"COPY scans ({', '.join(COLUMNS)}) FROM STDIN"
log = logging.getLogger(__name__)

Row = tuple[datetime, int | None, int | None, str, str, int | None, str | None]


class ScanLog:
    """A per-process buffer of scan rows and the thread that writes them."""

    def __init__(
        self,
        conninfo: str,
        flush_seconds: float,
        max_rows: int,
        max_buffered: int,
        copy_sql: str = COPY_SQL,
        what: str = "scan",
        options: str = "-c synchronous_commit=off",
    ):
        self.conninfo, self.flush_seconds = conninfo, flush_seconds
        self.max_rows, self.max_buffered = max_rows, max_buffered
        self.copy_sql, self.what, self.options = copy_sql, what, options
        self.failing = False  # the last write failed
        self.rows: list[Row] = []
        self.dropped = 0
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.write_lock = threading.Lock()  # one COPY at a time: the thread's and a synchronous flush()
        self.conn: psycopg.Connection | None = None
        self.conn_pid = None  # the process that opened it
        self.pid = None  # the process whose thread runs; after a fork the child starts its own
        self.closed = False

    def add(self, row: Row) -> None:
        with self.lock:
            self.rows.append(row)
            n = len(self.rows)
        if not self.flush_seconds:
            self.flush()
            return
        self._ensure_thread()
        if n >= self.max_rows:
            self.wake.set()

    def flush(self) -> int:
        """Write what is buffered now; the number of rows written (0 on failure: they stay buffered)."""
        with self.write_lock:
            with self.lock:
                batch, self.rows = self.rows, []
            if not batch:
                return 0
            try:
                self._copy(batch)
            except psycopg.Error:
                # For audit events this is an error someone must see: GET /healthz answers 503 while `failing`.
                log.exception("writing %d %s rows failed; kept for the next try", len(batch), self.what)
                self.failing = True
                self._close_conn()
                with self.lock:
                    self.rows[:0] = batch
                    self._cap()
                return 0
            self.failing = False
            return len(batch)

    def close(self) -> None:
        """Flush and stop (process exit, app teardown in tests)."""
        self.closed = True
        self.wake.set()
        self.flush()
        self._close_conn()

    def _copy(self, batch: list[Row]) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = psycopg.connect(self.conninfo, autocommit=True, options=self.options)
            self.conn_pid = os.getpid()
        with self.conn.cursor() as cur, cur.copy(self.copy_sql) as copy:
            for row in batch:
                copy.write_row(row)

    def _cap(self) -> None:
        extra = len(self.rows) - self.max_buffered
        if extra > 0 and self.max_buffered:
            del self.rows[:extra]
            self.dropped += extra
            log.error("%s buffer full: dropped the %d oldest rows (%d in all)", self.what, extra, self.dropped)

    def _close_conn(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
            self.conn = None

    def _ensure_thread(self) -> None:
        if self.pid == os.getpid():
            return
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()
            if self.conn is not None and self.conn_pid != self.pid:
                self.conn = None  # a forked child must not share the parent's socket
            threading.Thread(target=self._run, name=f"menpai-{self.what}log", daemon=True).start()
            atexit.register(self.close)

    def _run(self) -> None:
        while not self.closed:
            self.wake.wait(self.flush_seconds)
            self.wake.clear()
            self.flush()


def conninfo(sqlalchemy_url: str) -> str:
    """A libpq URL from SQLAlchemy's (postgresql+psycopg://… → postgresql://…)."""
    scheme, rest = sqlalchemy_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else sqlalchemy_url
