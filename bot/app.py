"""Telegram adapter: one Application (long polling) whose JobQueue polls the sources
and sends every subscribed chat its daily digest at the chat's own time.

Handlers are thin: parse the update, call one ``Desk`` method in a worker thread
(SQLite and the model never run on the event loop), reply. Digests go through the
outbox in SQLite: composed and recorded first, each part marked sent once Telegram
confirms it, so a crash or restart neither loses a digest nor sends it twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from briefings.config import Config
from briefings.desk import Desk, html_to_text
from briefings.errors import TokenMissing
from briefings.schedule_util import parse_hhmm
from briefings.store import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
Ctx = ContextTypes.DEFAULT_TYPE

COMMANDS = [
    ("start", "subscribe this chat to the daily digest"),
    ("digest", "the briefing now"),
    ("latest", "the newest stories: /latest 10"),
    ("story", "a story in full: /story 12"),
    ("original", "a story in Arabic: /original 12"),
    ("ask", "ask the articles: /ask who attacked Sirte?"),
    ("sources", "sources and their health"),
    ("settings", "digest time, time zone, length"),
    ("filter", "keywords: /filter add Misrata"),
    ("status", "model, articles, pending work (admins)"),
    ("stop", "unsubscribe"),
    ("help", "what I can do"),
]
SEND_ATTEMPTS = 5


# -- token and secrets ----------------------------------------------------------------
def load_token(cfg: Config) -> str:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        return token
    if cfg.telegram.token_file:
        path = cfg.resolve(cfg.telegram.token_file)
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            raise TokenMissing(f"telegram.token_file {path}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise TokenMissing(f"telegram.token_file {path} is readable by others: "
                               f"chmod 600 {path}")
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    raise TokenMissing("no Telegram bot token: set TELEGRAM_BOT_TOKEN or telegram.token_file "
                       "(a file of mode 0600 holding the token)")


class Redact(logging.Filter):
    """Keeps the token out of every log line (httpx and PTB log request URLs)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "[token]"), None
        return True


