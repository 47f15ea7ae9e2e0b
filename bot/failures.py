"""What the bot does with an error no handler dealt with: each kind in one line, a
traceback only for what is a bug; the chat that asked is told when the server failed it."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Conflict, NetworkError, TelegramError

from briefings.errors import BriefingsError

from .context import Ctx
from .delivery import reply
from .messages import SORRY
from .startup import reason

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    if context.bot_data.token_watch.rejected:  # the bot is stopping; run() says why in one line
        log.debug("after the token was rejected: %s", context.error)
        return
    job = context.job
    if update is None and job is not None:  # a job's error (a daily digest, the poll)
        where = f"job {job.name}" + (f" for chat {job.chat_id}" if job.chat_id else "")
        if isinstance(context.error, (TelegramError, BriefingsError)):
            log.warning("%s: %s", where, reason(context.error))
        else:
            log.error("%s: %s", where, context.error, exc_info=context.error)
        return
    if update is None and isinstance(context.error, TelegramError):  # polling: PTB retries
        outage = context.bot_data.token_watch.outage
        say = log.warning if outage.failed() else log.debug
        still = f"; {outage.lasted()} so far" if outage.attempts > 1 else ""
        if isinstance(context.error, Conflict):
            say("another process is polling with this bot token (%s)%s; retrying",
                reason(context.error), still)
            return
        what = "not reachable" if isinstance(context.error, NetworkError) else "answer refused"
        say("Bot API %s while polling (%s)%s; retrying", what, reason(context.error), still)
        return
    chat = update.effective_chat if isinstance(update, Update) else None
    where = f"{type(update).__name__}" + (f" in chat {chat.id}" if chat is not None else "")
    if isinstance(context.error, TelegramError):  # the Bot API refused a call: one line
        log.warning("while handling %s: the Bot API answered: %s", where,
                    reason(context.error))
        return
    if isinstance(context.error, BriefingsError):  # e.g. the store broke: says what to do
        log.error("while handling %s: %s", where, context.error)
        if chat is not None and isinstance(update, Update):
            with contextlib.suppress(TelegramError, BriefingsError):
                await reply(update, context, [SORRY])
        return
    log.error("while handling %s: %s", type(update).__name__, context.error,
              exc_info=context.error)
