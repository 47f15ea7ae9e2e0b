"""Round 13, the bot under an independent chat client: what Telegram refuses after the
bot's own checks passed (a message it still finds too long, a forum topic deleted
meanwhile, a button press answered too late, a user who blocked the bot while asking).
The real Application over HTTP against the fake Bot API (see test_bot.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from briefings import config
from briefings.chat_service import ChatService

from .builders import present
from .fakes.botapi import FakeBotAPI
from .fakes.chat import digest_job, started, subscribed, wait_for

CHAT, FORUM = 1001, -1000000000700
TOO_LONG = "Bad Request: message is too long"


def _user() -> dict[str, Any]:
    return {"id": CHAT, "is_bot": False, "first_name": "Analyst"}


def test_a_reply_telegram_still_finds_too_long_goes_as_plain_pieces(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    """Telegram counts the limit its own way after parsing: a reply within ours that it
    refuses as too long is not lost (it was: the user saw nothing)."""
    cfg = bot_config()

    async def script() -> None:
        async with started(server, cfg):
            server.fail("sendMessage", 400, TOO_LONG, when=lambda p: p.get("parse_mode") == "HTML")
            server.user_message(CHAT, "/help")
            await wait_for(lambda: server.messages_to(CHAT))
            await asyncio.sleep(0.3)
        sent = server.messages_to(CHAT)
        assert sent and all(m["parse_mode"] is None for m in sent)
        text = "\n".join(m["text"] for m in sent)
        assert "/digest" in text and "<b>" not in text and all(len(m["text"]) <= 2048
                                                               for m in sent)

    asyncio.run(script())


def test_a_digest_part_telegram_finds_too_long_is_sent_as_its_plain_text_and_marked_sent(
        server: FakeBotAPI, bot_config: Callable[..., config.Config], no_catch_up: None
        ) -> None:
    cfg = bot_config()
    service = subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg) as app:
            server.fail("sendMessage", 400, TOO_LONG,
                        when=lambda p: "Arabic press briefing" in p.get("text", ""))
            await digest_job(app, CHAT).run(app)
        sent = server.messages_to(CHAT)
        assert sent and "Arabic press briefing" in sent[0]["text"]
        assert all(m["parse_mode"] is None and "<b>" not in m["text"] for m in sent)
        assert "Azzaman" in "\n".join(m["text"] for m in sent)
        assert [p.message_id for p in service.store.sent_parts(CHAT)] == [sent[-1]["message_id"]]

    asyncio.run(script())


def test_an_answer_for_a_forum_topic_deleted_meanwhile_goes_to_the_chat(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    forum = {"id": FORUM, "type": "supergroup", "title": "Desk", "is_forum": True}

    async def script() -> None:
        async with started(server, cfg):
            server.fail("sendMessage", 400, "Bad Request: message thread not found",
                        when=lambda p: p.get("message_thread_id") is not None)
            server.push({"message": {
                "message_id": 90, "date": int(time.time()), "chat": forum, "from": _user(),
                "text": "/help", "message_thread_id": 7, "is_topic_message": True,
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}})
            await wait_for(lambda: server.messages_to(FORUM))
        (answer,) = server.messages_to(FORUM)
        assert "/digest" in answer["text"] and answer["message_thread_id"] is None

    asyncio.run(script())


def test_a_settings_button_answered_too_late_still_moves_the_daily_digest(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    """The press is saved, so the digest job moves and the message shows it, even when
    Telegram says the query is too old to answer (the job kept the old time)."""
    cfg = bot_config()
    ChatService(cfg).poll()

    async def script() -> None:
        async with started(server, cfg) as app:
            server.user_message(CHAT, "/start")
            await wait_for(lambda: server.messages_to(CHAT))
            server.user_message(CHAT, "/settings")
            shown = (await wait_for(lambda: server.messages_to(CHAT)[1:]))[0]
            server.fail("answerCallbackQuery", 400, "Bad Request: query is too old and "
                        "response timeout expired or query ID is invalid")
            server.press(CHAT, {"message_id": shown["message_id"], "date": 0, "text": "x",
                                "chat": {"id": CHAT, "type": "private"}}, "set:time:18:00")
            edit = await wait_for(lambda: server.edits)
            assert "18:00" in edit[0]["text"]
            assert app.job_queue is not None
            (job,) = app.job_queue.get_jobs_by_name(f"digest:{CHAT}")
            assert job.next_t is not None and job.next_t.strftime("%H:%M") == "18:00"

    asyncio.run(script())


def test_a_user_who_blocked_the_bot_while_asking_is_unsubscribed_in_one_log_line(
        server: FakeBotAPI, bot_config: Callable[..., config.Config], no_catch_up: None,
        caplog: pytest.LogCaptureFixture) -> None:
    cfg = bot_config()
    service = subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg):
            server.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
            server.user_message(CHAT, "/latest")
            await wait_for(lambda: not present(service.store.chat(CHAT)).subscribed)
            await asyncio.sleep(0.2)

    with caplog.at_level(logging.WARNING):
        asyncio.run(script())
    lines = [r.getMessage() for r in caplog.records if "blocked" in r.getMessage()]
    assert lines == [f"chat {CHAT} blocked the bot or is gone (Forbidden: bot was blocked by "
                     "the user): unsubscribed"]
    assert not any(r.exc_info for r in caplog.records)
