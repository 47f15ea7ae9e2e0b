"""Store bot state: chats and their settings, filters, the digest outbox and the messages
that scope replies. Real SQLite files; each reader returns its row record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings.store import ChatRow, DigestPart, SentPart, Store, UnsentDigest

T0 = datetime(2015, 7, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "db.sqlite3")
    yield store
    store.close()


def test_subscription_and_settings(store: Store) -> None:
    assert store.chat(1) is None
    assert store.subscribe(1, "desk", "07:00", "Asia/Riyadh", now=T0)
    assert not store.subscribe(1, None, "08:00", "UTC")  # already subscribed: nothing changes
    chat = store.chat(1)
    assert chat == ChatRow(chat_id=1, title="desk", subscribed=True, digest_time="07:00",
                           timezone="Asia/Riyadh", stories=None, sentences=None,
                           created_at=T0.isoformat(), last_digest_at=None,
                           schedule_from=T0.isoformat())
    store.update_chat(1, stories=5)
    assert chat is not None and store.chat(1) == replace(chat, stories=5)  # schedule kept
    store.update_chat(1, timezone="UTC")
    moved = store.chat(1)
    assert moved is not None and moved.schedule_from is not None
    assert moved.schedule_from > T0.isoformat()  # a new time zone restarts the schedule
    store.update_chat(2, stories=3)  # an unknown chat: nothing to change
    assert store.chat(2) is None
    assert store.unsubscribe(1) and not store.unsubscribe(1)
    assert store.subscribed_chats() == []
    assert store.subscribe(1, None, "07:00", "UTC")  # re-subscribed
    assert [c.chat_id for c in store.subscribed_chats()] == [1]


def test_filters(store: Store) -> None:
    store.subscribe(1, None, "07:00", "UTC")
    assert store.add_filter(1, "ليبيا") and store.add_filter(1, "اليمن")
    assert not store.add_filter(1, "ليبيا")
    assert store.filters(1) == sorted(["ليبيا", "اليمن"])
    assert store.remove_filter(1, "ليبيا") and not store.remove_filter(1, "ليبيا")
    assert store.filters(1) == ["اليمن"]


def test_the_outbox_from_record_to_sent(store: Store) -> None:
    store.subscribe(1, None, "07:00", "UTC")
    digest = store.record_digest(1, "daily", "2015-07-20", [3, 4],
                                 [("<b>a</b>", "a"), ("<b>b</b>", "b")])
    assert store.record_digest(1, "daily", "2015-07-20", [9], [("x", "x")]) == digest
    assert store.daily_digest(1, "2015-07-20") == digest
    assert store.daily_digest(1, "2015-07-21") is None
    chat = store.chat(1)
    assert chat is not None and chat.last_digest_at is not None
    assert store.unsent_digests() == [UnsentDigest(digest, 1, "daily", "2015-07-20")]
    assert store.unsent_parts(digest) == [DigestPart(0, "<b>a</b>", "a"),
                                          DigestPart(1, "<b>b</b>", "b")]
    assert store.digest_story_ids(digest) == [3, 4]
    store.mark_part_sent(digest, 0, 1, 100)
    assert store.unsent_parts(digest) == [DigestPart(1, "<b>b</b>", "b")]
    assert store.unsent_digests() != []
    store.mark_part_sent(digest, 1, 1, 101)
    assert store.unsent_digests() == []
    assert store.sent_parts(1) == [SentPart(digest, 0, 100), SentPart(digest, 1, 101)]
    assert store.message_stories(1, 101) == [3, 4]
    assert store.message_stories(1, 5) is None
    store.remember_message(1, 5, [7])
    assert store.message_stories(1, 5) == [7]


def test_a_dropped_digest_and_an_unsubscribed_chat_are_not_sent(store: Store) -> None:
    store.subscribe(1, None, "07:00", "UTC")
    store.subscribe(2, None, "07:00", "UTC")
    dropped = store.record_digest(1, "manual", "2015-07-20", [], [("a", "a")])
    store.record_digest(2, "manual", "2015-07-20", [], [("a", "a")])
    store.drop_digest(dropped)
    store.unsubscribe(2)
    assert store.unsent_digests() == []


def test_a_group_that_became_a_supergroup_keeps_its_state(store: Store) -> None:
    store.subscribe(1, "group", "06:00", "UTC")
    store.add_filter(1, "ليبيا")
    digest = store.record_digest(1, "daily", "2015-07-20", [3], [("a", "a")])
    store.remember_message(1, 9, [3])
    assert store.migrate_chat(1, 2) and not store.migrate_chat(1, 2)
    assert store.chat(1) is None and store.filters(1) == []
    moved = store.chat(2)
    assert moved is not None and (moved.title, moved.digest_time) == ("group", "06:00")
    assert store.filters(2) == ["ليبيا"] and store.daily_digest(2, "2015-07-20") == digest
    assert store.message_stories(2, 9) == [3] and store.message_stories(1, 9) is None


def test_a_digest_recorded_under_the_old_id_while_the_group_moved_is_moved_too(
        store: Store) -> None:
    """A digest composed as the group moved was recorded under the old id, which had no
    chat any more: after a restart the supergroup was due today's digest and got a second
    one. Telegram's "migrated" answer to its sending calls migrate_chat again: it moves."""
    store.subscribe(1, "group", "06:00", "UTC")
    assert store.migrate_chat(1, 2)  # the service message, after the job read chat 1
    digest = store.record_digest(1, "daily", "2015-07-20", [3], [("a", "a")])
    assert store.daily_digest(2, "2015-07-20") is None
    assert store.migrate_chat(1, 2)  # sending it: "group chat was upgraded to a supergroup"
    assert store.daily_digest(2, "2015-07-20") == digest and store.chat(1) is None
    assert not store.migrate_chat(1, 2)
