"""The real telegram.ext.Application over HTTP against a fake Bot API on 127.0.0.1.

Scripted conversations; jobs are triggered, never waited for in real time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import load_token
from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import utcnow
from briefings.errors import TokenMissing

from .builders import present, synthetic_articles
from .fakes.botapi import FakeBotAPI
from .fakes.chat import (
    App,
    digest_job,
    digest_jobs,
    running,
    say,
    started,
    subscribed,
    wait_for,
)

CHAT, OTHER, ADMIN = 1001, 2002, 1001


def test_token_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = config.from_mapping({"telegram": {"token_file": "token"}}, tmp_path)
    with pytest.raises(TokenMissing, match="token_file"):
        load_token(cfg)
    token = tmp_path / "token"
    token.write_text("42:abc\n")
    token.chmod(0o644)
    with pytest.raises(TokenMissing, match="chmod 600"):
        load_token(cfg)
    token.chmod(0o600)
    assert load_token(cfg) == "42:abc"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "7:env")
    assert load_token(cfg) == "7:env"


@pytest.fixture
def polled(bot_config: Callable[..., config.Config]) -> config.Config:
    """The bot's config, the seeds ingested, grouped and translated with the tiny model."""
    cfg = bot_config()
    ChatService(cfg).poll()
    return cfg


def converse(cfg: config.Config, script: Callable[[App], Awaitable[None]]) -> None:
    """Run ``script`` against the running bot, once it has registered its commands."""

    async def run() -> None:
        async with running(cfg) as app:
            await script(app)

    asyncio.run(run())


def test_commands_are_registered_and_start_welcomes(server: FakeBotAPI,
                                                    polled: config.Config) -> None:
    async def script(app: App) -> None:
        commands = await wait_for(lambda: server.called("setMyCommands"))
        assert "digest" in str(commands[0]["commands"])
        welcome = await say(server, CHAT, "/start")
        assert "Welcome" in welcome["text"] and welcome["parse_mode"] == "HTML"
        assert "07:00" in welcome["text"]

    converse(polled, script)


