"""Telegram adapter: one Application (long polling) whose JobQueue polls the sources
and sends every subscribed chat its daily digest at the chat's own time.

This module is the wiring: the one builder, the handlers in the order they run, start-up
and shut-down, and ``briefings run``. Handlers are in ``handlers`` (each calls one
chat-service method in a worker thread), sending and the outbox in ``delivery``, the jobs
in ``jobs``, start-up and the token in ``startup`` and ``secrets``. Updates of different
chats are handled concurrently (one chat's digest never holds up another).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from briefings.chat_service import ChatService
from briefings.config import Config
from briefings.store import Store

from .context import CONTEXT_TYPES, App, in_store
from .failures import on_error
from .handlers import (
    COMMANDS,
    cmd_ask,
    cmd_unknown,
    gate,
    on_migrate,
    on_my_membership,
    on_settings_button,
    on_unknown_button,
)
from .jobs import poll_job, recover, schedule_digest
from .secrets import TokenRejected, load_token, protect_output, secrets_of
from .startup import (
    BotApiUnreachable,
    PerChatUpdates,
    ReadableErrors,
    RejectionWatch,
    api_location,
    connect,
    reason,
)

log = logging.getLogger(__name__)


async def on_startup(app: App) -> None:
    try:
        await app.bot.set_my_commands([BotCommand(c.name, c.help) for c in COMMANDS])
    except TelegramError as exc:  # the menu of commands is a convenience
        log.warning("command menu not updated: %s", exc)
    for chat in await in_store(app, Store.subscribed_chats):
        await schedule_digest(app, chat.chat_id)
    assert app.job_queue is not None
    every = app.bot_data.service.cfg.schedule.poll_every
    app.job_queue.run_once(recover, when=0, name="recover")
    app.job_queue.run_repeating(
        poll_job, interval=every, first=1, name="poll",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": every})


async def on_shutdown(app: App) -> None:
    data = app.bot_data
    data.service.stopping.set()  # a poll in progress stops after its current chunk
    for executor in (data.worker, data.composer):
        executor.shutdown(wait=False, cancel_futures=True)


# -- the one builder ----------------------------------------------------------------------
def build_application(cfg: Config, token: str, service: ChatService | None = None) -> App:
    watch = RejectionWatch()
    builder = (
        Application.builder().token(token).context_types(CONTEXT_TYPES)
        .get_updates_request(watch).request(ReadableErrors(connection_pool_size=256))
        .concurrent_updates(PerChatUpdates())
        .rate_limiter(AIORateLimiter(max_retries=3))
        .defaults(Defaults(parse_mode=ParseMode.HTML,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(on_startup).post_shutdown(on_shutdown)
    )
    if cfg.telegram.base_url:
        builder = builder.base_url(cfg.telegram.base_url)
    app: App = builder.build()
    watch.on_rejected = app.stop_running
    data = app.bot_data
    data.service = service or ChatService(cfg)
    data.token_watch = watch
    data.secrets = secrets_of(token)
    data.worker = ThreadPoolExecutor(1, thread_name_prefix="briefings-poll")
    data.composer = ThreadPoolExecutor(2, thread_name_prefix="briefings-digest")
    # In this order: a group's move to a supergroup, the gate, the commands, the settings
    # buttons, other buttons, the bot's own membership (removed or blocked: unsubscribed),
    # questions (any other text), then commands nobody knows. Only
    # new messages are read: an edit does not run a command again. A channel's admins
    # command the bot by posting a command in it (/start: the channel gets the digest);
    # its other posts are its own news, neither questions nor unknown commands.
    new = filters.UpdateType.MESSAGE
    posted = new | filters.UpdateType.CHANNEL_POST
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate), group=-2)
    app.add_handler(TypeHandler(Update, gate), group=-1)
    app.add_handlers([CommandHandler(c.name, c.callback, filters=posted) for c in COMMANDS])
    app.add_handler(CallbackQueryHandler(on_settings_button, pattern=r"^set:"))
    app.add_handler(CallbackQueryHandler(on_unknown_button))
    app.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, cmd_ask))
    app.add_handler(MessageHandler(new & filters.CAPTION, cmd_ask))  # a photo's question
    app.add_handler(MessageHandler(new & filters.COMMAND, cmd_unknown))
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
    if app.bot_data.token_watch.rejected:  # revoked while running: stopped cleanly
        raise TokenRejected(api_location(cfg))
    return 0


__all__ = ["build_application", "load_token", "run"]
