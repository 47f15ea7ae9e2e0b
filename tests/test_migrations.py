"""Migrations: a blank database comes up at the latest version, and a store of EACH older
version, with a little content of its time, is converted by the later migrations: its rows
kept, new columns filled as the migration says, and the result shaped like a new store.
(A store from a newer version is refused: test_store_faults.)"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from briefings.models import CleanArticle
from briefings.store import MIGRATIONS, Connection, Store
from briefings.store.migrations import expected_schema, schema_version
from briefings.text import content_hash

CREATED = "2015-07-20T06:00:00+00:00"
BODY = "لقي 21 شخصا مصرعهم إثر غرق مركب في نهر النيل بمنطقة الوراق في القاهرة."


def old_store(path: Path, version: int) -> None:
    """A store file as a briefings that knew the first ``version`` migrations left it, with
    content in the tables of that time (written with that time's columns only)."""

    class Old(Connection):
        schema = version

    old = Old(path)
    with old.transaction() as db:
        db.execute("INSERT INTO sources (id, name, kind, location, last_fetch_at, last_ok_at, "
                   "articles_added) VALUES (1, 'inbox', 'folder', '/in', ?, ?, 2)",
                   (CREATED, CREATED))
        for aid, outlet, text in ((1, "Okaz", BODY), (2, "Okaz", "خبر آخر عن الطقس.")):
            db.execute("INSERT INTO articles (id, source_id, location, url, content_hash, "
                       "outlet, headline, language, ingested_at) VALUES "
                       "(?, 1, ?, ?, ?, ?, 'عنوان', 'ar', ?)",
                       (aid, f"/in/{aid}", f"https://okaz/{aid}", content_hash(text), outlet,
                        CREATED))
            db.execute("INSERT INTO sentences (article_id, position, text_src, src_hash, "
                       "text_en, status) VALUES (?, 0, 'عنوان', 'h0', 'A title', 'translated')",
                       (aid,))
            db.execute("INSERT INTO sentences (article_id, position, text_src, src_hash, "
                       "status) VALUES (?, 1, ?, ?, 'pending')", (aid, text, f"h{aid}"))
        db.execute("INSERT INTO translations VALUES ('argos', 'h0', 'A title', ?)", (CREATED,))
        db.execute("INSERT INTO stories (id, created_at, updated_at) VALUES (1, ?, ?)",
                   (CREATED, CREATED))
        db.execute("INSERT INTO story_articles VALUES (1, 1, 1.0), (2, 1, 0.5)")
        if version >= 2:
            db.execute("INSERT INTO chats (chat_id, title, digest_time, timezone, created_at) "
                       "VALUES (7, 'desk', '07:00', 'Asia/Riyadh', ?)", (CREATED,))
            db.execute("INSERT INTO chat_filters VALUES (7, 'النيل')")
            for did, sent in ((1, "abandoned"), (2, "2015-07-20T07:00:05+00:00")):
                # before migration 5, an undeliverable digest was marked by a fake sent time
                db.execute("INSERT INTO digests (id, chat_id, kind, digest_date, created_at, "
                           "sent_at, story_ids) VALUES (?, 7, 'daily', ?, ?, ?, '[1]')",
                           (did, f"2015-07-2{did}", CREATED, sent))
                db.execute("INSERT INTO digest_parts (digest_id, part, html, text) "
                           "VALUES (?, 0, '<b>x</b>', 'x')", (did,))
            db.execute("INSERT INTO sent_messages VALUES (7, 99, '[1]', ?)", (CREATED,))
    old.close()


def dump(db: sqlite3.Connection, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.execute(f"SELECT {', '.join(columns)} FROM {table} "
                                         "ORDER BY 1, 2")]


def shape(db: sqlite3.Connection) -> dict[str, object]:
    """Tables with their columns (name, type, not null, default, key) and index names."""
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    out: dict[str, object] = {t: [tuple(r)[1:] for r in db.execute(f"PRAGMA table_info({t})")]
                              for t in tables}
    out["indexes"] = sorted(r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'"))
    return out


def test_a_blank_database_comes_up_at_the_latest_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.sqlite3")
    assert schema_version(store.db) == len(MIGRATIONS)
    names = [r[0] for r in store.db.execute("SELECT name FROM schema_migrations ORDER BY version")]
    assert names == [m.__name__ for m in MIGRATIONS]
    assert all(name.startswith(f"_m{n:03d}_") for n, name in enumerate(names, 1))
    for table, columns in expected_schema().items():
        assert {r[1] for r in store.db.execute(f"PRAGMA table_info({table})")} == columns
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    store.close()
    again = Store(tmp_path / "new.sqlite3")  # opening it again migrates nothing
    assert again.db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == \
        len(MIGRATIONS)
    again.close()


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_a_store_of_each_older_version_is_converted(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.sqlite3"
    old_store(path, version)
    raw = sqlite3.connect(path)
    kept = {
        "articles": ["id", "source_id", "url", "content_hash", "outlet", "ingested_at"],
        "sentences": ["id", "article_id", "position", "text_src", "text_en", "status"],
        "translations": ["engine", "src_hash", "text_en"],
        "story_articles": ["article_id", "story_id", "similarity"],
    }
    if version >= 2:
        kept |= {"chats": ["chat_id", "title", "digest_time", "created_at"],
                 "chat_filters": ["chat_id", "keyword"],
                 "digest_parts": ["digest_id", "part", "html", "sent_at"],
                 "sent_messages": ["chat_id", "message_id", "story_ids"]}
    before = {t: dump(raw, t, cols) for t, cols in kept.items()}
    raw.close()

    store = Store(path)
    db = store.db
    assert schema_version(db) == len(MIGRATIONS)
    assert {t: dump(db, t, cols) for t, cols in kept.items()} == before
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fresh = Store(tmp_path / "fresh.sqlite3")
    assert shape(db) == shape(fresh.db)  # as if it had been made today
    fresh.close()

    # migration 15: nothing forgotten, every article still known by its link
    assert db.execute("SELECT COUNT(*) FROM forgotten").fetchone()[0] == 0
    assert store.has_url("https://okaz/1")
    health = store.sources_health()[0]
    assert (health.name, health.articles_added, health.items_skipped) == ("inbox", 2, 0)
    assert health.last_problem is None  # migration 6
    if version >= 2:
        digests = dump(db, "digests", ["id", "sent_at", "abandoned_at"])
        if version < 5:  # migration 5: the old sentinel becomes its own mark
            assert digests == [(1, None, CREATED), (2, "2015-07-20T07:00:05+00:00", None)]
        else:
            assert digests[1] == (2, "2015-07-20T07:00:05+00:00", None)
        assert store.unsent_digests() == []
        chat = store.chat(7)
        assert chat is not None and chat.subscribed and store.filters(7) == ["النيل"]
        if version < 9:  # migration 9: the schedule runs from when the chat was made
            assert chat.schedule_from == CREATED
        assert chat.last_digest_article is None  # migration 14: its next digest starts at
        # its last digest's time, as before
        assert store.message_stories(7, 99) == [1]
    # migration 12: the same text is a duplicate within its outlet only
    src = store.source_id("inbox", "folder", "/in")
    art = CleanArticle(source="inbox", location="x", url="https://sabq/1", headline="عنوان",
                       sentences=(BODY,), language="ar", content_hash=content_hash(BODY),
                       outlet="Sabq", byline=None, dateline=None, published=None,
                       truncated=False)
    assert store.add_article(src, art) is not None
    assert store.add_article(src, replace(art, url="https://okaz/1?live", outlet="Okaz")) is None
    # migration 13: the copy's URL is now an alias of the stored article
    assert store.resolve_urls(["https://okaz/1?live", "https://okaz/2"]) == {
        "https://okaz/1?live": 1, "https://okaz/2": 2}
    assert store.article_terms([1]) == {1: None}  # migration 4
    assert store.answer_state().sentence_id >= 4  # migration 3 / 11 tables work
    store.close()