def test_settings_move_the_daily_job_to_the_chosen_time_and_zone(
        server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        await say(server, CHAT, "/start")
        reply = await say(server, CHAT, "/settings time 07:30")
        assert "07:30" in reply["text"]
        next_t = present(digest_job(app, CHAT).next_t)
        assert next_t.astimezone(ZoneInfo("UTC")).strftime("%H:%M") == "07:30"
        reply = await say(server, CHAT, "/settings tz Africa/Tripoli")
        assert "Africa/Tripoli" in reply["text"]
        next_t = present(digest_job(app, CHAT).next_t)
        assert next_t.astimezone(ZoneInfo("Africa/Tripoli")).strftime("%H:%M") == "07:30"
        assert "Unknown time zone" in (await say(server, CHAT, "/settings tz Mars/Base"))[
            "text"]

    converse(polled, script)


async def daily_digest(server: FakeBotAPI, app: App) -> dict[str, Any]:
    """Subscribe CHAT, fire its daily job, and return the one digest message it sent."""
    await say(server, CHAT, "/start")
    before = len(server.messages_to(CHAT))
    await digest_job(app, CHAT).run(app)
    digest = server.messages_to(CHAT)[before:]
    assert len(digest) == 1
    return dict(digest[0])


def test_daily_job_sends_the_digest_with_citations_from_both_outlets_once_a_day(
        server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        digest = await daily_digest(server, app)
        before = len(server.messages_to(CHAT)) - 1
        text = digest["text"]
        assert len(text) <= 4096
        assert "1 story from 2 articles" in text and "[1]" in text and "[2]" in text
        assert "Azzaman" in text and "Akhbar Al Arab" in text
        assert "untranslated" not in text
        await digest_job(app, CHAT).run(app)  # fires again the same day: nothing twice
        await asyncio.sleep(0.3)
        assert len(server.messages_to(CHAT)) == before + 1

    converse(polled, script)


def test_questions_are_answered_from_the_articles_with_citations(
        server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        answer = await say(server, CHAT, "/ask مصراتة")
        assert "From the articles" in answer["text"] and "Sources" in answer["text"]
        assert "(story #1)" in answer["text"]
        none = await say(server, CHAT, "football world cup")  # nothing invented
        assert none["text"].startswith("Nothing about “football world cup”")

    converse(polled, script)


def test_a_question_in_reply_to_a_digest_is_asked_of_its_stories(
        server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        digest = await daily_digest(server, app)
        scoped = await say(server, CHAT, "مصراتة", reply_to={
            "message_id": digest["message_id"], "date": 0, "text": digest["text"],
            "chat": {"id": CHAT, "type": "private"}, "from": {"id": 123456, "is_bot": True,
                                                               "first_name": "Briefings"}})
        assert "in these stories" in scoped["text"]

    converse(polled, script)


def test_reading_commands_show_stories_originals_and_sources(
        server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        assert "#1" in (await say(server, CHAT, "/latest"))["text"]
        story = (await say(server, CHAT, "/story 1"))["text"]
        assert "Story #1" in story and "seeds/000_ef1d12a2add07518.txt" in story
        original = (await say(server, CHAT, "/original 1"))["text"]
        assert "مصراتة" in original
        assert "No story #99" in (await say(server, CHAT, "/story 99"))["text"]
        sources = (await say(server, CHAT, "/sources"))["text"]
        assert "seeds" in sources and "ok, last fetch" in sources

    converse(polled, script)


def test_status_is_for_admins(server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        await say(server, CHAT, "/start")
        status = (await say(server, CHAT, "/status"))["text"]
        assert "Model: installed" in status and "Next digest for 1001" in status
        assert "admins" in (await say(server, OTHER, "/status"))["text"]

    converse(polled, script)


def test_filter_help_and_unknown_commands(server: FakeBotAPI, polled: config.Config) -> None:
    async def script(app: App) -> None:
        await say(server, CHAT, "/start")
        assert "Misrata" in (await say(server, CHAT, "/filter add Misrata"))["text"]
        assert "/digest" in (await say(server, CHAT, "/help"))["text"]
        assert "don't know" in (await say(server, CHAT, "/bogus"))["text"]

    converse(polled, script)


def test_settings_buttons_edit_the_settings_message(server: FakeBotAPI,
                                                    polled: config.Config) -> None:
    async def script(app: App) -> None:
        await say(server, CHAT, "/start")
        shown = await say(server, CHAT, "/settings")
        assert shown["reply_markup"] and "set:stories:5" in str(shown["reply_markup"])
        server.press(CHAT, {"message_id": shown["message_id"], "date": 0, "text": "x",
                            "chat": {"id": CHAT, "type": "private"}}, "set:stories:5")
        edit = await wait_for(lambda: server.edits)
        assert "Stories per digest: <b>5</b>" in edit[0]["text"]
        assert server.called("answerCallbackQuery")

    converse(polled, script)


def test_stop_unsubscribes_and_removes_the_daily_job(server: FakeBotAPI,
                                                     polled: config.Config) -> None:
    async def script(app: App) -> None:
        await say(server, CHAT, "/start")
        assert digest_jobs(app, CHAT)
        assert "Unsubscribed" in (await say(server, CHAT, "/stop"))["text"]
        assert not digest_jobs(app, CHAT)

    converse(polled, script)


def test_long_digest_in_parts_through_429_and_bad_html(
        server: FakeBotAPI, bot_config: Callable[..., config.Config], tmp_path: Path,
        no_catch_up: None) -> None:
    synthetic_articles(tmp_path / "many", 24, sentences=10)  # enough text for 3+ messages
    cfg = bot_config(sources=[{"name": "many", "type": "folder", "path": str(tmp_path / "many")}])
    # each article's sentences are drawn from ~20 words, so they overlap as paraphrases
    # would: keep them all (this test is about long digests, not redundancy)
    cfg = dataclasses.replace(cfg, summarize=dataclasses.replace(cfg.summarize,
                                                                 duplicate_similarity=1.0))
    service = ChatService(cfg)
    service.poll()
    service.store.subscribe(CHAT, "t", "07:00", "UTC")
    service.store.update_chat(CHAT, stories=20, sentences=10)

    async def script() -> None:
        async with running(cfg) as app:
            await wait_for(lambda: server.called("setMyCommands"))
            server.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
            server.fail("sendMessage", 400, "Bad Request: can't parse entities: unclosed tag",
                        when=lambda p: "stories from" not in p.get("text", ""))
            started = time.monotonic()
            await digest_job(app, CHAT).run(app)
            assert time.monotonic() - started >= 1.0  # the flood wait was respected
        parts = server.messages_to(CHAT)
        assert len(parts) >= 3 and all(len(p["text"]) <= 4096 for p in parts)
        assert "20 stories" in parts[0]["text"]
        plain = [p for p in parts if p["parse_mode"] is None]
        assert len(plain) == 1 and "<b>" not in plain[0]["text"]  # the fallback part
        assert sum(p["text"].count("(#") for p in parts) == 20  # every story once
        ids = [m["message_id"] for m in parts]
        assert ids == sorted(ids)
        sent = service.store.sent_parts(CHAT)
        assert [p.message_id for p in sent] == ids  # each part marked sent with its message

    asyncio.run(script())


def test_blocked_chat_is_unsubscribed(server: FakeBotAPI,
                                      bot_config: Callable[..., config.Config],
                                      no_catch_up: None) -> None:
    cfg = bot_config()
    service = subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg) as app:
            server.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=5,
                        when=lambda p: int(p["chat_id"]) == CHAT)
            await digest_job(app, CHAT).run(app)
            await wait_for(lambda: not digest_jobs(app, CHAT))
            assert "/digest" in (await say(server, OTHER, "/help"))["text"]  # still serving
        assert not present(service.store.chat(CHAT)).subscribed

    asyncio.run(script())


def test_restart_between_compose_and_send(server: FakeBotAPI,
                                          bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    service = ChatService(cfg)
    service.poll()
    service.store.subscribe(CHAT, "t", "23:59", "UTC")
    service.store.subscribe(OTHER, "o", "00:00", "UTC",  # due, missed while the bot was down
                         now=utcnow() - timedelta(days=1))
    service.compose_digest(CHAT, "daily")  # recorded in the outbox... and the process dies

    def digests(chat: int) -> list[dict[str, Any]]:
        return [m for m in server.messages_to(chat) if "Arabic press briefing" in m["text"]]

    async def script() -> None:
        async with running(cfg) as app:
            await wait_for(lambda: digests(CHAT) and digests(OTHER))
            await digest_job(app, CHAT).run(app)
            await digest_job(app, OTHER).run(app)
            await asyncio.sleep(0.3)
        async with running(cfg):
            await wait_for(lambda: server.called("setMyCommands") and
                           len(server.called("setMyCommands")) == 2)
            await asyncio.sleep(0.5)

    asyncio.run(script())
    assert len(digests(CHAT)) == 1 and len(digests(OTHER)) == 1


def test_allowed_chats(server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config(allowed_chats=[CHAT])

    async def script() -> None:
        async with running(cfg):
            await wait_for(lambda: server.called("setMyCommands"))
            refusal = await say(server, OTHER, "/start")
            assert "private" in refusal["text"]
            assert "private" in (await say(server, OTHER, "what about Misrata?"))["text"]
            assert "Welcome" in (await say(server, CHAT, "/start"))["text"]

    asyncio.run(script())
    store = ChatService(cfg).store
    assert store.chat(OTHER) is None and store.chat(CHAT) is not None
