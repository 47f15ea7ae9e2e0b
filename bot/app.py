"""Telegram adapter: one Application (long polling) whose JobQueue polls the sources
and sends every subscribed chat its daily digest at the chat's own time.

Handlers are thin: parse the update, call one ``Desk`` method in a worker thread
(SQLite and the model never run on the event loop), reply. Updates of different chats
are handled concurrently (one chat's digest never holds up another); sending, the
outbox and the jobs are in ``delivery``, start-up and the token in ``startup`` and
``secrets``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError
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
from briefings.desk import Desk
from briefings.store import Store

from .delivery import (
    App,
    blocking,
    compose_and_deliver,
    desk_of,
    migrate_chat,
    next_digests,
    poll_job,
    recover,
    remove_digest_job,
    reply,
    schedule_digest,
    typing,
)
from .failures import on_error
from .secrets import TokenRejected, load_token, protect_output, secrets_of
from .startup import (
    BotApiUnreachable,
    PerChatUpdates,
    RejectionWatch,
    api_location,
    connect,
    reason,
)

log = logging.getLogger(__name__)
Ctx = ContextTypes.DEFAULT_TYPE
MAX_ID_DIGITS = 30  # longer "ids" are not ids: answered as unknown without parsing them
MAX_CHAT_ID = 2**63 - 1  # SQLite's integers; Telegram's ids are far smaller

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


# -- access --------------------------------------------------------------------------
async def gate(update: Update, context: Ctx) -> None:
    """Chats not in telegram.allowed_chats get a polite refusal; nothing is stored."""
    chat = update.effective_chat
    if chat is not None and not -MAX_CHAT_ID <= chat.id <= MAX_CHAT_ID:
        log.info("update from chat id %s ignored: not a Telegram chat id", chat.id)
        raise ApplicationHandlerStop
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
    if await blocking(desk.store.chat, chat.id) is None:
        await blocking(desk.subscribe, chat.id, chat.title or chat.full_name)
        schedule_digest(context.application, chat.id)
    async with typing(context.application, chat.id):
        await compose_and_deliver(context.application, chat.id, "manual")


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
    desk = desk_of(context)
    messages = await blocking(desk.story, story_id, original)
    found = 1 <= story_id < 2**63 and await blocking(desk.store.story_exists, story_id)
    await reply(update, context, messages, story_ids=[story_id] if found else None)


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
    user = update.effective_user
    desk = desk_of(context)
    admin = desk.is_admin(user.id if user else None)
    await reply(update, context, await blocking(desk.sources, admin))


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
    if await blocking(desk.store.chat, chat.id) is None:
        await reply(update, context, ["Subscribe first with /start."])
        return
    await reply(update, context, [await blocking(desk.settings_text, chat.id)],
                reply_markup=settings_keyboard())


async def on_settings_button(update: Update, context: Ctx) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or not query.data:
        return
    _, name, value = [*query.data.split(":", 2), "", ""][:3]
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
    """The first argument as a number (ASCII or Arabic-Indic digits, optional #); any
    number, even one no id can be, so that it gets the same answer as an unknown id."""
    raw = args[0].lstrip("#") if args else ""
    if not raw.isdecimal():
        return default
    if len(raw) > MAX_ID_DIGITS:
        return 10**MAX_ID_DIGITS
    return int(raw)


async def on_migrate(update: Update, context: Ctx) -> None:
    """The service message of a group upgraded to a supergroup (seen in either chat)."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    if message.migrate_to_chat_id:
        await migrate_chat(context.application, update.effective_chat.id,
                           message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await migrate_chat(context.application, message.migrate_from_chat_id,
                           update.effective_chat.id)
    raise ApplicationHandlerStop


async def on_startup(app: App) -> None:
    desk: Desk = app.bot_data["desk"]
    try:
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])
    except TelegramError as exc:  # the menu of commands is a convenience
        log.warning("command menu not updated: %s", exc)
    for chat in await blocking(desk.store.subscribed_chats):
        schedule_digest(app, chat["chat_id"])
    assert app.job_queue is not None
    app.job_queue.run_once(recover, when=0, name="recover")
    app.job_queue.run_repeating(
        poll_job, interval=desk.cfg.schedule.poll_every, first=1, name="poll",
        job_kwargs={"max_instances": 1, "coalesce": True,
                    "misfire_grace_time": desk.cfg.schedule.poll_every})


async def on_shutdown(app: App) -> None:
    app.bot_data["desk"].stopping.set()  # a poll in progress stops after its current chunk
    for pool in ("worker", "composer"):
        executor: ThreadPoolExecutor = app.bot_data[pool]
        executor.shutdown(wait=False, cancel_futures=True)


# -- the one builder ----------------------------------------------------------------------
def build_application(cfg: Config, token: str, desk: Desk | None = None) -> App:
    watch = RejectionWatch()
    builder = (
        Application.builder().token(token)
        .get_updates_request(watch)
        .concurrent_updates(PerChatUpdates())
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(on_startup).post_shutdown(on_shutdown)
    )
    if cfg.telegram.base_url:
        builder = builder.base_url(cfg.telegram.base_url)
    app = builder.build()
    watch.on_rejected = app.stop_running
    app.bot_data.update(desk=desk or Desk(cfg), token_watch=watch, secrets=secrets_of(token),
                        worker=ThreadPoolExecutor(1, thread_name_prefix="briefings-poll"),
                        composer=ThreadPoolExecutor(2, thread_name_prefix="briefings-digest"))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate), group=-2)
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
    protect_output(token)
    Path(cfg.db_path).parent.mkdir(parents=True, exist_ok=True)
    Store(cfg.db_path).close()  # a broken store is said before connecting, not after
    app = build_application(cfg, token)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(connect(app, cfg))
    except BaseException:
        loop.close()
        raise
    log.warning("briefings bot running (database %s); Ctrl-C to stop", cfg.db_path)
    try:  # run_polling finds the application initialized and uses this loop
        app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=3)
    except InvalidToken:  # revoked between getMe and polling
        raise TokenRejected(api_location(cfg)) from None
    except TelegramError as exc:  # the Bot API went away between getMe and polling
        raise BotApiUnreachable(api_location(cfg), reason(exc)) from None
    if app.bot_data["token_watch"].rejected:  # revoked while running: stopped cleanly
        raise TokenRejected(api_location(cfg))
    return 0


def register_cli(sub: Any) -> None:
    """Entry point (group ``briefings.commands``): adds ``briefings run``."""
    p = sub.add_parser("run", help="run the Telegram bot: polling, digests, commands")
    p.add_argument("--config", "-c", dest="sub_config", help="config file")
    p.set_defaults(func=lambda cfg, args: run(cfg))


__all__ = ["build_application", "load_token", "register_cli", "run"]
