"""SQLite never runs on the bot's event loop: every handler and job reaches the store in a
worker thread. Checked for real: the chat service's store is wrapped so that taking it on
the loop's thread is recorded, then a whole conversation, start-up with catch-up, a daily
job and a group's move to a supergroup run against the fake Bot API."""

from __future__ import annotations

import asyncio
import inspect
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta

import pytest

from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import utcnow
from briefings.store import Store

from .fakes.botapi import FakeBotAPI
from .fakes.chat import digest_job, digest_jobs, running, say, wait_for

CHAT, GROUP, SUPERGROUP, MISSED = 1001, -500, -1000000000500, 3003


def test_no_store_access_on_the_event_loop(server: FakeBotAPI,
                                           bot_config: Callable[..., config.Config],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = bot_config()
    service = ChatService(cfg)
    service.poll()
    service.store.subscribe(GROUP, "group", "07:00", "UTC")
    service.store.subscribe(MISSED, "missed", "00:00", "UTC",  # caught up at start-up
                            now=utcnow() - timedelta(days=1))
    on_loop: list[str] = []
    loop_thread: list[threading.Thread] = []
    real = inspect.getattr_static(ChatService, "store")
    assert isinstance(real, property)

    def checked(self: ChatService) -> Store:
        if loop_thread and threading.current_thread() is loop_thread[0]:
            on_loop.append("".join(traceback.format_stack(limit=6)))
        assert real.fget is not None
        store: Store = real.fget(self)
        return store

    monkeypatch.setattr(ChatService, "store", property(checked))

    async def script() -> None:
        loop_thread.append(threading.current_thread())
        async with running(cfg) as app:
            await wait_for(lambda: server.called("setMyCommands"))
            await wait_for(lambda: server.messages_to(MISSED))  # the catch-up went out
            assert "Welcome" in (await say(server, CHAT, "/start"))["text"]
            assert "07:30" in (await say(server, CHAT, "/settings time 07:30"))["text"]
            shown = await say(server, CHAT, "/settings")
            server.press(CHAT, {"message_id": shown["message_id"], "date": 0, "text": "x",
                                "chat": {"id": CHAT, "type": "private"}}, "set:stories:5")
            await wait_for(lambda: server.edits)
            assert "Misrata" in (await say(server, CHAT, "/filter add Misrata"))["text"]
            digest = await say(server, CHAT, "/digest")
            assert "UTC" in digest["text"]
            await say(server, CHAT, "مصراتة", reply_to={
                "message_id": digest["message_id"], "date": 0, "text": digest["text"],
                "chat": {"id": CHAT, "type": "private"}, "from": {
                    "id": 123456, "is_bot": True, "first_name": "Briefings"}})
            for command in ("/latest", "/story 1", "/original 1", "/sources", "/status",
                            "/help", "/stop"):
                await say(server, CHAT, command)
            server.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a "
                        "supergroup chat", times=10, parameters={"migrate_to_chat_id": SUPERGROUP},
                        when=lambda p: int(p["chat_id"]) == GROUP)
            await digest_job(app, GROUP).run(app)
            await wait_for(lambda: digest_jobs(app, SUPERGROUP))

    asyncio.run(script())
    assert not on_loop, "the store was used on the event loop:\n" + "\n".join(on_loop[:3])
