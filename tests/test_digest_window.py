"""A chat's digests follow one another exactly: every article stored after one digest read
its articles is in the next, and none it read is in the next again, however close in time
(the store keeps whole seconds)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import utcnow
from briefings.store import Store

from .builders import ConfigFactory, synthetic_articles

CHAT = 1501


def _service(write_config: ConfigFactory, inbox: Path) -> ChatService:
    synthetic_articles(inbox / "first", 2)
    cfg = config.load(write_config([{"name": "desk", "type": "folder", "path": str(inbox)}]))
    service = ChatService(cfg)
    service.poll()
    service.store.subscribe(CHAT, "desk", "07:00", "UTC")
    return service


def _articles_of(store: Store, digest: int) -> set[int]:
    stories = store.digest_story_ids(digest)
    return {a for ids in store.story_articles(stories).values() for a in ids}


def test_an_article_stored_in_the_second_a_digest_read_it_is_not_in_the_next(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    service = _service(write_config, tmp_path / "inbox")
    store = service.store
    first = service.compose_digest(CHAT, "daily")
    shown = _articles_of(store, first)
    assert len(shown) == 2
    row = store.chat(CHAT)
    assert row is not None and row.last_digest_at is not None
    # the articles were stored in the very second the digest read them (a poll that ended
    # just before it): same timestamp as the digest's read time
    with store.transaction() as db:
        db.execute("UPDATE articles SET ingested_at = ?", (row.last_digest_at,))
    synthetic_articles(tmp_path / "inbox" / "later", 1)  # and one more after it
    service.poll()
    second = service.compose_digest(CHAT, "daily", utcnow() + timedelta(days=1))
    again = _articles_of(store, second)
    assert not again & shown  # nothing of the first digest again
    (later,) = [a.id for a in store.articles_since(utcnow() - timedelta(days=1))
                if "later" in a.location]
    assert later in again
    row = store.chat(CHAT)
    assert row is not None and row.last_digest_article == later


def test_a_digest_with_nothing_new_keeps_the_mark_and_a_restart_keeps_it_too(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    service = _service(write_config, tmp_path / "inbox")
    service.compose_digest(CHAT, "daily")
    mark = service.store.chat(CHAT)
    assert mark is not None and mark.last_digest_article is not None
    empty = service.compose_digest(CHAT, "manual")
    assert service.store.digest_story_ids(empty) == []
    restarted = ChatService(service.cfg)  # a new process on the same store file
    row = restarted.store.chat(CHAT)
    assert row is not None and row.last_digest_article == mark.last_digest_article


def test_a_chat_from_before_the_mark_starts_at_its_last_digest_time(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """A chat whose last digest was recorded before the store kept the last article read
    (migration 14 leaves it empty) starts at that digest's time, as it did."""
    service = _service(write_config, tmp_path / "inbox")
    store = service.store
    with store.transaction() as db:
        db.execute("UPDATE chats SET last_digest_at = ?, last_digest_article = NULL",
                   ((utcnow() + timedelta(minutes=1)).isoformat(),))
    synthetic_articles(tmp_path / "inbox" / "later", 1)
    service.poll()
    with store.transaction() as db:
        db.execute("UPDATE articles SET ingested_at = ? WHERE location LIKE '%later%'",
                   ((utcnow() + timedelta(minutes=2)).isoformat(),))
    digest = service.compose_digest(CHAT, "manual", utcnow() + timedelta(minutes=3))
    shown = _articles_of(store, digest)
    assert len(shown) == 1
    (only,) = shown
    assert "later" in next(a.location for a in store.articles([only]))
