"""Old news is forgotten (``store.keep_days``): a bot that runs for months kept every
article, its sentences and answer terms, and every digest (about 20 MiB a day of
SaudiNewsNet-sized news), with no way to bound it. Now what is older than keep_days goes
at the next ingest or poll, and what a feed or folder still lists does not come back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import replaying
from briefings.errors import ConfigError

from .builders import ConfigFactory, day_item, write_day

DAY1 = datetime(2015, 7, 21, 20, 0, tzinfo=UTC)
CHAT = 1701
OLD = [day_item("okaz", "http://okaz.example/old", "حريق في مستودع للأخشاب بمدينة ينبع",
                "اندلع حريق ضخم في مستودع للأخشاب بمدينة ينبع الصناعية مساء أمس. "
                "وأعلن الدفاع المدني أن 12 عاملا أصيبوا بحالات اختناق."),
       day_item("sabq", "", "إصابة 12 عاملا في حريق مستودع أخشاب في ينبع",  # no link
                "أصيب 12 عاملا في حريق اندلع في مستودع للأخشاب بمدينة ينبع الصناعية. "
                "ونقل المصابون إلى مستشفى ينبع العام بعد إخماد الحريق.")]
NEW = [day_item("okaz", "http://okaz.example/new", "افتتاح معرض الكتاب في مدينة تبوك",
                "افتتح أمير منطقة تبوك معرض الكتاب السنوي بمشاركة 200 دار نشر. "
                "ويستمر معرض تبوك للكتاب عشرة أيام.")]


def _service(write_config: ConfigFactory, inbox: Path, keep_days: int) -> ChatService:
    return ChatService(config.load(write_config(
        [{"name": "desk", "type": "folder", "path": str(inbox)}],
        translate={"auto_install": False}, store={"keep_days": keep_days})))


def test_old_articles_and_what_hangs_on_them_are_forgotten_and_do_not_come_back(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    service = _service(write_config, inbox, keep_days=30)
    store = service.store
    with replaying(DAY1):
        write_day(inbox, OLD, "old.json")
        service.poll()
        service.subscribe(CHAT, "desk")
        old_ids = [a.id for a in store.articles_since(DAY1 - timedelta(days=1))]
        (fire,) = set(store.stories_of(old_ids).values())
    with replaying(DAY1 + timedelta(hours=11)):
        digest = service.compose_digest(CHAT, "daily")
        for part in store.unsent_parts(digest):
            store.mark_part_sent(digest, part.part, CHAT, 500 + part.part)
    assert len(old_ids) == 2
    with replaying(DAY1 + timedelta(days=31)):  # the old day file is still in the folder
        service.compose_digest(CHAT, "manual")  # (the newest digest always stays)
        write_day(inbox, NEW, "new.json")
        report = service.poll()
        assert len(report.ingest.added) == 1  # the old file's two: already stored
        assert store.has_url("http://okaz.example/old")  # a feed would not fetch it again
        assert not store.has_url("http://okaz.example/other")
        answer = service.ask("كم عاملا أصيبوا في حريق مستودع ينبع؟")
    kept = store.articles_since(DAY1 - timedelta(days=1))
    assert [a.url for a in kept] == ["http://okaz.example/new"]
    assert not any(store.sentences(old_ids).values())
    assert not store.story_articles({fire}).get(fire)
    assert store.digest_story_ids(digest) == []  # the sent digest is gone too
    assert answer.answer is None or not answer.answer.hits
    # a later poll brings nothing of the old file back (they were forgotten: not counted
    # as new), the new article has an id no old one had, and the old story (kept while it
    # was the newest: its successor is grouped after the ingest that forgets) is gone
    with replaying(DAY1 + timedelta(days=32)):
        again = service.poll()
    assert again.ingest.added == [] and again.ingest.duplicates == 3  # with new.json
    assert [a.id for a in kept] == [3]
    db = sqlite3.connect(store.path)
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("articles", "sentences", "answer_terms", "stories", "forgotten")}
    assert (counts["articles"], counts["stories"], counts["forgotten"]) == (1, 1, 2)
    assert counts["sentences"] == counts["answer_terms"] > 0  # the new article's only
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_keep_days_zero_keeps_everything(write_config: ConfigFactory, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    service = _service(write_config, inbox, keep_days=0)
    with replaying(DAY1):
        write_day(inbox, OLD, "old.json")
        service.poll()
    with replaying(DAY1 + timedelta(days=400)):
        service.poll()
    assert len(service.store.articles_since(DAY1 - timedelta(days=1))) == 2


@pytest.mark.parametrize("days", [1, 7])
def test_keep_days_must_outlast_what_answers_grouping_and_digests_look_back_on(
        write_config: ConfigFactory, days: int) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write_config(store={"keep_days": days}))
    assert str(caught.value).endswith(
        f"store.keep_days: expected 0 (keep everything) or more than 7 days (what answers, "
        f"story grouping and digests look back on), got {days}")
    assert caught.value.exit_code == 2
    assert config.load(write_config(store={"keep_days": 8})).store.keep_days == 8
    assert config.load(write_config()).store.keep_days == 90  # the default


def test_a_forgotten_text_under_a_new_link_is_news_again(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """A forgotten text without a link stays forgotten (a folder still holds its file); the
    same outlet publishing a forgotten text under a new link months later is stored."""
    inbox = tmp_path / "inbox"
    service = _service(write_config, inbox, keep_days=30)
    with replaying(DAY1):
        write_day(inbox, OLD, "old.json")
        service.poll()
    again = [{**OLD[0], "url": "http://okaz.example/again"}, OLD[1]]
    with replaying(DAY1 + timedelta(days=31)):
        write_day(inbox, NEW, "new.json")
        service.poll()  # forgets the old day
    with replaying(DAY1 + timedelta(days=32)):
        write_day(inbox, again, "again.json")
        report = service.poll()
    added = service.store.articles(report.ingest.added)
    assert [a.url for a in added] == ["http://okaz.example/again"]
