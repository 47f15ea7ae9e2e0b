"""The jobs: the poll of the sources, every subscribed chat's daily digest at the chat's
own time, and at start-up the digests left unsent or missed while the bot was down."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from telegram.error import TelegramError

from briefings.clock import local_date, utcnow
from briefings.errors import BriefingsError
from briefings.store import Store

from . import delivery
from .context import App, Ctx, blocking, composing, in_store
from .schedule import DailyAt
from .startup import reason

log = logging.getLogger(__name__)


async def compose_and_deliver(app: App, chat_id: int, kind: str,
                              now: datetime | None = None, topic: int | None = None) -> None:
    """Compose the chat's digest and send it (``topic``: the forum topic that asked)."""
    service = app.bot_data.service
    digest_id = await composing(app, service.compose_digest, chat_id, kind, now)
    await delivery.deliver(app, chat_id, digest_id, topic)


async def digest_job(context: Ctx) -> None:
    job = context.job
    assert job is not None and job.chat_id is not None
    chat_id = job.chat_id
    chat = await in_store(context.application, Store.chat, chat_id)
    if chat is None or not chat.subscribed:
        return
    await compose_and_deliver(context.application, chat_id, "daily")


async def poll_job(context: Ctx) -> None:
    data = context.bot_data
    report = await asyncio.get_running_loop().run_in_executor(data.worker, data.service.poll)
    # Items a poll skipped, each said once (folders are re-read on every poll: a bad file
    # would otherwise be reported every few minutes); /sources keeps the current count.
    seen = data.reported_problems
    for line in report.ingest.skipped:
        if line not in seen:
            log.warning("%s", line)
    seen.clear()
    seen.update(report.ingest.skipped)
    for line in report.ingest.failed_sources:  # each poll: a source down is news each time
        log.error("source failed (retried next poll): %s", line)
    log.info("poll: %d new article(s), %d sentence(s) translated%s", len(report.ingest.added),
             report.translated.sentences, f"; {report.model_missing}"
             if report.model_missing else "")


async def schedule_digest(app: App, chat_id: int) -> None:
    """The chat's daily digest job, at its time in its zone (none once unsubscribed)."""
    service = app.bot_data.service
    s = await blocking(service.settings, chat_id)
    remove_digest_job(app, chat_id)
    if not s.subscribed or app.job_queue is None:
        return
    app.job_queue.run_custom(
        digest_job, chat_id=chat_id, name=f"digest:{chat_id}",
        # A digest missed by less than this (busy loop, restart) still goes out.
        job_kwargs={"trigger": DailyAt(s.digest_time, s.timezone),
                    "misfire_grace_time": service.cfg.schedule.misfire_grace_time,
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


async def migrate_chat(app: App, old: int, new: int) -> None:
    """A group became a supergroup: move its rows (one transaction) and its digest job."""
    await blocking(app.bot_data.service.migrate_chat, old, new)
    remove_digest_job(app, old)
    await schedule_digest(app, new)


async def recover(context: Ctx) -> None:
    """At start-up: finish digests composed but not sent; send the ones that fell due while
    the bot was down (not those of chats whose schedule started after today's time). Each
    chat on its own: one that Telegram refuses is said in one line, the others still get
    theirs."""
    app = context.application
    service = context.bot_data.service
    now = utcnow()
    for unsent in await in_store(app, Store.unsent_digests):
        digest_id, chat_id = unsent.digest_id, unsent.chat_id
        try:
            s = await blocking(service.settings, chat_id)
            if unsent.kind == "manual" or unsent.date == local_date(s.timezone, now):
                log.info("sending digest %s to chat %s left unsent before the restart",
                         digest_id, chat_id)
                await delivery.deliver(app, chat_id, digest_id)
            else:
                await in_store(app, Store.drop_digest, digest_id)
        except Exception as exc:  # one chat never stops the others' catch-up
            _not_sent(chat_id, f"digest {digest_id} left unsent before the restart", exc)
    for chat in await in_store(app, Store.subscribed_chats):
        try:
            if await blocking(service.due_today, chat.chat_id, now):
                log.info("chat %s missed today's digest while the bot was down", chat.chat_id)
                await compose_and_deliver(app, chat.chat_id, "daily", now)
        except Exception as exc:  # one chat never stops the others' catch-up
            _not_sent(chat.chat_id, "today's missed digest", exc)


def _not_sent(chat_id: int, what: str, exc: Exception) -> None:
    """One line for a refusal (Telegram's) or a problem of ours the user can act on; the
    traceback too for anything else, which is a bug."""
    if isinstance(exc, (TelegramError, BriefingsError)):
        log.warning("chat %s: %s not sent: %s", chat_id, what, reason(exc))
    else:
        log.error("chat %s: %s not sent: %s", chat_id, what, exc, exc_info=exc)
