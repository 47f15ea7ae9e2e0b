"""The store's connection: opening a file safely, migrating it, transactions, and the
mapping of SQLite faults to ``StoreError``. The subject modules build on ``Connection``."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..clock import utcnow
from ..errors import StoreError
from .migrations import MIGRATIONS, expected_schema, schema_version

log = logging.getLogger(__name__)

# Seconds a statement waits for another process's lock before the run stops with "another
# process holds it locked" (two ingests share the translation work: each waits its turn).
BUSY_TIMEOUT = 30.0
CHUNK = 500  # values per ``IN (?, …)``: well under SQLite's limit on parameters


def iso(dt: datetime | None) -> str | None:
    """How a time is stored: ISO 8601 in UTC (None stays NULL)."""
    return dt.astimezone(UTC).isoformat() if dt else None


def from_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def select_in(db: sqlite3.Connection, sql: str, values: Iterable[object],
              *before: object) -> Iterator[sqlite3.Row]:
    """The rows of ``sql`` for every value, run chunk by chunk: each ``{in}`` in ``sql`` is
    the chunk's ``?, ?, …``, bound after the ``before`` parameters. Ordering (``ORDER BY``)
    holds within a chunk only."""
    items = values if isinstance(values, Sequence) else list(values)
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        marks = ",".join("?" * len(chunk))
        yield from db.execute(sql.replace("{in}", marks),
                              [*before, *(list(chunk) * sql.count("{in}"))])


def _fault(path: Path, exc: sqlite3.DatabaseError) -> sqlite3.DatabaseError:
    """The ``StoreError`` for a store fault, else the error itself."""
    return StoreError.from_sqlite(path, exc) or exc


def _mode(path: Path) -> int | None:
    """The file type and mode of ``path`` (links followed), or None when nothing is there."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        return None


def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


class _Connection(sqlite3.Connection):
    """A connection whose store faults (not a database, damaged, read-only, disk full...)
    are ``StoreError``s naming the file; other errors stay what they are."""

    store_path: Path

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise _fault(self.store_path, exc) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise _fault(self.store_path, exc) from None


class Connection:
    """An open store file, migrated to ``schema`` (the latest; tests of migrations open
    stores of older versions through a subclass with a smaller one)."""

    schema: int = len(MIGRATIONS)

    def __init__(self, path: str | Path) -> None:
        """Open (or create) the store. A file that is not a briefings store, is damaged, or
        cannot be written raises ``StoreError`` and is left exactly as it was."""
        self.path = Path(path)
        self._check_path()
        try:
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None,
                                      check_same_thread=False, factory=_Connection)
        except sqlite3.DatabaseError as exc:
            raise _fault(self.path, exc) from None
        self.db.store_path = self.path
        self.db.row_factory = sqlite3.Row
        try:
            self._check_foreign()  # before WAL mode: that would rewrite a stranger's header
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.migrate()
            self._check_schema()
        except BaseException:
            self.db.close()
            raise

    def _check_path(self) -> None:
        try:
            if self.path.is_dir():
                raise StoreError(self.path, "is a directory", "set store.path to a file, e.g. "
                                 f"{self.path / 'briefings.sqlite3'}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            mode = _mode(self.path)  # a symlink loop raises here: ELOOP
        except OSError as exc:
            why = exc.strerror
            with suppress(OSError):
                parent = next((p for p in self.path.parents if p.exists()), None)
                if parent and not parent.is_dir():
                    why = f"{parent} is not a directory"
            raise StoreError(self.path, f"cannot create or open it ({why})",
                             "set store.path to a file in a directory this user may "
                             "write") from None
        if mode is not None and not stat.S_ISREG(mode):  # SQLite read a pipe as empty
            raise StoreError(self.path, f"is {_kind(mode)}, not a file",
                             "set store.path to a file, e.g. "
                             f"{self.path.parent / 'briefings.sqlite3'}")
        if mode is not None and self.path.stat().st_size == 0:
            raise StoreError(self.path, "the file is empty (0 bytes): if it held the store, "
                             "it was truncated", "restore it from a backup, or delete it to "
                             "start a new store")
        for suffix in ("-wal", "-journal"):  # where SQLite keeps (or undoes) recent writes
            companion = self.path.with_name(self.path.name + suffix)
            with suppress(OSError):
                mode = _mode(companion)
                if mode is not None and not stat.S_ISREG(mode):
                    raise StoreError(self.path, f"its journal {companion.name} is "
                                     f"{_kind(mode)}, so SQLite cannot open the store",
                                     f"move {companion} aside (it is no journal SQLite "
                                     f"wrote)")

    def _check_foreign(self) -> None:
        tables = {r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_migrations" not in tables:
            raise StoreError(self.path, "an SQLite database, but not a briefings store "
                             f"(tables: {', '.join(sorted(tables)[:5])})",
                             "set store.path to another file")

    def _check_schema(self) -> None:
        """Every table and column the migrations made is there: a store whose tables were
        dropped or altered (by hand, or by damage that left the file readable) is refused at
        open, in one line, rather than failing in the middle of a run."""
        for table, columns in expected_schema(self.schema).items():
            found = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(columns - found)
            if missing:
                what = f"table {table} is missing" if not found else \
                    f"{table} lacks column(s) {', '.join(missing)}"
                raise StoreError(self.path, f"the file is damaged or was edited: {what} "
                                 f"(schema version {schema_version(self.db)})",
                                 "restore it from a backup, or move it aside (or set "
                                 "store.path to another file) to start a new store")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed as a whole, or rolled back as a whole."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # SQLite may already have rolled back (disk full)
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error as exc:  # keep the first error, the one that says why
                    log.debug("rollback failed: %s", exc)
            raise

    def migrate(self) -> None:
        """Run the migrations this store has not run yet, each in its own transaction."""
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in self.db.execute("SELECT version FROM schema_migrations")}
        if done and max(done) > self.schema:
            raise StoreError(self.path, f"written by a newer briefings (schema version "
                             f"{max(done)}, this one knows {self.schema})",
                             "upgrade briefings, or set store.path to another file")
        pending = [v for v in range(1, self.schema + 1) if v not in done]
        if pending and done:  # never migrate a damaged store
            check = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if check != "ok":
                raise StoreError(self.path, f"the file is damaged ({check})",
                                 "restore it from a backup, or move it aside to start a new "
                                 "store")
        # Foreign keys off while migrating (a no-op inside a transaction, so here): a table
        # rebuild drops the old table, which would otherwise cascade to its children.
        # Each migration checks them itself before it commits.
        self.db.execute("PRAGMA foreign_keys=OFF")
        try:
            for version in pending:
                migration = MIGRATIONS[version - 1]
                with self.transaction() as db:
                    migration(db)
                    broken = db.execute("PRAGMA foreign_key_check").fetchone()
                    if broken is not None:
                        raise StoreError(self.path, f"migration {version} would break a "
                                         f"reference from table {broken[0]}",
                                         "restore the store from a backup and report this")
                    db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                               (version, migration.__name__, iso(utcnow())))
                log.debug("applied migration %d %s", version, migration.__name__)
        finally:
            self.db.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.db.close()
