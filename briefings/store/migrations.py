"""The store's schema, as numbered migrations (llm-style): ``MIGRATIONS[k - 1]`` is
migration k, recorded by number and name in ``schema_migrations`` when applied. Each runs in
its own transaction (``Connection.migrate``). Never edit or renumber one that has shipped:
existing stores have run it. A new schema change is a new function at the end."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Callable


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
    indexes recreated. Foreign keys are off while migrations run (``Connection.migrate``), so the
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


def _m014_digest_read_upto(db: sqlite3.Connection) -> None:
    """The last article a chat's digest read: the next one starts after it. The time it
    read them (last_digest_at, whole seconds) could put an article stored in that second in
    two digests; a chat without it (older digests) starts at that time, as before."""
    db.execute("ALTER TABLE chats ADD COLUMN last_digest_article INTEGER")


def _m015_forgotten(db: sqlite3.Connection) -> None:
    """The links and texts of articles the store removed as old (``store.keep_days``), so
    that a feed or a folder that still lists them does not bring them back as new."""
    db.execute("CREATE TABLE forgotten (url TEXT, content_hash TEXT NOT NULL, "
               "outlet TEXT NOT NULL DEFAULT '', forgotten_at TEXT NOT NULL)")
    db.execute("CREATE INDEX forgotten_url ON forgotten(url)")
    db.execute("CREATE INDEX forgotten_text ON forgotten(content_hash, outlet)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _m001_core, _m002_chats, _m003_translated_seq, _m004_article_terms, _m005_digest_abandoned,
    _m006_source_skips, _m007_translation_claims, _m008_url_failures,
    _m009_chat_schedule_from, _m010_outlet_boilerplate, _m011_answer_terms,
    _m012_dedup_per_outlet, _m013_url_aliases, _m014_digest_read_upto, _m015_forgotten]


def schema_version(db: sqlite3.Connection) -> int:
    """The number of the last migration a store has run (0: none)."""
    return int(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
                          ).fetchone()[0])


@functools.cache
def expected_schema(version: int = len(MIGRATIONS)) -> dict[str, frozenset[str]]:
    """The tables and columns the first ``version`` migrations create (built once, in
    memory)."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in MIGRATIONS[:version]:
            migration(db)
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = "
                                           "'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: frozenset(r[1] for r in db.execute(f"PRAGMA table_info({t})"))
                for t in tables}
    finally:
        db.close()