def protect_logs(token: str) -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(Redact(token))
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# -- helpers ---------------------------------------------------------------------------
def desk_of(context: Ctx) -> Desk:
    desk: Desk = context.bot_data["desk"]
    return desk


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run core work (SQLite, the model) off the event loop."""
    return await asyncio.to_thread(fn, *args)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send(app: Application[Any, Any, Any, Any, Any, Any], chat_id: int, text: str,
               fallback: str | None = None, **kwargs: Any) -> Message:
    """Send one message: flood waits, network retries with backoff, plain-text fallback.

    Forbidden propagates (the caller unsubscribes the chat)."""
    delay = 1.0
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await app.bot.send_message(chat_id, text, **kwargs)
        except RetryAfter as exc:  # the rate limiter already retried: wait and go on
            await asyncio.sleep(_seconds(exc.retry_after))
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


async def reply(update: Update, context: Ctx, messages: Sequence[str],
                story_ids: Sequence[int] | None = None, **kwargs: Any) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for text in messages:
        try:
            msg = await send(context.application, chat.id, text, **kwargs)
        except Forbidden:
            await blocking(desk_of(context).store.unsubscribe, chat.id)
            remove_digest_job(context.application, chat.id)
            return
        if story_ids:
            await blocking(desk_of(context).store.remember_message, chat.id, msg.message_id,
                           list(story_ids))


# -- access --------------------------------------------------------------------------
async def gate(update: Update, context: Ctx) -> None:
    """Chats not in telegram.allowed_chats get a polite refusal; nothing is stored."""
    chat = update.effective_chat
    if chat is None or desk_of(context).allowed(chat.id):
        return
    if update.callback_query:
        await update.callback_query.answer("Sorry, this bot is private.")
    elif update.effective_message:
        await update.effective_message.reply_text(
            "Sorry, this bot is private: this chat is not on its list. Ask its operator to "
            "add it.")
    raise ApplicationHandlerStop


# -- commands ----------------------------------------------------------------------------
async def cmd_start(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    title = chat.title or chat.full_name or chat.username
    messages = await blocking(desk_of(context).subscribe, chat.id, title)
    schedule_digest(context.application, chat.id)
    await reply(update, context, messages)


async def cmd_stop(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    messages = await blocking(desk_of(context).unsubscribe, chat.id)
    remove_digest_job(context.application, chat.id)
    await reply(update, context, messages)


async def cmd_help(update: Update, context: Ctx) -> None:
    lines = ["<b>Arabic press briefing</b>: Arabic news, translated offline, summarised "
             "with sources.", ""]
    lines += [f"/{name} — {desc}" for name, desc in COMMANDS]
    lines.append("\nAny other message is a question for the articles.")
    await reply(update, context, ["\n".join(lines)])


async def cmd_digest(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    desk = desk_of(context)
    if desk.store.chat(chat.id) is None:
        await blocking(desk.subscribe, chat.id, chat.title or chat.full_name)
        schedule_digest(context.application, chat.id)
    digest_id = await blocking(desk.compose_digest, chat.id, "manual")
    await deliver(context.application, chat.id, digest_id)


async def cmd_latest(update: Update, context: Ctx) -> None:
    n = _int_arg(context.args, 10)
    await reply(update, context, await blocking(desk_of(context).latest, n))


async def cmd_story(update: Update, context: Ctx, original: bool = False) -> None:
    story_id = _int_arg(context.args, None)
    name = "original" if original else "story"
    if story_id is None:
        await reply(update, context, [f"Which story? /{name} <i>id</i> (ids are in /latest "
                                      "and in digests)."])
        return
    messages = await blocking(desk_of(context).story, story_id, original)
    await reply(update, context, messages, story_ids=[story_id])


async def cmd_original(update: Update, context: Ctx) -> None:
    await cmd_story(update, context, original=True)


async def cmd_ask(update: Update, context: Ctx) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    text = " ".join(context.args or []) if message.text and message.text.startswith("/") \
        else (message.text or "")
    desk = desk_of(context)
    scope = None
    if message.reply_to_message is not None:
        scope = await blocking(desk.store.message_stories, chat.id,
                               message.reply_to_message.message_id)
    messages, story_ids = await blocking(desk.ask, text, scope)
    await reply(update, context, messages, story_ids=story_ids)


async def cmd_sources(update: Update, context: Ctx) -> None:
    await reply(update, context, await blocking(desk_of(context).sources))


def settings_keyboard() -> InlineKeyboardMarkup:
    def row(name: str, values: Sequence[str], label: str) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(f"{label} {v}", callback_data=f"set:{name}:{v}")
                for v in values]

    return InlineKeyboardMarkup([
        row("time", ["06:00", "07:00", "08:00", "18:00"], "⏰"),
        row("stories", ["3", "5", "10"], "stories"),
        row("sentences", ["2", "3", "5"], "sentences"),
    ])


async def cmd_settings(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    desk = desk_of(context)
    args = context.args or []
    if len(args) >= 2:
        changed, text = await blocking(desk.change_setting, chat.id, args[0], " ".join(args[1:]))
        if changed:
            schedule_digest(context.application, chat.id)
        await reply(update, context, [text])
        return
    if args:
        await reply(update, context, ["Use /settings time 07:30, /settings tz Africa/Tripoli, "
                                      "/settings stories 5 or /settings sentences 3."])
        return
    if desk.store.chat(chat.id) is None:
        await reply(update, context, ["Subscribe first with /start."])
        return
    await reply(update, context, [await blocking(desk.settings_text, chat.id)],
                reply_markup=settings_keyboard())


async def on_settings_button(update: Update, context: Ctx) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    _, name, value = query.data.split(":", 2)
    changed, text = await blocking(desk_of(context).change_setting, chat.id, name, value)
    await query.answer("Saved" if changed else "Not changed")
    if changed:
        schedule_digest(context.application, chat.id)
        try:
            await query.edit_message_text(text, reply_markup=settings_keyboard())
        except BadRequest as exc:  # "message is not modified" and the like
            log.info("settings message not edited: %s", exc)


async def cmd_filter(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    args = context.args or []
    action = args[0].lower() if args else "list"
    text = await blocking(desk_of(context).change_filter, chat.id, action, " ".join(args[1:]))
    await reply(update, context, [text])


async def cmd_status(update: Update, context: Ctx) -> None:
    user = update.effective_user
    desk = desk_of(context)
    if not desk.is_admin(user.id if user else None):
        await reply(update, context, ["/status is for the bot's admins."])
        return
    await reply(update, context, await blocking(desk.status, next_digests(context.application)))


async def cmd_unknown(update: Update, context: Ctx) -> None:
    await reply(update, context, ["I don't know that command. /help lists what I can do; any "
                                  "other message is a question for the articles."])


def _int_arg(args: Sequence[str] | None, default: int | None) -> int | None:
    if args and args[0].lstrip("#").isdigit():
        return int(args[0].lstrip("#"))
    return default


async def on_error(update: object, context: Ctx) -> None:
    log.error("while handling %s: %s", type(update).__name__, context.error,
              exc_info=context.error)


# -- digests -------------------------------------------------------------------------------
async def deliver(app: Application[Any, Any, Any, Any, Any, Any], chat_id: int,
                  digest_id: int) -> None:
    """Send a digest's unsent parts, marking each sent once Telegram confirms it."""
    desk: Desk = app.bot_data["desk"]
    parts = await blocking(desk.store.unsent_parts, digest_id)
    for part, html, text in parts:
        try:
            msg = await send(app, chat_id, html, fallback=text)
        except Forbidden:
            log.warning("chat %s blocked the bot: unsubscribed", chat_id)
            await blocking(desk.store.unsubscribe, chat_id)
            await blocking(desk.store.drop_digest, digest_id)
            remove_digest_job(app, chat_id)
            return
        await blocking(desk.store.mark_part_sent, digest_id, part, chat_id, msg.message_id)


