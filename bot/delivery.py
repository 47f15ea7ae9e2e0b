"""Sending: one message (flood waits, retries, plain-text fallback, chats that moved), a
reply of several, a digest from the outbox, "typing…" while one is composed, and the
digest and poll jobs.

Digests go through the outbox in SQLite: composed and recorded first, each part marked
sent once Telegram confirms it, so a crash or restart neither loses a digest nor sends it
twice. Composing runs on its own small thread pool, so a burst of digests (every chat at
07:00) never takes the threads that answer other chats' commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ContextTypes

from briefings.desk import Desk, html_to_text
from briefings.schedule_util import parse_hhmm
from briefings.store import utcnow

from .secrets import redact

log = logging.getLogger(__name__)
T = TypeVar("T")
Ctx = ContextTypes.DEFAULT_TYPE
App = Application[Any, Any, Any, Any, Any, Any]
SEND_ATTEMPTS = 5
LIMIT = 4096  # Telegram's limit on a message's text (after entity parsing)
TYPING_EVERY = 4.5  # seconds; Telegram shows a chat action for about 5


def desk_of(context: Ctx) -> Desk:
    desk: Desk = context.bot_data["desk"]
    return desk


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run core work (SQLite, the model) off the event loop."""
    return await asyncio.to_thread(fn, *args)


async def composing(app: App, fn: Callable[..., T], *args: Any) -> T:
    """Run digest composition on the composer pool, never on the threads that answer."""
    pool: ThreadPoolExecutor = app.bot_data["composer"]
    return await asyncio.get_running_loop().run_in_executor(pool, lambda: fn(*args))


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, html: bool = True) -> list[str]:
    """The message as is when it is within Telegram's limit; else, the last line of defence,
    its plain text in pieces that are (split between lines, else between words)."""
    plain = html_to_text(text) if html else text
    if _units(plain) <= LIMIT and plain.strip():
        return [text]
    pieces: list[str] = []
    current = ""
    for line in plain.split("\n"):
        while line:
            room = LIMIT - _units(current) - (1 if current else 0)
            if _units(line) <= room:
                current = f"{current}\n{line}" if current else line
                line = ""
                continue
            if current:
                pieces.append(current)
                current = ""
                continue
            cut = _cut(line, LIMIT)
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()] or ["(empty)"]


