"""Drive the real telegram.ext.Application against the fake Bot API: start it as
run_polling would, type messages and wait for the replies, reach the scheduled jobs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, Job

from bot.app import build_application
from briefings import config
from briefings.chat_service import ChatService

from .botapi import TOKEN, FakeBotAPI

App = Application[Any, Any, Any, Any, Any, Any]


@asynccontextmanager
async def running(cfg: config.Config) -> AsyncIterator[App]:
    """What run_polling does, minus the signal handling: init, post_init, poll, start."""
    app = build_application(cfg, TOKEN)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1,
                                    allowed_updates=Update.ALL_TYPES)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_shutdown:
            await app.post_shutdown(app)
        await app.shutdown()


@asynccontextmanager
async def started(server: FakeBotAPI, cfg: config.Config) -> AsyncIterator[App]:
    """``running``, once the bot has finished starting (its command menu is set)."""
    async with running(cfg) as app:
        await wait_for(lambda: server.called("setMyCommands"))
        yield app


def subscribed(cfg: config.Config, chat: int, at: str = "07:00") -> ChatService:
    """The service of ``cfg`` with its sources polled and ``chat`` subscribed to a daily
    digest at ``at`` UTC."""
    service = ChatService(cfg)
    service.poll()
    service.store.subscribe(chat, "t", at, "UTC")
    return service


async def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def say(server: FakeBotAPI, chat: int, text: str, **kw: Any) -> dict[str, Any]:
    """Type a message and wait for the bot's next reply in that chat."""
    before = len(server.messages_to(chat))
    server.user_message(chat, text, **kw)
    msgs = await wait_for(lambda: server.messages_to(chat)[before:])
    # A reply may come in several parts: let them all arrive, so that the next say() does
    # not take this reply's second part for its own answer.
    count = 0
    while count != len(server.messages_to(chat)):
        count = len(server.messages_to(chat))
        await asyncio.sleep(0.3)
    return dict(msgs[0])


def digest_jobs(app: App, chat: int) -> tuple[Job[Any], ...]:
    """The chat's scheduled daily digest jobs (none once it unsubscribed)."""
    assert app.job_queue is not None
    return app.job_queue.get_jobs_by_name(f"digest:{chat}")


def digest_job(app: App, chat: int) -> Job[Any]:
    (job,) = digest_jobs(app, chat)
    return job
