"""Start-up against the Bot API, and how updates are processed.

``connect`` does what ``Application.run_polling`` would do first (initialize: getMe; then
deleteWebhook), but retries an unreachable or failing Bot API with backoff for
``telegram.startup_retry_seconds`` and ends in one line: a rejected token, or the API
that could not be reached and why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest

from briefings.config import Config
from briefings.errors import BriefingsError

from .secrets import MASK, TokenRejected

if TYPE_CHECKING:
    from .context import App

log = logging.getLogger(__name__)
DEFAULT_API = "https://api.telegram.org/bot"
FIRST_DELAY = 1.0  # seconds before the first retry; doubled each time up to MAX_DELAY
MAX_DELAY = 30.0


class BotApiUnreachable(BriefingsError):
    """The Bot API could not be reached (or kept failing) for the whole start-up window."""

    def __init__(self, where: str, reason: str, waited: float | None = None) -> None:
        tail = f"; gave up after {waited:.0f} s" if waited is not None else ""
        super().__init__(f"cannot reach the Bot API at {where}: {reason}{tail}")


def api_location(cfg: Config) -> str:
    """The Bot API's address as configured, token placeholder and any user:password@
    masked."""
    url = cfg.telegram.base_url or DEFAULT_API
    for name in ("token", "TOKEN", "bot_token", "BOT_TOKEN", "bot-token", "BOT-TOKEN"):
        url = url.replace("{" + name + "}", MASK)
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    if sep and "@" in host:
        url = f"{scheme}://***@{host.rpartition('@')[2]}{slash}{path}"
    return url


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def reason(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


async def connect(app: App, cfg: Config) -> None:
    """Initialize the application (getMe) and clear any webhook, retrying network errors
    and server errors with backoff until ``startup_retry_seconds`` have passed."""
    where = api_location(cfg)
    budget = max(0.0, cfg.telegram.startup_retry_seconds)
    started = time.monotonic()
    delay = FIRST_DELAY
    attempt = 0
    while True:
        attempt += 1
        try:
            await app.initialize()
            await app.bot.delete_webhook()
            return
        except InvalidToken:
            await app.bot.shutdown()
            raise TokenRejected(where) from None
        except TelegramError as exc:  # NetworkError, TimedOut, 5xx, a garbled answer
            waited = time.monotonic() - started
            left = budget - waited
            if left <= 0:
                await app.bot.shutdown()
                raise BotApiUnreachable(where, reason(exc), waited) from None
            pause = min(delay, left, MAX_DELAY)
            if isinstance(exc, RetryAfter):  # a flood wait on getMe: wait what it asks
                pause = min(max(pause, _seconds(exc.retry_after)), left)
            (log.warning if attempt == 1 else log.info)(
                "Bot API at %s not reachable (%s); retrying for up to %.0f s", where,
                reason(exc), left)
            await asyncio.sleep(pause)
            delay *= 2


class PerChatUpdates(BaseUpdateProcessor):
    """Updates of different chats are processed concurrently, so one chat's slow /digest
    never holds up another chat; a chat's own updates are processed in order. An update
    delivered again (an update_id already seen: a Bot API or proxy that repeats a batch)
    is not processed twice: a question is answered once, a /digest sent once."""

    REMEMBERED = 10_000  # update ids kept to recognise a repeat

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self._seen: dict[int, None] = {}  # in arrival order, oldest first

    def _again(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        if update.update_id in self._seen:
            return True
        self._seen[update.update_id] = None
        if len(self._seen) > self.REMEMBERED:
            del self._seen[next(iter(self._seen))]
        return False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._again(update):
            log.info("update %s delivered again: ignored", getattr(update, "update_id", "?"))
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # never started: closed, not left unawaited
            return
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class Outage:
    """Polling that keeps failing (the Bot API down, a proxy answering 502, another process
    polling with the token) is said once, then again every ``REMIND_EVERY`` seconds while it
    lasts, and its end in one line: not a line per retry for as long as it lasts."""

    REMIND_EVERY = 600.0

    def __init__(self) -> None:
        self.since: float | None = None
        self.attempts = 0
        self.said_at = 0.0

    def failed(self) -> bool:
        """One more failed getUpdates: is it to be said (the first, or a reminder)?"""
        now = time.monotonic()
        self.attempts += 1
        if self.since is None:
            self.since = self.said_at = now
            return True
        if now - self.said_at >= self.REMIND_EVERY:
            self.said_at = now
            return True
        return False

    def lasted(self) -> str:
        return f"{self.attempts} failed attempt(s) in {time.monotonic() - (self.since or 0):.0f} s"

    def answered(self) -> None:
        """getUpdates answered: the outage, if there was one, is over."""
        if self.since is not None:
            log.warning("polling works again after %s", self.lasted())
            self.since, self.attempts = None, 0


class ReadableErrors(HTTPXRequest):
    """Requests whose error answers are the Bot API's JSON: a proxy's error page (a 502 in
    HTML) becomes a short error of the Bot API's form, which the caller logs in one line.
    python-telegram-bot would log the whole page as an ERROR of its own first, on every
    retry."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        return code, payload if code < 400 else _as_bot_api_error(code, payload)


class RejectionWatch(ReadableErrors):
    """The connection getUpdates uses. When the Bot API rejects the token while the bot runs
    (revoked in @BotFather), python-telegram-bot's polling loop would die with a traceback
    and leave the bot running deaf, its tasks pending at exit. Here a 401/404 answer calls
    ``on_rejected`` (the bot stops cleanly and says so in one line) and is handed to the
    polling loop as a plain server error, which it logs and retries until the stop. It also
    sees polling come back after an ``outage``."""

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)
        self.rejected = False
        self.on_rejected: Callable[[], None] | None = None
        self.outage = Outage()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self.outage.answered()
        if code not in (401, 404):
            return code, payload
        if not self.rejected:
            self.rejected = True
            log.debug("getUpdates answered %s: the token was rejected; stopping", code)
            if self.on_rejected is not None:
                self.on_rejected()
        return 503, json.dumps({"ok": False, "error_code": 503,
                                "description": "the bot token was rejected"}).encode()


def _as_bot_api_error(code: int, payload: bytes) -> bytes:
    """An error answer as the Bot API gives it: the payload when it is JSON; else a short
    description (a proxy's error page: its title, or its first words)."""
    try:
        json.loads(payload)
        return payload
    except ValueError:
        pass
    text = payload.decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    words = " ".join(re.sub(r"<[^>]+>", " ", title.group(1) if title else text).split())
    what = f"not the Bot API's answer: {words[:100]}" if words else "an empty answer"
    return json.dumps({"ok": False, "error_code": code,
                       "description": f"HTTP {code}, {what}"}).encode()