def _cut(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit`` units: at the last space that fits."""
    end = min(len(line), limit)
    while _units(line[:end]) > limit:
        end -= 1
    space = line.rfind(" ", 0, end)
    return space if space > 0 else end


async def send(app: App, chat_id: int, text: str, fallback: str | None = None,
               **kwargs: Any) -> Message:
    """Send one message: flood waits, network retries with backoff, plain-text fallback, and
    a group that became a supergroup followed to its new id (the returned message's chat).

    Forbidden propagates (the caller unsubscribes the chat). The bot token never goes out in
    a message, whoever typed it or whatever article holds it."""
    secrets: list[str] = app.bot_data.get("secrets", [])
    text = redact(text, secrets)
    fallback = redact(fallback, secrets) if fallback else fallback
    delay = 1.0
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await app.bot.send_message(chat_id, text, **kwargs)
        except RetryAfter as exc:  # the rate limiter already retried: wait and go on
            await asyncio.sleep(_seconds(exc.retry_after))
        except ChatMigrated as exc:
            await migrate_chat(app, chat_id, int(exc.new_chat_id))
            chat_id = int(exc.new_chat_id)
        except BadRequest as exc:
            if "parse" not in str(exc).lower() and "entit" not in str(exc).lower():
                raise
            log.warning("chat %s: formatting refused (%s); sending plain text", chat_id, exc)
            text, kwargs["parse_mode"] = fallback or html_to_text(text), None
        except Forbidden:
            raise
        except NetworkError as exc:
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("chat %s: network error (%s); retrying in %.0fs", chat_id, exc, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise NetworkError(f"could not send to chat {chat_id} after {SEND_ATTEMPTS} attempts")


async def send_fitted(app: App, chat_id: int, text: str, fallback: str | None = None,
                      **kwargs: Any) -> list[Message]:
    """``send``, for a message of any length: one that would exceed Telegram's limit goes
    as plain text in several messages (markup such as buttons on the last)."""
    pieces = fit(text, html=kwargs.get("parse_mode", "HTML") is not None)
    if pieces == [text]:
        return [await send(app, chat_id, text, fallback, **kwargs)]
    log.warning("chat %s: a %d-character message sent as %d plain-text parts", chat_id,
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
    for text in messages:
        try:
            sent = await send_fitted(context.application, chat_id, text, **kwargs)
        except Forbidden:
            await blocking(desk_of(context).store.unsubscribe, chat_id)
            remove_digest_job(context.application, chat_id)
            return
        chat_id = sent[-1].chat_id
        for msg in sent if story_ids else []:
            await blocking(desk_of(context).store.remember_message, chat_id, msg.message_id,
                           list(story_ids or []))


@contextlib.asynccontextmanager
async def typing(app: App, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block is done."""

    async def beat() -> None:
        while True:
            try:
                await app.bot.send_chat_action(chat_id, ChatAction.TYPING)
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


async def migrate_chat(app: App, old: int, new: int) -> None:
    """A group became a supergroup: move its rows (one transaction) and its digest job."""
    desk: Desk = app.bot_data["desk"]
    await blocking(desk.migrate_chat, old, new)
    remove_digest_job(app, old)
    schedule_digest(app, new)


# -- digests -------------------------------------------------------------------------------
async def deliver(app: App, chat_id: int, digest_id: int) -> None:
    """Send a digest's unsent parts, marking each sent once Telegram confirms it."""
    desk: Desk = app.bot_data["desk"]
    parts = await blocking(desk.store.unsent_parts, digest_id)
    for part, html, text in parts:
        try:
            sent = await send_fitted(app, chat_id, html, fallback=text)
        except Forbidden:
            log.warning("chat %s blocked the bot: unsubscribed", chat_id)
            await blocking(desk.store.unsubscribe, chat_id)
            await blocking(desk.store.drop_digest, digest_id)
            remove_digest_job(app, chat_id)
            return
        chat_id = sent[-1].chat_id
        if len(sent) > 1:
            stories = await blocking(desk.store.digest_story_ids, digest_id)
            for msg in sent[:-1]:
                await blocking(desk.store.remember_message, chat_id, msg.message_id, stories)
        await blocking(desk.store.mark_part_sent, digest_id, part, chat_id, sent[-1].message_id)


async def compose_and_deliver(app: App, chat_id: int, kind: str,
                              now: datetime | None = None) -> None:
    desk: Desk = app.bot_data["desk"]
    digest_id = await composing(app, desk.compose_digest, chat_id, kind, now)
    await deliver(app, chat_id, digest_id)


async def digest_job(context: Ctx) -> None:
    job = context.job
    assert job is not None and job.chat_id is not None
    chat = await blocking(desk_of(context).store.chat, job.chat_id)
    if chat is None or not chat["subscribed"]:
        return
    await compose_and_deliver(context.application, job.chat_id, "daily")


async def poll_job(context: Ctx) -> None:
    desk = desk_of(context)
    worker: ThreadPoolExecutor = context.bot_data["worker"]
    report = await asyncio.get_running_loop().run_in_executor(worker, desk.poll)
    # Items a poll skipped, each said once (folders are re-read on every poll: a bad file
    # would otherwise be reported every few minutes); /sources keeps the current count.
    seen: set[str] = context.bot_data.setdefault("reported_problems", set())
    for line in report.ingest.skipped:
        if line not in seen:
            log.warning("%s", line)
    seen.clear()
    seen.update(report.ingest.skipped)
    log.info("poll: %d new article(s), %d sentence(s) translated%s", len(report.ingest.added),
             report.translated.sentences, f"; {report.model_missing}"
             if report.model_missing else "")


def schedule_digest(app: App, chat_id: int) -> None:
    desk: Desk = app.bot_data["desk"]
    remove_digest_job(app, chat_id)
    s = desk.settings(chat_id)
    if not s.subscribed or app.job_queue is None:
        return
    at = parse_hhmm(s.digest_time)
    app.job_queue.run_daily(
        digest_job, time(at.hour, at.minute, tzinfo=ZoneInfo(s.timezone)), chat_id=chat_id,
        name=f"digest:{chat_id}",
        # A digest missed by less than this (busy loop, restart) still goes out.
        job_kwargs={"misfire_grace_time": desk.cfg.schedule.misfire_grace_time,
                    "coalesce": True})


def remove_digest_job(app: App, chat_id: int) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(f"digest:{chat_id}"):
        job.schedule_removal()


def next_digests(app: App) -> list[tuple[int, datetime | None]]:
    if app.job_queue is None:
        return []
    return sorted(((int(j.chat_id or 0), j.next_t) for j in app.job_queue.jobs()
                   if j.name and j.name.startswith("digest:")), key=lambda x: x[0])


async def recover(context: Ctx) -> None:
    """At start-up: finish digests composed but not sent; send the ones that fell due while
    the bot was down (not those of chats whose schedule started after today's time)."""
    app = context.application
    desk = desk_of(context)
    now = utcnow()
    for digest_id, chat_id, kind, date in await blocking(desk.store.unsent_digests):
        s = await blocking(desk.settings, chat_id)
        if kind == "manual" or date == desk.local_date(s.timezone, now):
            log.info("sending digest %s to chat %s left unsent before the restart", digest_id,
                     chat_id)
            await deliver(app, chat_id, digest_id)
        else:
            await blocking(desk.store.drop_digest, digest_id)
    for chat in await blocking(desk.store.subscribed_chats):
        if await blocking(desk.due_today, chat["chat_id"], now):
            log.info("chat %s missed today's digest while the bot was down", chat["chat_id"])
            await compose_and_deliver(app, chat["chat_id"], "daily", now)
