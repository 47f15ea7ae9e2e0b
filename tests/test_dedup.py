"""Dedup within an outlet, not across (migration 12), from an older store with data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from briefings.store import MIGRATIONS, Store, migrations
from briefings.store.migrations import schema_version

from .builders import clean_article as _article


def older_store(version: int) -> type[Store]:
    """The Store of a briefings that knew only the first ``version`` migrations. Before
    migration 13 a duplicate's URL was not kept, and before 15 nothing was forgotten: the
    old store gets throw-away (TEMP) ``url_aliases`` and ``forgotten`` tables for today's
    ``add_article``, gone when it is closed."""

    class OlderStore(Store):
        schema = version

        def migrate(self) -> None:
            super().migrate()
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'url_aliases'"
                                   ).fetchone():
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS url_aliases "
                                "(url TEXT PRIMARY KEY, article_id INTEGER NOT NULL)")
            if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'forgotten'"
                                   ).fetchone():
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS forgotten "
                                "(url TEXT, content_hash TEXT, outlet TEXT)")

    return OlderStore


def test_same_text_is_a_duplicate_only_within_its_outlet(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    src = store.source_id("s", "folder", ".")
    first = store.add_article(src, _article("Okaz", "https://a/1"))
    assert first is not None
    assert store.add_article(src, _article("Sabq", "https://b/1")) is not None  # was None
    assert store.add_article(src, _article("Okaz", "https://a/2")) is None  # same outlet
    assert store.add_article(src, _article("Sabq", "https://a/1", "نص آخر مختلف تماما")) is None
    with pytest.raises(sqlite3.IntegrityError):  # the index holds even past the check
        store.db.execute("INSERT INTO articles (source_id, location, content_hash, outlet, "
                         "headline, language, ingested_at) SELECT source_id, 'x', "
                         "content_hash, outlet, headline, language, ingested_at "
                         "FROM articles WHERE id = ?", (first,))
    store.close()


def test_migration_10_keeps_a_version_9_store_whole(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    old = older_store(9)(path)
    assert schema_version(old.db) == 9
    src = old.source_id("s", "folder", ".")
    a = old.add_article(src, _article("Okaz", "https://a/1"))
    b = old.add_article(src, _article("Okaz", "https://a/2", "خبر آخر عن الطقس في جدة."))
    assert a and b
    old.save_terms({a: ["~2", "غرق", "|", "نيل"]})
    old.assign_stories([(a, None, 1.0), (b, None, 1.0)])
    before = {t: old.db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
              for t in ("articles", "sentences", "story_articles")}
    old.close()

    store = Store(path)
    assert schema_version(store.db) == len(MIGRATIONS)
    for table, rows in before.items():
        assert store.db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == rows
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    indexes = {r[0] for r in store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'")}
    assert {"articles_ingested", "articles_outlet_text"} <= indexes
    assert "articles_new" not in {r[0] for r in store.db.execute(
        "SELECT name FROM sqlite_master")}
    assert store.article_terms([a]) == {a: ["~2", "غرق", "|", "نيل"]}
    assert store.add_article(src, _article("Sabq", "https://b/1")) is not None
    # sentences still cascade from their article, through the rebuilt table
    with store.transaction() as db:
        db.execute("DELETE FROM articles WHERE id = ?", (b,))
    assert store.sentences([b]).get(b, []) == []
    assert store.stories_of([b]) == {}
    store.close()


def test_dedup_migration_keeps_learned_samples_of_a_store_with_migration_12(
        tmp_path: Path) -> None:
    # migrations 12 (learned boilerplate) and 13 landed before this one: outlet_samples rows
    # reference articles(id) and must survive the rebuild of the articles table
    path = tmp_path / "db.sqlite3"
    at = MIGRATIONS.index(migrations._m012_dedup_per_outlet)
    old = older_store(at)(path)
    src = old.source_id("s", "folder", ".")
    a = old.add_article(src, _article("Okaz", "https://a/1"))
    assert a
    with old.transaction() as db:
        db.execute("INSERT INTO outlet_samples (article_id, outlet, keys) VALUES (?, ?, ?)",
                   (a, "Okaz", "[]"))
    old.close()
    store = Store(path)
    assert [r[0] for r in store.db.execute("SELECT article_id FROM outlet_samples")] == [a]
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    with store.transaction() as db:
        db.execute("DELETE FROM articles WHERE id = ?", (a,))
    assert store.db.execute("SELECT count(*) FROM outlet_samples").fetchone()[0] == 0
    store.close()
