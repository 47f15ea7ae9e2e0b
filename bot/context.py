"""What every handler and job is given: the typed ``bot_data`` (``BotData``), the context
and application types, and the two ways to run core work off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from briefings.chat_service import ChatService

if TYPE_CHECKING:
    from .startup import RejectionWatch

T = TypeVar("T")


@dataclass
class BotData:
    """Everything the application keeps between updates. Python-telegram-bot creates it
    empty; ``app.build_application`` fills it in before the bot starts."""

    service: ChatService = field(init=False)
    token_watch: RejectionWatch = field(init=False)
    secrets: list[str] = field(default_factory=list)  # never sent in a message
    worker: ThreadPoolExecutor = field(init=False)  # polls (one at a time)
    composer: ThreadPoolExecutor = field(init=False)  # digests, off the threads that answer
    reported_problems: set[str] = field(default_factory=set)  # skipped items said once
    # one digest delivery at a time per chat: the daily job and the catch-up at start-up
    # (or a /digest) firing together would both find the same parts unsent
    sending: dict[int, asyncio.Lock] = field(default_factory=dict)


Ctx = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
# The application as handlers and jobs see it (``context.application``): its bot_data typed.
App = Application[Any, Any, dict[Any, Any], dict[Any, Any], BotData, Any]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run core work (SQLite, the model) off the event loop."""
    return await asyncio.to_thread(fn, *args)


async def composing(app: App, fn: Callable[..., T], *args: Any) -> T:
    """Run digest composition on the composer pool, never on the threads that answer."""
    pool = app.bot_data.composer
    return await asyncio.get_running_loop().run_in_executor(pool, lambda: fn(*args))


async def in_store(app: App, method: Callable[..., T], *args: Any) -> T:
    """A ``Store`` method (``Store.chat``) called with ``args`` in a worker thread, on that
    thread's connection: ``await in_store(app, Store.chat, chat_id)``."""
    service = app.bot_data.service
    return await asyncio.to_thread(lambda: method(service.store, *args))
