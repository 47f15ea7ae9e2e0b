"""SQLite store: the single source of truth and the only module with SQL.

Migrations are numbered functions recorded in ``schema_migrations``; each runs
in its own transaction. Writes that belong together share one transaction.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import StoreError
from .models import Article, CleanArticle, Sentence
from .text import sentence_hash

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _ts(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat() if dt else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one: executescript() would commit the migration's transaction."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_core(db: sqlite3.Connection) -> None:
    _script(db,
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            location TEXT NOT NULL,
            last_fetch_at TEXT,
            last_ok_at TEXT,
            last_error TEXT,
            articles_added INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            location TEXT NOT NULL,
            url TEXT UNIQUE,
            content_hash TEXT NOT NULL UNIQUE,
            outlet TEXT,
            headline TEXT NOT NULL,
            byline TEXT,
            dateline TEXT,
            language TEXT NOT NULL,
            published_at TEXT,
            ingested_at TEXT NOT NULL,
            truncated INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX articles_ingested ON articles(ingested_at);
        CREATE TABLE sentences (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text_src TEXT NOT NULL,
            src_hash TEXT NOT NULL,
            text_en TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending', 'translated', 'original')),
            UNIQUE (article_id, position)
        );
        CREATE INDEX sentences_pending ON sentences(status) WHERE status = 'pending';
        CREATE TABLE translations (
            engine TEXT NOT NULL,
            src_hash TEXT NOT NULL,
            text_en TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (engine, src_hash)
        );
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE story_articles (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL REFERENCES stories(id),
            similarity REAL NOT NULL
        );
        CREATE INDEX story_articles_story ON story_articles(story_id);
        """
    )


def _m002_chats(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE chats (
            chat_id INTEGER PRIMARY KEY,
            title TEXT,
            subscribed INTEGER NOT NULL DEFAULT 1,
            digest_time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            stories INTEGER,
            sentences INTEGER,
            created_at TEXT NOT NULL,
            last_digest_at TEXT
        );
        CREATE TABLE chat_filters (
            chat_id INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
            keyword TEXT NOT NULL,
            PRIMARY KEY (chat_id, keyword)
        );
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('daily', 'manual')),
            digest_date TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            story_ids TEXT NOT NULL
        );
        CREATE UNIQUE INDEX digests_daily ON digests(chat_id, digest_date) WHERE kind = 'daily';
        CREATE TABLE digest_parts (
            digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
            part INTEGER NOT NULL,
            html TEXT NOT NULL,
            text TEXT NOT NULL,
            message_id INTEGER,
            sent_at TEXT,
            PRIMARY KEY (digest_id, part)
        );
        CREATE TABLE sent_messages (
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            story_ids TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        )
    """)


def _m003_translated_seq(db: sqlite3.Connection) -> None:
    """Which translations are new since a reader last looked (the answer index)."""
    _script(db, """
        ALTER TABLE sentences ADD COLUMN translated_seq INTEGER;
        CREATE INDEX sentences_translated_seq ON sentences(translated_seq)
            WHERE translated_seq IS NOT NULL
    """)


def _m004_article_terms(db: sqlite3.Connection) -> None:
    """Each article's stemmed terms, derived once for story grouping (articles never change)."""
    db.execute("ALTER TABLE articles ADD COLUMN terms TEXT")


def _m005_digest_abandoned(db: sqlite3.Connection) -> None:
    """Digests that can no longer be delivered get their own mark, not a fake sent time."""
    db.execute("ALTER TABLE digests ADD COLUMN abandoned_at TEXT")
    db.execute("UPDATE digests SET sent_at = NULL, abandoned_at = created_at "
               "WHERE sent_at = 'abandoned'")


def _m006_source_skips(db: sqlite3.Connection) -> None:
    """A source's health also says how many of its items the last run skipped, and why."""
    db.execute("ALTER TABLE sources ADD COLUMN items_skipped INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE sources ADD COLUMN last_problem TEXT")


def _m007_translation_claims(db: sqlite3.Connection) -> None:
    """Sentences a process is translating right now, so that concurrent runs share the work."""
    db.execute("CREATE TABLE translation_claims (engine TEXT NOT NULL, src_hash TEXT NOT NULL, "
               "claimed_until TEXT NOT NULL, PRIMARY KEY (engine, src_hash))")


def _m008_url_failures(db: sqlite3.Connection) -> None:
    """Pages whose fetch failed, so they are retried with backoff instead of on every poll."""
    db.execute("""
        CREATE TABLE url_failures (
            url TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            first_failed_at TEXT NOT NULL,
            last_failed_at TEXT NOT NULL,
            next_try_at TEXT  -- NULL: given up
        )""")


def _m009_chat_schedule_from(db: sqlite3.Connection) -> None:
    """When a chat's digest schedule (subscription, time, time zone) took effect: a digest
    is "missed" at start-up only if it fell due after that moment."""
    db.execute("ALTER TABLE chats ADD COLUMN schedule_from TEXT")
    db.execute("UPDATE chats SET schedule_from = created_at")


def _m010_outlet_boilerplate(db: sqlite3.Connection) -> None:
    """Outlet boilerplate learned at ingest: each recent article's sample (the shapes of its
    labels, first and last words; see ``boilerplate.py``) and what was learned from them."""
    _script(db, """
        CREATE TABLE outlet_samples (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            outlet TEXT NOT NULL,
            keys TEXT NOT NULL  -- JSON list
        );
        CREATE INDEX outlet_samples_outlet ON outlet_samples(outlet, article_id);
        CREATE TABLE outlet_boilerplate (
            outlet TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('line', 'lead', 'tail', 'mark')),
            pattern TEXT NOT NULL,
            articles INTEGER NOT NULL,  -- of the outlet's articles it was learned from
            learned_at TEXT NOT NULL,
            PRIMARY KEY (outlet, kind, pattern)
        )
    """)


