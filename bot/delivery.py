"""Sending: one message (flood waits, retries, plain-text fallback, chats that moved), a
reply of several, a digest from the outbox, and "typing…" while one is composed.

Digests go through the outbox in SQLite: composed and recorded first, each part marked
sent once Telegram confirms it, so a crash or restart neither loses a digest nor sends it
twice. A chat that blocked the bot is unsubscribed; a group that became a supergroup is
followed to its new id (its rows and its digest job move with it, ``jobs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from html import unescape
from typing import Any

import httpx
from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from briefings.compose_pack import units
from briefings.store import Store

from . import jobs
from .context import App, Ctx, in_store
from .secrets import redact

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 5
SEND_TIMEOUT = 30.0  # seconds Telegram has to answer a sendMessage: a message whose answer
# does not come may still have been delivered, so it is not sent again (see ``send``)
LIMIT = 4096  # Telegram's limit on a message's text (after entity parsing)
TYPING_EVERY = 4.5  # seconds; Telegram shows a chat action for about 5


def _maybe_delivered(exc: TimedOut) -> bool:
    """The request reached Telegram before the time ran out (it was being written or its
    answer awaited), so the message may have been delivered; a connection or a pool slot
    that never came means it was not sent."""
    return isinstance(exc.__cause__, (httpx.ReadTimeout, httpx.WriteTimeout))


def gone(exc: TelegramError) -> bool:
    """Telegram says the chat of a digest is not there for the bot any more: it blocked the
    bot, the bot was removed, or the chat was deleted (a permanent refusal, unlike a
    network error)."""
    return isinstance(exc, Forbidden) or (isinstance(exc, BadRequest)
                                          and "chat not found" in str(exc).lower())


def plain(message: str) -> str:
    """What Telegram shows of one of our HTML messages, as plain text: the last line of
    defence for a reply Telegram refused to parse or that is too long to send as is
    (digests carry their own plain text, rendered with them)."""
    return unescape(re.sub(r"<[^>]+>", "", message))


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def too_long(exc: TelegramError) -> bool:
    """Telegram counted more than its limit where we counted less (its own way of counting
    after parsing): the message is not lost, it goes as smaller plain-text pieces."""
    return isinstance(exc, BadRequest) and "too long" in str(exc).lower()


def fit(text: str, html: bool = True, limit: int = LIMIT) -> list[str]:
    """The message as is when it is within Telegram's limit; else, the last line of defence,
    its plain text in pieces that are (split between lines, else between words)."""
    shown = plain(text) if html else text
    if units(shown) <= limit and shown.strip():
        return [text]
    pieces: list[str] = []
    current = ""
    for line in shown.split("\n"):
        while line:
            room = limit - units(current) - (1 if current else 0)
            if units(line) <= room:
                current = f"{current}\n{line}" if current else line
                line = ""
                continue
            if current:
                pieces.append(current)
                current = ""
                continue
            cut = _cut(line, limit)
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()] or ["(empty)"]


def _cut(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit`` units: at the last space that fits."""
    end = min(len(line), limit)
    while units(line[:end]) > limit:
        end -= 1
    space = line.rfind(" ", 0, end)
    return space if space > 0 else end


