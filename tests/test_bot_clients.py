"""The bot as another chat client drives it: what Telegram sends besides a private chat's
new messages (commands for other bots in a group, channel posts, edits, forum topics,
buttons the bot does not know), and a Telegram that refuses one chat or answers slowly.
The real Application over HTTP against the fake Bot API (see test_bot.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from telegram.error import TimedOut

from bot import delivery
from bot.secrets import TelegramErrorsOneLine
from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import utcnow, valid_timezone

from .builders import present
from .fakes.botapi import BOT, FakeBotAPI
from .fakes.chat import digest_job, running, say, started, subscribed, wait_for

CHAT, GROUP, CHANNEL, FORUM = 1001, -501, -100777, -1000000000700


def _message(chat: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"message_id": int(time.time() * 1000) % 10**9, "date": 0,
                           "chat": chat, "text": text, **extra}
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0,
                            "length": len(text.split()[0])}]
    return msg


def _user(uid: int = CHAT) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Analyst"}


def test_updates_not_meant_for_the_bot_get_no_reply(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    service = ChatService(cfg)
    service.poll()
    group = {"id": GROUP, "type": "group", "title": "Desk"}
    channel = {"id": CHANNEL, "type": "channel", "title": "News"}

    async def script() -> None:
        async with running(cfg):
            await say(server, CHAT, "/start")
            # an edit of an old message into /stop does not unsubscribe the chat
            server.push({"edited_message": {**_message({"id": CHAT, "type": "private"},
                                                       "/stop"), "from": _user(),
                                            "edit_date": 1}})
            # a command for another bot of the group, and a channel's news and edits
            server.push({"message": {**_message(group, "/weather@other_bot"),
                                     "from": _user()}})
            server.push({"message": {**_message(group, "/start@Other_Bot"), "from": _user()}})
            for kind in ("channel_post", "edited_channel_post"):
                server.push({kind: {**_message(channel, "Breaking: something happened"),
                                    "sender_chat": channel, "edit_date": 1}})
                server.push({kind: {**_message(channel, "/status"), "sender_chat": channel,
                                    "edit_date": 1}})
            # ...while the bot's own commands in the group are answered, @name or not
            mine = await say(server, GROUP, f"/help@{BOT['username']}", chat_type="group")
            assert "/digest" in mine["text"]
            assert "don't know" in (await say(server, GROUP, "/bogus",
                                              chat_type="group"))["text"]
            await asyncio.sleep(0.5)  # what the ignored updates would have caused by now
        # a channel's commands are its admins' (tests/test_bot_round16.py): the posted
        # /status is answered once; its news and the edits are not
        assert [m["text"] for m in server.messages_to(CHANNEL)] == [
            "/status is for the bot's admins."]
        assert len(server.messages_to(GROUP)) == 2
        assert len(server.messages_to(CHAT)) == 1  # the welcome only
        assert present(service.store.chat(CHAT)).subscribed

    asyncio.run(script())


def test_every_button_press_is_answered(server: FakeBotAPI,
                                        bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    message = {"message_id": 5, "date": 0, "text": "x", "chat": {"id": CHAT, "type": "private"}}

    async def script() -> None:
        async with running(cfg):
            await say(server, CHAT, "/start")
            server.press(CHAT, message, "foo")  # an old keyboard, a forged press
            await wait_for(lambda: len(server.called("answerCallbackQuery")) == 1)
            server.push({"callback_query": {"id": "q2", "chat_instance": "ci", "from": _user(),
                                            "inline_message_id": "abc",
                                            "data": "set:time:06:00"}})
            await wait_for(lambda: len(server.called("answerCallbackQuery")) == 2)
        assert all(p["text"] == "Not changed" for p in server.called("answerCallbackQuery"))

    asyncio.run(script())


def test_a_question_in_a_forum_topic_is_answered_in_that_topic(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    ChatService(cfg).poll()
    forum = {"id": FORUM, "type": "supergroup", "title": "Desk", "is_forum": True}

    async def script() -> None:
        async with running(cfg):
            server.push({"message": {**_message(forum, "مصراتة"), "from": _user(),
                                     "message_thread_id": 7, "is_topic_message": True}})
            await wait_for(lambda: server.messages_to(FORUM))
            server.push({"message": {**_message(forum, "/help"), "from": _user()}})  # General
            await wait_for(lambda: len(server.messages_to(FORUM)) == 2)
            server.push({"message": {**_message(forum, "/digest"), "from": _user(),
                                     "message_thread_id": 9, "is_topic_message": True}})
            await wait_for(lambda: len(server.messages_to(FORUM)) == 3)
        in_topic, general, digest = server.messages_to(FORUM)
        assert str(in_topic["message_thread_id"]) == "7" and general["message_thread_id"] is None
        assert "Arabic press briefing" in digest["text"]
        assert str(digest["message_thread_id"]) == "9"
        assert all(str(p.get("message_thread_id")) == "9" for p in server.called("sendChatAction"))

    asyncio.run(script())


def test_a_chat_telegram_cannot_find_does_not_stop_the_others_catch_up(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    service = ChatService(cfg)
    service.poll()
    yesterday = utcnow() - timedelta(days=1)
    for chat in (11, 12, 13):  # all missed today's digest while the bot was down
        service.store.subscribe(chat, f"c{chat}", "00:00", "UTC", now=yesterday)
    server.fail("sendMessage", 400, "Bad Request: chat not found", times=50,
                when=lambda p: int(p["chat_id"]) == 11)

    async def script() -> None:
        async with running(cfg):
            await wait_for(lambda: server.messages_to(12) and server.messages_to(13))
            await wait_for(lambda: not present(service.store.chat(11)).subscribed)

    asyncio.run(script())
    assert service.store.unsent_digests() == []  # the lost chat's digest is not kept


def test_a_message_telegram_answers_late_is_not_sent_again(
        server: FakeBotAPI, bot_config: Callable[..., config.Config],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    cfg = bot_config()
    monkeypatch.setattr(delivery, "SEND_TIMEOUT", 0.5)

    async def script() -> None:
        async with running(cfg):
            await say(server, CHAT, "/start")
            server.send_delay = 1.5  # delivered, but answered after the bot gave up waiting
            server.user_message(CHAT, "/help")
            await wait_for(lambda: len(server.messages_to(CHAT)) == 2)
            await asyncio.sleep(3.0)  # a retry would have been delivered by now
            server.send_delay = 0.0

    with caplog.at_level(logging.WARNING):
        asyncio.run(script())
    assert len(server.messages_to(CHAT)) == 2
    assert len(server.called("sendMessage")) == 2


def test_a_jobs_error_names_the_job_and_its_chat(
        server: FakeBotAPI, bot_config: Callable[..., config.Config],
        caplog: pytest.LogCaptureFixture, no_catch_up: None) -> None:
    cfg = bot_config()
    subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg) as app:
            server.fail("sendMessage", 400, "Bad Request: not enough rights to send text",
                        times=5)
            await digest_job(app, CHAT).run(app)
            await wait_for(lambda: "job digest:" in caplog.text)

    with caplog.at_level(logging.WARNING):
        asyncio.run(script())
    line = next(r.getMessage() for r in caplog.records if "job digest:" in r.getMessage())
    assert f"for chat {CHAT}" in line and "Not enough rights" in line
    assert "while polling" not in caplog.text


def test_a_garbled_bot_api_answer_is_logged_in_one_line() -> None:
    try:
        json.loads("{not json")
    except ValueError as exc:
        error = exc
    record = logging.LogRecord("telegram.request.BaseRequest", logging.ERROR, __file__, 1,
                               "Can not load invalid JSON data: %r", ("{not json",),
                               (type(error), error, error.__traceback__))
    assert TelegramErrorsOneLine().filter(record)
    assert record.exc_info is None and "Expecting property name" in record.getMessage()
    ours = logging.LogRecord("briefings.x", logging.ERROR, __file__, 1, "bug", (),
                             (type(error), error, error.__traceback__))
    assert TelegramErrorsOneLine().filter(ours) and ours.exc_info is not None  # a bug of ours


def test_names_the_zone_database_lists_that_are_no_zone_are_refused() -> None:
    assert valid_timezone("Asia/Riyadh") and valid_timezone("UTC")
    assert not valid_timezone("localtime") and not valid_timezone("Factory")


@pytest.mark.parametrize(("cause", "tries"), [(httpx.ConnectTimeout, 3), (httpx.PoolTimeout, 3),
                                              (httpx.ReadTimeout, 1), (httpx.WriteTimeout, 1)])
def test_a_timeout_is_retried_only_when_telegram_cannot_have_the_message(
        cause: type[Exception], tries: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection (or a pool slot) that never came: the message was not sent, so it is
    sent again; a request being written or answered: it may have arrived, so it is not."""
    calls: list[str] = []

    class Bot:
        async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> str:
            calls.append(text)
            if len(calls) < 3:
                raise TimedOut() from cause("slow")
            return "sent"

    async def no_wait(seconds: float) -> None:
        return None

    monkeypatch.setattr(asyncio, "sleep", no_wait)
    app = SimpleNamespace(bot=Bot(), bot_data=SimpleNamespace(secrets=[]))
    if tries == 3:
        assert asyncio.run(delivery.send(app, CHAT, "hello")) == "sent"  # type: ignore[arg-type]
    else:
        with pytest.raises(TimedOut):
            asyncio.run(delivery.send(app, CHAT, "hello"))  # type: ignore[arg-type]
    assert calls == ["hello"] * tries