def _m011_answer_terms(db: sqlite3.Connection) -> None:
    """Each sentence's answer-index terms, made once (the index is rebuilt from these, not
    from the text); ``answer_meta`` says which term rules made them."""
    _script(db, """
        CREATE TABLE answer_terms (
            sentence_id INTEGER PRIMARY KEY REFERENCES sentences(id) ON DELETE CASCADE,
            src TEXT,               -- terms of the Arabic sentence (NULL: not an Arabic article)
            en TEXT,                -- terms of its English text (NULL: none yet)
            en_seq INTEGER,         -- the translated_seq the English terms were made from
            flags INTEGER NOT NULL  -- answer kinds: answer_terms.FLAG_BITS per language
        );
        CREATE TABLE answer_stems (   -- each word the sentences had, and its stem
            language TEXT NOT NULL, word TEXT NOT NULL, stem TEXT NOT NULL,
            PRIMARY KEY (language, word)
        ) WITHOUT ROWID;
        CREATE TABLE answer_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    """)


_UNIQUE_HASH = re.compile(r"(content_hash\s+TEXT\s+NOT\s+NULL)\s+UNIQUE", re.I)


def _m012_dedup_per_outlet(db: sqlite3.Connection) -> None:
    """An identical text from a second outlet is that outlet's report of the story, not a
    duplicate: the text hash is unique per outlet, no longer across outlets.

    SQLite cannot drop a column's UNIQUE in place, so the table is rebuilt as its manual
    says (lang_altertable.html, "other kinds of table schema changes"): a new table from the
    current definition (so columns added by earlier migrations come along) without that
    UNIQUE, every row copied with its id, the old table dropped, the new one renamed, its
    indexes recreated. Foreign keys are off while migrations run (``Store.migrate``), so the
    drop cascades to nothing; they are checked before the transaction commits."""
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'articles'"
                     ).fetchone()
    create, n = _UNIQUE_HASH.subn(r"\1", row[0])
    if n != 1:
        raise sqlite3.OperationalError("migration 12: articles.content_hash is not the "
                                       "UNIQUE column this migration expects")
    indexes = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND tbl_name = 'articles' AND sql IS NOT NULL")]
    create = re.sub(r"^\s*CREATE\s+TABLE\s+\"?articles\"?", "CREATE TABLE articles_new",
                    create, count=1, flags=re.I)
    db.execute(create)
    db.execute("INSERT INTO articles_new SELECT * FROM articles")
    db.execute("DROP TABLE articles")
    db.execute("ALTER TABLE articles_new RENAME TO articles")
    for sql in indexes:
        db.execute(sql)
    db.execute("CREATE UNIQUE INDEX articles_outlet_text ON articles("
               "content_hash, ifnull(outlet, ''))")


def _m013_url_aliases(db: sqlite3.Connection) -> None:
    """Other URLs of a stored article: an outlet that publishes one text under a second URL
    (``?live``, ``?weekly``) has that URL recorded here when the copy is dropped as a
    duplicate, so feeds do not fetch its page again and the URL resolves to the article."""
    db.execute("CREATE TABLE url_aliases ("
               "url TEXT PRIMARY KEY, "
               "article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE)")
    db.execute("CREATE INDEX url_aliases_article ON url_aliases(article_id)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _m001_core, _m002_chats, _m003_translated_seq, _m004_article_terms, _m005_digest_abandoned,
    _m006_source_skips, _m007_translation_claims, _m008_url_failures,
    _m009_chat_schedule_from, _m010_outlet_boilerplate, _m011_answer_terms,
    _m012_dedup_per_outlet, _m013_url_aliases]

URL_FAILURES_KEPT = timedelta(days=30)  # feeds drop their entries long before this


@dataclass(frozen=True)
class UrlFailure:
    """A page that could not be fetched: how often, the last reason, when to try again."""

    url: str
    failures: int
    last_error: str
    last_failed_at: datetime
    next_try_at: datetime | None  # None: given up