async def send(app: App, chat_id: int, text: str, fallback: str | None = None,
               **kwargs: Any) -> Message:
    """Send one message: flood waits, network retries with backoff, plain-text fallback, and
    a group that became a supergroup followed to its new id (the returned message's chat).

    Forbidden propagates (the caller unsubscribes the chat), and so does a timeout once the
    request was being written or its answer awaited (``SEND_TIMEOUT``): Telegram may have
    delivered the message, and sending it again would show it twice. Errors before Telegram
    has the request (no connection, a connect or pool timeout, a refused connection) are
    retried. The bot token never goes out in a message, whoever typed it or whatever
    article holds it."""
    secrets = app.bot_data.secrets
    text = redact(text, secrets)
    fallback = redact(fallback, secrets) if fallback else fallback
    kwargs.setdefault("read_timeout", SEND_TIMEOUT)
    delay = 1.0
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await app.bot.send_message(chat_id, text, **kwargs)
        except RetryAfter as exc:  # the rate limiter already retried: wait and go on
            await asyncio.sleep(_seconds(exc.retry_after))
        except ChatMigrated as exc:
            await jobs.migrate_chat(app, chat_id, int(exc.new_chat_id))
            chat_id = int(exc.new_chat_id)
        except BadRequest as exc:
            if kwargs.get("message_thread_id") is not None and _thread_gone(exc):
                log.warning("chat %s: forum topic %s is gone (%s); sending to the chat",
                            chat_id, kwargs.pop("message_thread_id"), exc)
                continue
            if "parse" not in str(exc).lower() and "entit" not in str(exc).lower():
                raise
            log.warning("chat %s: formatting refused (%s); sending plain text", chat_id, exc)
            text, kwargs["parse_mode"] = fallback or plain(text), None
        except Forbidden:
            raise
        except NetworkError as exc:
            if isinstance(exc, TimedOut) and _maybe_delivered(exc):
                log.warning("chat %s: Telegram did not answer in time; the message may have "
                            "arrived, so it is not sent again", chat_id)
                raise
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("chat %s: network error (%s); retrying in %.0fs", chat_id, exc, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise NetworkError(f"could not send to chat {chat_id} after {SEND_ATTEMPTS} attempts")


def _thread_gone(exc: BadRequest) -> bool:
    """The forum topic a reply or a digest was meant for was deleted or closed meanwhile."""
    text = str(exc).lower()
    return "thread not found" in text or "topic_deleted" in text or "topic_closed" in text


async def send_fitted(app: App, chat_id: int, text: str, fallback: str | None = None,
                      **kwargs: Any) -> list[Message]:
    """``send``, for a message of any length: one that would exceed Telegram's limit goes
    as plain text in several messages (markup such as buttons on the last); so does one
    Telegram still finds too long, in pieces of half the limit."""
    html = kwargs.get("parse_mode", "HTML") is not None
    pieces = fit(text, html=html)
    if pieces == [text]:
        try:
            return [await send(app, chat_id, text, fallback, **kwargs)]
        except BadRequest as exc:
            if not too_long(exc):
                raise
            shown = fallback or (plain(text) if html else text)
            pieces = fit(shown, html=False, limit=LIMIT // 2)
    log.warning("chat %s: a %d-character message sent as plain text in %d part(s)", chat_id,
                len(text), len(pieces))
    markup = kwargs.pop("reply_markup", None)
    sent: list[Message] = []
    for i, piece in enumerate(pieces):
        extra = {"reply_markup": markup} if markup is not None and i == len(pieces) - 1 else {}
        sent.append(await send(app, chat_id, piece, **{**kwargs, **extra, "parse_mode": None}))
        chat_id = sent[-1].chat_id
    return sent


async def reply(update: Update, context: Ctx, messages: Sequence[str],
                story_ids: Sequence[int] | None = None, **kwargs: Any) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    chat_id = chat.id
    if (thread := topic_of(update)) is not None:
        kwargs.setdefault("message_thread_id", thread)
    for text in messages:
        try:
            sent = await send_fitted(context.application, chat_id, text, **kwargs)
        except Forbidden as exc:  # (a chat that just wrote is there: other refusals are said)
            log.warning("chat %s blocked the bot or is gone (%s): unsubscribed", chat_id,
                        " ".join(str(exc).split())[:200])
            await in_store(context.application, Store.unsubscribe, chat_id)
            jobs.remove_digest_job(context.application, chat_id)
            return
        chat_id = sent[-1].chat_id
        for msg in sent if story_ids else []:
            await in_store(context.application, Store.remember_message, chat_id,
                           msg.message_id, list(story_ids or []))


def topic_of(update: Update) -> int | None:
    """The forum topic a message was written in (where its answer goes), or None."""
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return None


@contextlib.asynccontextmanager
async def typing(app: App, chat_id: int, topic: int | None = None) -> AsyncIterator[None]:
    """Show "typing…" in the chat (in its forum ``topic``) until the block is done."""
    where = {"message_thread_id": topic} if topic is not None else {}

    async def beat() -> None:
        while True:
            try:
                await app.bot.send_chat_action(chat_id, ChatAction.TYPING, **where)
            except TelegramError as exc:  # cosmetic: never worth failing the digest
                log.debug("chat %s: typing action not shown: %s", chat_id, exc)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# -- digests -------------------------------------------------------------------------------
async def deliver(app: App, chat_id: int, digest_id: int, topic: int | None = None) -> None:
    """Send a digest's unsent parts, marking each sent once Telegram confirms it (in the
    forum ``topic`` that asked for it; parts left for a restart go to the chat)."""
    async with app.bot_data.sending.setdefault(chat_id, asyncio.Lock()):
        await _deliver(app, chat_id, digest_id, topic)


async def _deliver(app: App, chat_id: int, digest_id: int, topic: int | None) -> None:
    where = {"message_thread_id": topic} if topic is not None else {}
    for part in await in_store(app, Store.unsent_parts, digest_id):
        try:
            sent = await send_fitted(app, chat_id, part.html, fallback=part.text, **where)
        except (Forbidden, BadRequest) as exc:
            if not gone(exc):
                raise
            log.warning("chat %s blocked the bot or is gone (%s): unsubscribed", chat_id,
                        " ".join(str(exc).split())[:200])
            await in_store(app, Store.unsubscribe, chat_id)
            await in_store(app, Store.drop_digest, digest_id)
            jobs.remove_digest_job(app, chat_id)
            return
        chat_id = sent[-1].chat_id
        if len(sent) > 1:
            stories = await in_store(app, Store.digest_story_ids, digest_id)
            for msg in sent[:-1]:
                await in_store(app, Store.remember_message, chat_id,
                           msg.message_id, stories)
        last = sent[-1].message_id
        await in_store(app, Store.mark_part_sent, digest_id, part.part, chat_id, last)