async def digest_job(context: Ctx) -> None:
    job = context.job
    assert job is not None and job.chat_id is not None
    desk = desk_of(context)
    chat = await blocking(desk.store.chat, job.chat_id)
    if chat is None or not chat["subscribed"]:
        return
    digest_id = await blocking(desk.compose_digest, job.chat_id, "daily")
    await deliver(context.application, job.chat_id, digest_id)


async def poll_job(context: Ctx) -> None:
    desk = desk_of(context)
    worker: ThreadPoolExecutor = context.bot_data["worker"]
    report = await asyncio.get_running_loop().run_in_executor(worker, desk.poll)
    log.info("poll: %d new article(s), %d sentence(s) translated%s", len(report.ingest.added),
             report.translated.sentences, f"; {report.model_missing}"
             if report.model_missing else "")


def schedule_digest(app: Application[Any, Any, Any, Any, Any, Any], chat_id: int) -> None:
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


def remove_digest_job(app: Application[Any, Any, Any, Any, Any, Any], chat_id: int) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(f"digest:{chat_id}"):
        job.schedule_removal()


def next_digests(app: Application[Any, Any, Any, Any, Any, Any]
                 ) -> list[tuple[int, datetime | None]]:
    if app.job_queue is None:
        return []
    return sorted(((int(j.chat_id or 0), j.next_t) for j in app.job_queue.jobs()
                   if j.name and j.name.startswith("digest:")), key=lambda x: x[0])


async def recover(context: Ctx) -> None:
    """At start-up: finish digests composed but not sent; send today's missed ones."""
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
            digest_id = await blocking(desk.compose_digest, chat["chat_id"], "daily", now)
            await deliver(app, chat["chat_id"], digest_id)


async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    desk: Desk = app.bot_data["desk"]
    await app.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])
    for chat in await blocking(desk.store.subscribed_chats):
        schedule_digest(app, chat["chat_id"])
    assert app.job_queue is not None
    app.job_queue.run_once(recover, when=0, name="recover")
    app.job_queue.run_repeating(
        poll_job, interval=desk.cfg.schedule.poll_every, first=1, name="poll",
        job_kwargs={"max_instances": 1, "coalesce": True,
                    "misfire_grace_time": desk.cfg.schedule.poll_every})


async def on_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    worker: ThreadPoolExecutor = app.bot_data["worker"]
    worker.shutdown(wait=False, cancel_futures=True)


# -- the one builder ----------------------------------------------------------------------
def build_application(cfg: Config, token: str, desk: Desk | None = None
                      ) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        Application.builder().token(token)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(on_startup).post_shutdown(on_shutdown)
    )
    if cfg.telegram.base_url:
        builder = builder.base_url(cfg.telegram.base_url)
    app = builder.build()
    app.bot_data.update(desk=desk or Desk(cfg),
                        worker=ThreadPoolExecutor(1, thread_name_prefix="briefings-poll"))
    app.add_handler(TypeHandler(Update, gate), group=-1)
    handlers: list[tuple[str, Callable[[Update, Ctx], Coroutine[Any, Any, None]]]] = [
        ("start", cmd_start), ("stop", cmd_stop), ("help", cmd_help), ("digest", cmd_digest),
        ("latest", cmd_latest), ("story", cmd_story), ("original", cmd_original),
        ("ask", cmd_ask), ("sources", cmd_sources), ("settings", cmd_settings),
        ("filter", cmd_filter), ("status", cmd_status),
    ]
    for name, callback in handlers:
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(on_settings_button, pattern=r"^set:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, cmd_ask))
    app.add_handler(MessageHandler(filters.COMMAND, cmd_unknown))
    app.add_error_handler(on_error)
    return app


def run(cfg: Config) -> int:
    """`briefings run`: the bot, its polling and its digests, until interrupted."""
    token = load_token(cfg)
    protect_logs(token)
    Path(cfg.db_path).parent.mkdir(parents=True, exist_ok=True)
    app = build_application(cfg, token)
    log.warning("briefings bot running (database %s); Ctrl-C to stop", cfg.db_path)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def register_cli(sub: Any) -> None:
    """Entry point (group ``briefings.commands``): adds ``briefings run``."""
    p = sub.add_parser("run", help="run the Telegram bot: polling, digests, commands")
    p.add_argument("--config", "-c", dest="sub_config", help="config file")
    p.set_defaults(func=lambda cfg, args: run(cfg))


__all__ = ["build_application", "load_token", "register_cli", "run"]