@functools.cache
def _expected_schema() -> dict[str, frozenset[str]]:
    """The tables and columns the migrations create (built once, in memory)."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in MIGRATIONS:
            migration(db)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = "
                                           "'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: frozenset(r[1] for r in db.execute(f"PRAGMA table_info({t})"))
                for t in tables}
    finally:
        db.close()


def _fault(path: Path, exc: sqlite3.DatabaseError) -> sqlite3.DatabaseError:
    """The ``StoreError`` for a store fault, else the error itself."""
    return StoreError.from_sqlite(path, exc) or exc


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


class Store:
    def __init__(self, path: str | Path) -> None:
        """Open (or create) the store. A file that is not a briefings store, is damaged, or
        cannot be written raises ``StoreError`` and is left exactly as it was."""
        self.path = Path(path)
        self._check_path()
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None,
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
            empty = self.path.exists() and self.path.stat().st_size == 0
        except OSError as exc:
            why = exc.strerror
            with suppress(OSError):
                parent = next((p for p in self.path.parents if p.exists()), None)
                if parent and not parent.is_dir():
                    why = f"{parent} is not a directory"
            raise StoreError(self.path, f"cannot create or open it ({why})",
                             "set store.path to a file in a directory this user may "
                             "write") from None
        if empty:
            raise StoreError(self.path, "the file is empty (0 bytes): if it held the store, "
                             "it was truncated", "restore it from a backup, or delete it to "
                             "start a new store")

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
        for table, columns in _expected_schema().items():
            found = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            missing = sorted(columns - found)
            if missing:
                what = f"table {table} is missing" if not found else \
                    f"{table} lacks column(s) {', '.join(missing)}"
                raise StoreError(self.path, f"the file is damaged or was edited: {what} "
                                 f"(schema version {self.schema_version()})",
                                 "restore it from a backup, or move it aside (or set "
                                 "store.path to another file) to start a new store")

    # -- plumbing ---------------------------------------------------------
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
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in self.db.execute("SELECT version FROM schema_migrations")}
        if done and max(done) > len(MIGRATIONS):
            raise StoreError(self.path, f"written by a newer briefings (schema version "
                             f"{max(done)}, this one knows {len(MIGRATIONS)})",
                             "upgrade briefings, or set store.path to another file")
        pending = [v for v in range(1, len(MIGRATIONS) + 1) if v not in done]
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
                               (version, migration.__name__, _ts(utcnow())))
                log.debug("applied migration %d %s", version, migration.__name__)
        finally:
            self.db.execute("PRAGMA foreign_keys=ON")

    def schema_version(self) -> int:
        return int(self.db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    # -- sources ----------------------------------------------------------
    def source_id(self, name: str, kind: str, location: str) -> int:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources (name, kind, location) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
                "location = excluded.location",
                (name, kind, location),
            )
            return int(db.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()[0])

    def record_fetch(self, name: str, error: str | None, added: int = 0,
                     problems: Sequence[str] = ()) -> None:
        """A run of a source: its error (None = read), new articles, items it skipped."""
        now = _ts(utcnow())
        last_problem = problems[-1] if problems else None
        with self.transaction() as db:
            if error is None:
                db.execute("UPDATE sources SET last_fetch_at = ?, last_ok_at = ?, "
                           "last_error = NULL, articles_added = articles_added + ?, "
                           "items_skipped = ?, last_problem = ? WHERE name = ?",
                           (now, now, added, len(problems), last_problem, name))
            else:
                db.execute("UPDATE sources SET last_fetch_at = ?, last_error = ?, "
                           "articles_added = articles_added + ?, items_skipped = ?, "
                           "last_problem = ? WHERE name = ?",
                           (now, error, added, len(problems), last_problem, name))

    def sources_health(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM sources ORDER BY name"))

    # -- pages that failed -------------------------------------------------
    @staticmethod
    def _url_failure(row: sqlite3.Row) -> UrlFailure:
        return UrlFailure(url=row["url"], failures=row["failures"], last_error=row["last_error"],
                          last_failed_at=datetime.fromisoformat(row["last_failed_at"]),
                          next_try_at=_dt(row["next_try_at"]))

    def url_failure(self, url: str) -> UrlFailure | None:
        row = self.db.execute("SELECT * FROM url_failures WHERE url = ?", (url,)).fetchone()
        return None if row is None else self._url_failure(row)

    def record_url_failure(self, url: str, error: str,
                           delay: Callable[[int], timedelta | None],
                           now: datetime | None = None) -> UrlFailure:
        """One more failure of ``url``; ``delay(failures)`` is the wait before the next try
        (None: give up). Records older than URL_FAILURES_KEPT are dropped meanwhile."""
        now = now or utcnow()
        with self.transaction() as db:
            db.execute("DELETE FROM url_failures WHERE last_failed_at < ?",
                       (_ts(now - URL_FAILURES_KEPT),))
            row = db.execute("SELECT failures FROM url_failures WHERE url = ?",
                             (url,)).fetchone()
            failures = (row[0] if row else 0) + 1
            wait = delay(failures)
            db.execute(
                "INSERT INTO url_failures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE "
                "SET failures = excluded.failures, last_error = excluded.last_error, "
                "last_failed_at = excluded.last_failed_at, next_try_at = excluded.next_try_at",
                (url, failures, error, _ts(now), _ts(now), _ts(now + wait) if wait else None))
            found = db.execute("SELECT * FROM url_failures WHERE url = ?", (url,)).fetchone()
        return self._url_failure(found)

    def clear_url_failure(self, url: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM url_failures WHERE url = ?", (url,))

    # -- articles ---------------------------------------------------------
    def has_url(self, url: str) -> bool:
        """True when ``url`` is a stored article's URL, or another URL of one (an alias)."""
        row = self.db.execute("SELECT 1 FROM articles WHERE url = ? UNION ALL "
                              "SELECT 1 FROM url_aliases WHERE url = ?", (url, url)).fetchone()
        return row is not None

    def resolve_urls(self, urls: Iterable[str]) -> dict[str, int]:
        """URL -> id of the stored article it names: its own URL, or an alias recorded when
        its outlet's same text came under that URL. URLs that name no article are left out."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(urls)), 500):
            marks = ",".join("?" * len(chunk))
            out.update((r[0], int(r[1])) for r in self.db.execute(
                f"SELECT url, id FROM articles WHERE url IN ({marks}) UNION ALL "
                f"SELECT url, article_id FROM url_aliases WHERE url IN ({marks})",
                [*chunk, *chunk]))
        return out

    def add_article(self, source_id: int, art: CleanArticle) -> int | None:
        """Store an article and its sentences at once; None when it is a duplicate: its URL is
        stored (or is an alias), or its outlet already has the same text; then a new URL is
        recorded as an alias of the stored copy. An identical text from another outlet is
        stored: it is that outlet's report of the story."""
        with self.transaction() as db:
            if art.url is not None and db.execute(
                    "SELECT 1 FROM articles WHERE url = ? UNION ALL "
                    "SELECT 1 FROM url_aliases WHERE url = ?", (art.url, art.url)).fetchone():
                return None
            dup = db.execute(
                "SELECT id FROM articles WHERE content_hash = ? AND ifnull(outlet, '') = ?",
                (art.content_hash, art.outlet or ""),
            ).fetchone()
            if dup:
                if art.url is not None:
                    db.execute("INSERT INTO url_aliases (url, article_id) VALUES (?, ?)",
                               (art.url, dup[0]))
                return None
            cur = db.execute(
                "INSERT INTO articles (source_id, location, url, content_hash, outlet, headline, "
                "byline, dateline, language, published_at, ingested_at, truncated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (source_id, art.location, art.url, art.content_hash, art.outlet, art.headline,
                 art.byline, art.dateline, art.language, _ts(art.published), _ts(utcnow()),
                 int(art.truncated)),
            )
            article_id = int(cur.lastrowid or 0)
            original = art.language != "ar"
            db.executemany(
                "INSERT INTO sentences (article_id, position, text_src, src_hash, text_en, status) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(article_id, pos, s, sentence_hash(s), s if original else None,
                  "original" if original else "pending")
                 for pos, s in enumerate((art.headline, *art.sentences))],
            )
            return article_id

    def _article(self, row: sqlite3.Row) -> Article:
        return Article(
            id=row["id"], source=row["source"], location=row["location"], url=row["url"],
            outlet=row["outlet"], headline=row["headline"], language=row["language"],
            ingested_at=_dt(row["ingested_at"]) or utcnow(), byline=row["byline"],
            dateline=row["dateline"], published=_dt(row["published_at"]),
        )

    _ARTICLE_SELECT = ("SELECT a.*, s.name AS source FROM articles a "
                       "JOIN sources s ON s.id = a.source_id ")

    def articles(self, ids: Iterable[int]) -> list[Article]:
        ids = list(ids)
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(self._ARTICLE_SELECT + f"WHERE a.id IN ({marks}) ORDER BY a.id",
                               ids)
        return [self._article(r) for r in rows]

    def articles_since(self, since: datetime, sources: Sequence[str] | None = None
                       ) -> list[Article]:
        sql = self._ARTICLE_SELECT + "WHERE (a.ingested_at >= ? OR a.published_at >= ?)"
        args: list[object] = [_ts(since), _ts(since)]
        if sources is not None:
            sql += f" AND s.name IN ({','.join('?' * len(sources))})"
            args += list(sources)
        return [self._article(r) for r in self.db.execute(sql + " ORDER BY a.id", args)]

    def article_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # -- sentences --------------------------------------------------------
    @staticmethod
    def _sentence(row: sqlite3.Row) -> Sentence:
        return Sentence(id=row["id"], article_id=row["article_id"], position=row["position"],
                        text_src=row["text_src"], text_en=row["text_en"], status=row["status"])

    def sentences(self, article_ids: Iterable[int]) -> dict[int, list[Sentence]]:
        ids = list(article_ids)
        out: dict[int, list[Sentence]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 500):
            rows = self.db.execute(
                f"SELECT * FROM sentences WHERE article_id IN ({','.join('?' * len(chunk))}) "
                "ORDER BY article_id, position", chunk)
            for r in rows:
                out[r["article_id"]].append(self._sentence(r))
        return out

    def pending_sentences(self, ids: Iterable[int] | None = None) -> list[tuple[int, str, str]]:
        """(id, src_hash, text) of pending sentences: the given ones, or all."""
        if ids is None:
            rows = self.db.execute("SELECT id, src_hash, text_src FROM sentences "
                                   "WHERE status = 'pending' ORDER BY article_id, position")
            return [(r[0], r[1], r[2]) for r in rows]
        out = []
        for chunk in _chunks(list(ids), 500):
            rows = self.db.execute(
                f"SELECT id, src_hash, text_src FROM sentences WHERE status = 'pending' "
                f"AND id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, position", chunk)
            out += [(r[0], r[1], r[2]) for r in rows]
        return out

    def pending_count(self) -> int:
        return int(self.db.execute(
            "SELECT COUNT(*) FROM sentences WHERE status = 'pending'").fetchone()[0])

    def cached_translations(self, engine: str, hashes: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(list(set(hashes)), 500):
            rows = self.db.execute(
                f"SELECT src_hash, text_en FROM translations WHERE engine = ? "
                f"AND src_hash IN ({','.join('?' * len(chunk))})", [engine, *chunk])
            found.update((r[0], r[1]) for r in rows)
        return found

    def save_translations(self, engine: str, new: dict[str, str],
                          done: Sequence[tuple[int, str]]) -> None:
        """Cache new translations and mark sentences translated, in one transaction."""
        now = _ts(utcnow())
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
                           [(engine, h, t, now) for h, t in new.items()])
            seq = db.execute("SELECT COALESCE(MAX(translated_seq), 0) + 1 FROM sentences "
                             "WHERE translated_seq IS NOT NULL").fetchone()[0]
            db.executemany("UPDATE sentences SET text_en = ?, status = 'translated', "
                           "translated_seq = ? WHERE id = ? AND status = 'pending'",
                           [(text, seq, sid) for sid, text in done])
            db.executemany("DELETE FROM translation_claims WHERE engine = ? AND src_hash = ?",
                           [(engine, h) for h in new])

    def claim_translations(self, engine: str, hashes: Sequence[str], ttl: timedelta
                           ) -> tuple[dict[str, str], list[str]]:
        """For a chunk about to be translated, in one transaction: the translations another
        run finished meanwhile, and the hashes now claimed by this run for ``ttl`` (those
        claimed by a live other run are in neither: it is translating them)."""
        now = utcnow()
        with self.transaction() as db:
            db.execute("DELETE FROM translation_claims WHERE claimed_until < ?", (_ts(now),))
            done: dict[str, str] = {}
            taken: set[str] = set()
            for chunk in _chunks(list(hashes), 500):
                marks = ",".join("?" * len(chunk))
                done.update(db.execute(
                    f"SELECT src_hash, text_en FROM translations WHERE engine = ? "
                    f"AND src_hash IN ({marks})", [engine, *chunk]).fetchall())
                taken.update(r[0] for r in db.execute(
                    f"SELECT src_hash FROM translation_claims WHERE engine = ? "
                    f"AND src_hash IN ({marks})", [engine, *chunk]))
            mine = [h for h in hashes if h not in done and h not in taken]
            db.executemany("INSERT INTO translation_claims VALUES (?, ?, ?)",
                           [(engine, h, _ts(now + ttl)) for h in mine])
        return done, mine

    def import_translations(self, other: Path) -> int:
        """Copy another database's translation cache into this one (warm a new store)."""
        self.db.execute("ATTACH DATABASE ? AS other", (str(other),))
        try:
            with self.transaction() as db:
                cur = db.execute("INSERT OR IGNORE INTO translations SELECT * FROM "
                                 "other.translations")
                return cur.rowcount
        finally:
            self.db.execute("DETACH DATABASE other")

    def cache_size(self, engine: str | None = None) -> int:
        if engine is None:
            return int(self.db.execute("SELECT COUNT(*) FROM translations").fetchone()[0])
        return int(self.db.execute("SELECT COUNT(*) FROM translations WHERE engine = ?",
                                   (engine,)).fetchone()[0])

    # -- learned outlet boilerplate ----------------------------------------
    def outlet_samples(self, outlet: str, limit: int) -> list[list[str]]:
        """The samples of the outlet's ``limit`` newest articles."""
        rows = self.db.execute("SELECT keys FROM outlet_samples WHERE outlet = ? "
                               "ORDER BY article_id DESC LIMIT ?", (outlet, limit))
        return [json.loads(r[0]) for r in rows]

    def save_outlet_samples(self, samples: Sequence[tuple[int, str, Iterable[str]]],
                            learned: Mapping[str, tuple[int, Sequence[tuple[str, str]]]],
                            window: int) -> None:
        """New articles' samples (article id, outlet, keys); each outlet's older samples beyond
        ``window``; and what was learned per outlet (articles, (kind, pattern)s) replaces what
        was learned before. One transaction."""
        now = _ts(utcnow())
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO outlet_samples VALUES (?, ?, ?)",
                           [(a, o, json.dumps(sorted(k), ensure_ascii=False))
                            for a, o, k in samples])
            for outlet in {o for _, o, _ in samples}:
                db.execute("DELETE FROM outlet_samples WHERE outlet = ? AND article_id NOT IN "
                           "(SELECT article_id FROM outlet_samples WHERE outlet = ? "
                           "ORDER BY article_id DESC LIMIT ?)", (outlet, outlet, window))
            for outlet, (articles, patterns) in learned.items():
                db.execute("DELETE FROM outlet_boilerplate WHERE outlet = ?", (outlet,))
                db.executemany("INSERT OR IGNORE INTO outlet_boilerplate VALUES (?, ?, ?, ?, ?)",
                               [(outlet, k, p, articles, now) for k, p in patterns])

    def outlet_boilerplate(self) -> dict[str, list[tuple[str, str]]]:
        """outlet -> the (kind, pattern)s learned for it."""
        out: dict[str, list[tuple[str, str]]] = {}
        for r in self.db.execute("SELECT outlet, kind, pattern FROM outlet_boilerplate "
                                 "ORDER BY outlet, kind, pattern"):
            out.setdefault(r[0], []).append((r[1], r[2]))
        return out

    # -- stories ----------------------------------------------------------
    def unassigned_articles(self, article_ids: Iterable[int]) -> list[int]:
        ids = list(article_ids)
        assigned: set[int] = set()
        for chunk in _chunks(ids, 500):
            rows = self.db.execute(
                f"SELECT article_id FROM story_articles WHERE article_id IN "
                f"({','.join('?' * len(chunk))})", chunk)
            assigned.update(r[0] for r in rows)
        return [i for i in ids if i not in assigned]

    def article_terms(self, article_ids: Iterable[int]) -> dict[int, list[str] | None]:
        out: dict[int, list[str] | None] = {}
        for chunk in _chunks(list(article_ids), 500):
            rows = self.db.execute(f"SELECT id, terms FROM articles WHERE id IN "
                                   f"({','.join('?' * len(chunk))})", chunk)
            out.update((r[0], r[1].split() if r[1] is not None else None) for r in rows)
        return out

    def save_terms(self, terms: dict[int, list[str]]) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE articles SET terms = ? WHERE id = ?",
                           [(" ".join(t), i) for i, t in terms.items()])

    def story_members_since(self, since: datetime) -> dict[int, int]:
        """article id -> story id, for stories updated since ``since``."""
        rows = self.db.execute(
            "SELECT sa.article_id, sa.story_id FROM story_articles sa "
            "JOIN stories st ON st.id = sa.story_id WHERE st.updated_at >= ?", (_ts(since),))
        return {r[0]: r[1] for r in rows}

    def assign_stories(self, assignments: Sequence[tuple[int, int | None, float]]
                       ) -> dict[int, int]:
        """(article, story or None for a new story, similarity) -> article -> story id."""
        now = _ts(utcnow())
        result: dict[int, int] = {}
        new_for: dict[int, int] = {}  # placeholder story key (negative) -> real id
        with self.transaction() as db:
            for article_id, story_id, sim in assignments:
                if story_id is None or story_id < 0:
                    key = story_id if story_id is not None else -article_id
                    if key not in new_for:
                        cur = db.execute("INSERT INTO stories (created_at, updated_at) "
                                         "VALUES (?, ?)", (now, now))
                        new_for[key] = int(cur.lastrowid or 0)
                    story_id = new_for[key]
                else:
                    db.execute("UPDATE stories SET updated_at = ? WHERE id = ?", (now, story_id))
                db.execute("INSERT OR IGNORE INTO story_articles VALUES (?, ?, ?)",
                           (article_id, story_id, sim))
                result[article_id] = story_id
        return result

    def story_articles(self, story_ids: Iterable[int]) -> dict[int, list[int]]:
        ids = list(story_ids)
        out: dict[int, list[int]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 500):
            rows = self.db.execute(
                f"SELECT story_id, article_id FROM story_articles WHERE story_id IN "
                f"({','.join('?' * len(chunk))}) ORDER BY article_id", chunk)
            for r in rows:
                out[r[0]].append(r[1])
        return out

    def stories_of(self, article_ids: Iterable[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for chunk in _chunks(list(article_ids), 500):
            rows = self.db.execute(
                f"SELECT article_id, story_id FROM story_articles WHERE article_id IN "
                f"({','.join('?' * len(chunk))})", chunk)
            out.update((r[0], r[1]) for r in rows)
        return out

    # -- questions ----------------------------------------------------------
    _WINDOW = "(a.ingested_at >= ? OR a.published_at >= ?)"

    def answer_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM answer_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_answer_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO answer_meta VALUES (?, ?)", (key, value))

    def reset_answer_terms(self, signature: str) -> None:
        """Forget every sentence's answer terms: they were made by other rules."""
        with self.transaction() as db:
            db.execute("DELETE FROM answer_terms")
            db.execute("DELETE FROM answer_stems")
            db.execute("INSERT OR REPLACE INTO answer_meta VALUES ('terms', ?)", (signature,))

    def answer_state(self) -> tuple[int, int]:
        """(largest sentence id, largest translation seq): what the answer index has seen."""
        sid = self.db.execute("SELECT MAX(id) FROM sentences").fetchone()[0]
        seq = self.db.execute("SELECT MAX(translated_seq) FROM sentences "  # the partial index
                              "WHERE translated_seq IS NOT NULL").fetchone()[0]
        return int(sid or 0), int(seq or 0)

    def sentences_needing_terms(self, since: datetime) -> list[
            tuple[int, str, str | None, str, int, str | None, int]]:
        """(id, source text, English, article language, translation seq, stored source
        terms, stored flags) of the window's sentences without answer terms, or whose
        English is newer than their English terms."""
        rows = self.db.execute(
            "SELECT s.id, s.text_src, s.text_en, a.language, COALESCE(s.translated_seq, 0), "
            "t.src, COALESCE(t.flags, 0) FROM sentences s JOIN articles a ON a.id = s.article_id "
            "LEFT JOIN answer_terms t ON t.sentence_id = s.id "
            f"WHERE {self._WINDOW} AND (t.sentence_id IS NULL "
            "OR (s.text_en IS NOT NULL AND t.en IS NULL) "
            "OR COALESCE(s.translated_seq, 0) > COALESCE(t.en_seq, 0)) ORDER BY s.id",
            (_ts(since), _ts(since)))
        return [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def save_answer_terms(self, rows: Sequence[tuple[int, str | None, str | None, int, int]],
                          stems: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """(sentence id, source terms, English terms, their translation seq, flags), and the
        stems of their words by language."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO answer_terms VALUES (?, ?, ?, ?, ?)", rows)
            for language, pairs in (stems or {}).items():
                db.executemany("INSERT OR IGNORE INTO answer_stems VALUES (?, ?, ?)",
                               ((language, w, s) for w, s in pairs.items()))

    def answer_stems(self, language: str, words: Sequence[str]) -> dict[str, str]:
        """The stored stems of those words that have one."""
        rows = self.db.execute(
            f"SELECT word, stem FROM answer_stems WHERE language = ? AND word IN "
            f"({','.join('?' * len(words))})", (language, *words)) if words else []
        return {r[0]: r[1] for r in rows}

    def answer_index_rows(self, since: datetime, after_id: int = 0, after_seq: int = 0
                          ) -> Iterator[tuple[int, int, int, str | None, str | None, int]]:
        """(sentence id, article id, position, source terms, English terms, flags) of the
        window's sentences that have answer terms, by sentence id; only those added after
        ``after_id`` or translated after ``after_seq`` when given."""
        cur = self.db.execute(
            "SELECT s.id, s.article_id, s.position, t.src, t.en, t.flags FROM sentences s "
            "JOIN articles a ON a.id = s.article_id "
            f"JOIN answer_terms t ON t.sentence_id = s.id WHERE {self._WINDOW} "
            "AND (s.id > ? OR COALESCE(s.translated_seq, 0) > ?) ORDER BY s.id",
            (_ts(since), _ts(since), after_id, after_seq))
        cur.row_factory = None  # plain tuples: this reads every sentence of the window
        yield from cur

    def article_times(self, since: datetime) -> dict[int, datetime]:
        """Article id -> the later of its ingest and publication time, for the window."""
        rows = self.db.execute(
            f"SELECT a.id, a.ingested_at, a.published_at FROM articles a WHERE {self._WINDOW}",
            (_ts(since), _ts(since)))
        return {r[0]: max(d for d in (_dt(r[1]), _dt(r[2])) if d is not None) for r in rows}

    def sentences_by_id(self, ids: Iterable[int]) -> dict[int, Sentence]:
        out: dict[int, Sentence] = {}
        for chunk in _chunks(list(ids), 500):
            rows = self.db.execute(
                f"SELECT * FROM sentences WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update((r["id"], self._sentence(r)) for r in rows)
        return out

    def headline_en(self, article_id: int) -> str | None:
        row = self.db.execute("SELECT text_en FROM sentences WHERE article_id = ? AND "
                              "position = 0", (article_id,)).fetchone()
        return row[0] if row else None

    # -- stories for chats ----------------------------------------------------
    def latest_stories(self, limit: int) -> list[tuple[int, int, str]]:
        """(story id, article count, newest ingest time), newest first."""
        rows = self.db.execute(
            "SELECT sa.story_id, COUNT(*), MAX(a.ingested_at) FROM story_articles sa "
            "JOIN articles a ON a.id = sa.article_id GROUP BY sa.story_id "
            "ORDER BY MAX(a.ingested_at) DESC, sa.story_id DESC LIMIT ?", (limit,))
        return [(r[0], r[1], r[2]) for r in rows]

    def story_exists(self, story_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM stories WHERE id = ?",
                               (story_id,)).fetchone() is not None

    def counts(self, since: datetime) -> dict[str, int]:
        one = self.db.execute
        return {
            "articles": int(one("SELECT COUNT(*) FROM articles").fetchone()[0]),
            "articles_since": int(one("SELECT COUNT(*) FROM articles WHERE ingested_at >= ?",
                                      (_ts(since),)).fetchone()[0]),
            "pending": self.pending_count(),
            "translated": int(one("SELECT COUNT(*) FROM sentences WHERE status = 'translated'"
                                  ).fetchone()[0]),
            "subscribed": int(one("SELECT COUNT(*) FROM chats WHERE subscribed = 1"
                                  ).fetchone()[0]),
        }

    # -- chats ----------------------------------------------------------------
    def subscribe(self, chat_id: int, title: str | None, digest_time: str, timezone: str,
                  now: datetime | None = None) -> bool:
        """True when the chat is newly subscribed (or re-subscribed). A (re-)subscription
        starts the chat's schedule at ``now``: digests due before it are not "missed"."""
        now_ts = _ts(now or utcnow())
        with self.transaction() as db:
            row = db.execute("SELECT subscribed FROM chats WHERE chat_id = ?",
                             (chat_id,)).fetchone()
            if row is None:
                db.execute("INSERT INTO chats (chat_id, title, digest_time, timezone, created_at, "
                           "schedule_from) VALUES (?, ?, ?, ?, ?, ?)",
                           (chat_id, title, digest_time, timezone, now_ts, now_ts))
                return True
            db.execute("UPDATE chats SET subscribed = 1, title = COALESCE(?, title), "
                       "schedule_from = CASE WHEN subscribed THEN schedule_from ELSE ? END "
                       "WHERE chat_id = ?", (title, now_ts, chat_id))
            return not row[0]

    def unsubscribe(self, chat_id: int) -> bool:
        with self.transaction() as db:
            cur = db.execute("UPDATE chats SET subscribed = 0 WHERE chat_id = ? AND "
                             "subscribed = 1", (chat_id,))
            return cur.rowcount > 0

    def chat(self, chat_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM chats WHERE chat_id = ?",
                                                  (chat_id,)).fetchone()
        return row

    def subscribed_chats(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM chats WHERE subscribed = 1 ORDER BY chat_id"))

    def update_chat(self, chat_id: int, **values: object) -> None:
        """Change a chat's settings; a new digest time or time zone restarts its schedule."""
        allowed = {"digest_time", "timezone", "stories", "sentences", "last_digest_at"}
        assert set(values) <= allowed, values
        with self.transaction() as db:
            row = db.execute("SELECT digest_time, timezone FROM chats WHERE chat_id = ?",
                             (chat_id,)).fetchone()
            if row is None:
                return
            if any(k in values and values[k] != row[k] for k in ("digest_time", "timezone")):
                values = {**values, "schedule_from": _ts(utcnow())}
            sets = ", ".join(f"{k} = ?" for k in values)
            db.execute(f"UPDATE chats SET {sets} WHERE chat_id = ?", (*values.values(), chat_id))

    def migrate_chat(self, old: int, new: int) -> bool:
        """A group became a supergroup: move everything of chat ``old`` to ``new`` at once.
        When ``new`` is already known (it used the bot), its own settings win. False when
        there was nothing to move."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM chats WHERE chat_id = ?", (old,)).fetchone() is None:
                return False
            db.execute("INSERT OR IGNORE INTO chats (chat_id, title, subscribed, digest_time, "
                       "timezone, stories, sentences, created_at, last_digest_at, schedule_from) "
                       "SELECT ?, title, subscribed, digest_time, timezone, stories, sentences, "
                       "created_at, last_digest_at, schedule_from FROM chats WHERE chat_id = ?",
                       (new, old))
            db.execute("UPDATE OR IGNORE chat_filters SET chat_id = ? WHERE chat_id = ?",
                       (new, old))
            db.execute("DELETE FROM chats WHERE chat_id = ?", (old,))  # and leftover filters
            clash = ("kind = 'daily' AND digest_date IN (SELECT digest_date FROM digests "
                     "WHERE chat_id = ? AND kind = 'daily')")  # the new chat has that day's
            db.execute(f"UPDATE digests SET abandoned_at = COALESCE(abandoned_at, ?) "
                       f"WHERE chat_id = ? AND {clash}", (_ts(utcnow()), old, new))
            db.execute(f"UPDATE digests SET chat_id = ? WHERE chat_id = ? AND NOT ({clash})",
                       (new, old, new))
            db.execute("UPDATE OR IGNORE sent_messages SET chat_id = ? WHERE chat_id = ?",
                       (new, old))
            db.execute("DELETE FROM sent_messages WHERE chat_id = ?", (old,))
            return True

    def filters(self, chat_id: int) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT keyword FROM chat_filters WHERE chat_id = ? ORDER BY keyword", (chat_id,))]

    def add_filter(self, chat_id: int, keyword: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("INSERT OR IGNORE INTO chat_filters VALUES (?, ?)", (chat_id, keyword))
            return cur.rowcount > 0

    def remove_filter(self, chat_id: int, keyword: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("DELETE FROM chat_filters WHERE chat_id = ? AND keyword = ?",
                             (chat_id, keyword))
            return cur.rowcount > 0

    # -- digest outbox --------------------------------------------------------
    def daily_digest(self, chat_id: int, date: str) -> int | None:
        row = self.db.execute("SELECT id FROM digests WHERE chat_id = ? AND digest_date = ? AND "
                              "kind = 'daily'", (chat_id, date)).fetchone()
        return int(row[0]) if row else None

    def record_digest(self, chat_id: int, kind: str, date: str, story_ids: Sequence[int],
                      parts: Sequence[tuple[str, str]]) -> int:
        """Record a composed digest and its parts before anything is sent (the outbox)."""
        with self.transaction() as db:
            if kind == "daily":
                row = db.execute("SELECT id FROM digests WHERE chat_id = ? AND digest_date = ? "
                                 "AND kind = 'daily'", (chat_id, date)).fetchone()
                if row:
                    return int(row[0])
            cur = db.execute(
                "INSERT INTO digests (chat_id, kind, digest_date, created_at, story_ids) "
                "VALUES (?, ?, ?, ?, ?)",
                (chat_id, kind, date, _ts(utcnow()), json.dumps(list(story_ids))))
            digest_id = int(cur.lastrowid or 0)
            db.executemany("INSERT INTO digest_parts (digest_id, part, html, text) "
                           "VALUES (?, ?, ?, ?)",
                           [(digest_id, i, h, t) for i, (h, t) in enumerate(parts)])
            db.execute("UPDATE chats SET last_digest_at = ? WHERE chat_id = ?",
                       (_ts(utcnow()), chat_id))
            return digest_id

    def unsent_parts(self, digest_id: int) -> list[tuple[int, str, str]]:
        rows = self.db.execute("SELECT part, html, text FROM digest_parts WHERE digest_id = ? "
                               "AND sent_at IS NULL ORDER BY part", (digest_id,))
        return [(r[0], r[1], r[2]) for r in rows]

    def digest_story_ids(self, digest_id: int) -> list[int]:
        row = self.db.execute("SELECT story_ids FROM digests WHERE id = ?",
                              (digest_id,)).fetchone()
        return list(json.loads(row[0])) if row else []

    def mark_part_sent(self, digest_id: int, part: int, chat_id: int, message_id: int) -> None:
        now = _ts(utcnow())
        with self.transaction() as db:
            db.execute("UPDATE digest_parts SET sent_at = ?, message_id = ? WHERE digest_id = ? "
                       "AND part = ?", (now, message_id, digest_id, part))
            left = db.execute("SELECT COUNT(*) FROM digest_parts WHERE digest_id = ? AND "
                              "sent_at IS NULL", (digest_id,)).fetchone()[0]
            if not left:
                db.execute("UPDATE digests SET sent_at = ? WHERE id = ?", (now, digest_id))
            story_ids = db.execute("SELECT story_ids FROM digests WHERE id = ?",
                                   (digest_id,)).fetchone()[0]
            db.execute("INSERT OR REPLACE INTO sent_messages VALUES (?, ?, ?, ?)",
                       (chat_id, message_id, story_ids, now))

    def unsent_digests(self) -> list[tuple[int, int, str, str]]:
        """(digest id, chat id, kind, date) of digests with parts still to send."""
        rows = self.db.execute(
            "SELECT d.id, d.chat_id, d.kind, d.digest_date FROM digests d JOIN chats c "
            "ON c.chat_id = d.chat_id WHERE d.sent_at IS NULL AND d.abandoned_at IS NULL "
            "AND c.subscribed = 1 ORDER BY d.id")
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def drop_digest(self, digest_id: int) -> None:
        """A digest that can no longer be delivered (chat gone, day over)."""
        with self.transaction() as db:
            db.execute("UPDATE digests SET abandoned_at = ? WHERE id = ?",
                       (_ts(utcnow()), digest_id))

    def sent_parts(self, chat_id: int) -> list[tuple[int, int, int]]:
        """(digest id, part, message id) already sent to a chat: what tests and audits read."""
        rows = self.db.execute(
            "SELECT p.digest_id, p.part, p.message_id FROM digest_parts p JOIN digests d ON "
            "d.id = p.digest_id WHERE d.chat_id = ? AND p.sent_at IS NOT NULL "
            "ORDER BY p.digest_id, p.part", (chat_id,))
        return [(r[0], r[1], r[2]) for r in rows]

    # -- messages the bot sent, for scoping replies -------------------------------
    def remember_message(self, chat_id: int, message_id: int, story_ids: Sequence[int]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO sent_messages VALUES (?, ?, ?, ?)",
                       (chat_id, message_id, json.dumps(list(story_ids)), _ts(utcnow())))

    def message_stories(self, chat_id: int, message_id: int) -> list[int] | None:
        row = self.db.execute("SELECT story_ids FROM sent_messages WHERE chat_id = ? AND "
                              "message_id = ?", (chat_id, message_id)).fetchone()
        return list(json.loads(row[0])) if row else None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
