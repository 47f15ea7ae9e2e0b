"""The handlers: each parses its update, calls one chat-service method in a worker thread
(SQLite and the model never run on the event loop), renders what it returns, replies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, NamedTuple

from telegram import ChatMember, Message, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from briefings import compose_chat
from briefings.chat_service import READ_FILTERS
from briefings.store import Store

from . import messages
from .context import Ctx, blocking, in_store
from .delivery import reply, topic_of, typing
from .jobs import compose_and_deliver, migrate_chat, next_digests, remove_digest_job
from .jobs import schedule_digest as schedule
from .permissions import may_change

log = logging.getLogger(__name__)
MAX_ID_DIGITS = 30  # longer "ids" are not ids: answered as unknown without parsing them
MAX_CHAT_ID = 2**63 - 1  # SQLite's integers; Telegram's ids are far smaller


def _int_arg(args: Sequence[str] | None, default: int | None) -> int | None:
    """The first argument as a number (ASCII or Arabic-Indic digits, optional #); any
    number, even one no id can be, so that it gets the same answer as an unknown id."""
    raw = args[0].lstrip("#") if args else ""
    if not raw.isdecimal():
        return default
    if len(raw) > MAX_ID_DIGITS:
        return 10**MAX_ID_DIGITS
    return int(raw)


# -- before any command ------------------------------------------------------------------
async def gate(update: Update, context: Ctx) -> None:
    """Chats not in telegram.allowed_chats get a polite refusal; nothing is stored. A
    channel's post that Telegram forwards into the channel's linked discussion group is
    the channel's, not a message to the bot: ignored (its commands ran in the channel)."""
    chat = update.effective_chat
    if chat is not None and not -MAX_CHAT_ID <= chat.id <= MAX_CHAT_ID:
        log.info("update from chat id %s ignored: not a Telegram chat id", chat.id)
        raise ApplicationHandlerStop
    if update.message is not None and update.message.is_automatic_forward:
        raise ApplicationHandlerStop
    if chat is None or context.bot_data.service.allowed(chat.id):
        return
    if update.callback_query:
        await update.callback_query.answer(messages.PRIVATE_BUTTON)
    elif (asked := update.message or _command(update.channel_post, context)) is not None:
        await asked.reply_text(messages.PRIVATE)  # not to an edit, nor to a channel's
        # own news: those get no reply at all
    raise ApplicationHandlerStop


def _command(post: Message | None, context: Ctx) -> Message | None:
    """A channel post that is a command for this bot (``/start``, ``/start@this_bot``),
    else None: not its news (even one that starts with "/"), nor another bot's command."""
    entity = post.entities[0] if post is not None and post.entities else None
    if post is None or entity is None or entity.type != "bot_command" or entity.offset:
        return None
    _, at, name = post.parse_entity(entity).partition("@")
    return None if at and name.lower() != (context.bot.username or "").lower() else post


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


# -- commands ------------------------------------------------------------------------------
async def cmd_start(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not await may_change(update, context):
        return
    title = chat.title or chat.full_name or chat.username
    sub = await blocking(context.bot_data.service.subscribe, chat.id, title)
    await schedule(context.application, chat.id)
    await reply(update, context, compose_chat.subscription(  # a channel's posts are news
        sub, questions=update.channel_post is None))


async def cmd_stop(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    if not await may_change(update, context):
        return
    was_subscribed = await blocking(context.bot_data.service.unsubscribe, chat.id)
    remove_digest_job(context.application, chat.id)
    await reply(update, context, compose_chat.unsubscribed(was_subscribed))


async def cmd_digest(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    service = context.bot_data.service
    if not await blocking(service.known, chat.id):
        if not await may_change(update, context):  # a first digest subscribes the chat
            return
        await blocking(service.subscribe, chat.id, chat.title or chat.full_name)
        await schedule(context.application, chat.id)
    topic = topic_of(update)
    async with typing(context.application, chat.id, topic):
        await compose_and_deliver(context.application, chat.id, "manual", topic=topic)


async def cmd_latest(update: Update, context: Ctx) -> None:
    n = _int_arg(context.args, 10)
    stories = await blocking(context.bot_data.service.latest, n)
    await reply(update, context, compose_chat.latest(stories))


async def cmd_story(update: Update, context: Ctx, original: bool = False) -> None:
    story_id = _int_arg(context.args, None)
    if story_id is None:
        await reply(update, context, [messages.which_story("original" if original
                                                           else "story")])
        return
    view = await blocking(context.bot_data.service.story, story_id, original)
    if view is None:
        await reply(update, context, compose_chat.no_story(story_id))
        return
    await reply(update, context, compose_chat.story(view), story_ids=[story_id])


async def cmd_original(update: Update, context: Ctx) -> None:
    await cmd_story(update, context, original=True)


async def cmd_ask(update: Update, context: Ctx) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    if message.text is not None:  # a question, or /ask and its arguments
        text = " ".join(context.args or []) if message.text.startswith("/") else message.text
    else:  # a photo's or a document's caption: a question, or "/ask question" in it
        text = message.caption or ""
        if text.startswith("/"):
            command, _, text = text.partition(" ")
            name, _, bot = command[1:].partition("@")
            if name.lower() != "ask" or (bot and bot.lower() != context.bot.username.lower()):
                return  # another command, or one addressed to another bot
    text = text.strip()
    scope = None
    if message.reply_to_message is not None:
        replied = message.reply_to_message.message_id
        scope = await in_store(context.application, Store.message_stories, chat.id, replied)
    asked = await blocking(context.bot_data.service.ask, text, scope)
    await reply(update, context, compose_chat.asked(asked), story_ids=asked.story_ids)


def _admin(update: Update, context: Ctx) -> bool:
    user = update.effective_user
    return context.bot_data.service.is_admin(user.id if user else None)


def _private(update: Update) -> bool:
    """A private chat: what an admin is shown there (server paths, feed URLs that may carry
    a key, every subscriber's id) is not for every member of a group."""
    return update.effective_chat is not None and update.effective_chat.type == "private"


async def cmd_sources(update: Update, context: Ctx) -> None:
    admin = _admin(update, context)
    detail = admin and _private(update)
    health = await blocking(context.bot_data.service.sources, detail)
    pages = compose_chat.sources(health)
    if admin and not detail:
        pages[-1] += f"\n\n{messages.SOURCES_IN_PRIVATE}"
    await reply(update, context, pages)


async def cmd_settings(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    service = context.bot_data.service
    args = context.args or []
    if len(args) >= 2:
        if not await may_change(update, context):
            return
        change = await blocking(service.change_setting, chat.id, args[0], " ".join(args[1:]))
        if change.changed:
            await schedule(context.application, chat.id)
        await reply(update, context, [compose_chat.change(change)])
        return
    if args:
        await reply(update, context, [messages.SETTINGS_USAGE])
        return
    if not await blocking(service.known, chat.id):
        await reply(update, context, [compose_chat.NOT_SUBSCRIBED])
        return
    settings = await blocking(service.settings, chat.id)
    await reply(update, context, [compose_chat.settings(settings)],
                reply_markup=messages.settings_keyboard())


async def on_settings_button(update: Update, context: Ctx) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None:
        return
    if chat is None or not query.data:  # e.g. a button of an inline message
        await query.answer(messages.NOT_CHANGED)
        return
    _, name, value = [*query.data.split(":", 2), "", ""][:3]
    if not await may_change(update, context):
        return
    change = await blocking(context.bot_data.service.change_setting, chat.id, name, value)
    said = messages.SAVED if change.changed else (
        compose_chat.NOT_SUBSCRIBED if change.refused == "not_subscribed"
        else messages.NOT_CHANGED)  # a chat that never subscribed is told how to
    try:
        await query.answer(said)
    except BadRequest as exc:  # "query is too old": the change is saved all the same,
        log.info("button press not answered: %s", exc)  # so the message still shows it
    if change.changed:
        await schedule(context.application, chat.id)
        try:
            await query.edit_message_text(compose_chat.change(change),
                                          reply_markup=messages.settings_keyboard())
        except BadRequest as exc:  # "message is not modified" and the like
            log.info("settings message not edited: %s", exc)


async def cmd_filter(update: Update, context: Ctx) -> None:
    chat = update.effective_chat
    assert chat is not None
    args = context.args or []
    action = args[0].lower() if args else "list"
    if action not in READ_FILTERS and not await may_change(update, context):
        return  # add, remove (rm, del), clear; a mistyped action is told its usage then
    change = await blocking(context.bot_data.service.change_filter, chat.id, action,
                            " ".join(args[1:]))
    await reply(update, context, [compose_chat.change(change)])


async def cmd_status(update: Update, context: Ctx) -> None:
    if not _admin(update, context):
        await reply(update, context, [messages.ADMINS_ONLY])
        return
    if not _private(update):
        await reply(update, context, [messages.STATUS_IN_PRIVATE])
        return
    status = await blocking(context.bot_data.service.status,
                            next_digests(context.application))
    await reply(update, context, compose_chat.status(status))


async def cmd_help(update: Update, context: Ctx) -> None:
    await reply(update, context, [messages.help_text((c.name, c.help) for c in COMMANDS)])


async def on_my_membership(update: Update, context: Ctx) -> None:
    """The bot's own membership changed: removed from a group (or the group deleted), or
    blocked in a private chat. The chat is unsubscribed now, not at its next digest (which
    Telegram would refuse); being added sends nothing unasked."""
    change = update.my_chat_member
    if change is None:
        return
    member = change.new_chat_member
    gone = member.status in (ChatMember.LEFT, ChatMember.BANNED) or (
        member.status == ChatMember.RESTRICTED and not getattr(member, "is_member", True))
    if not gone:
        return
    chat_id = change.chat.id
    remove_digest_job(context.application, chat_id)
    if await blocking(context.bot_data.service.unsubscribe, chat_id):
        log.warning("chat %s removed or blocked the bot (%s): unsubscribed", chat_id,
                    member.status)


async def on_unknown_button(update: Update, context: Ctx) -> None:
    """A button the bot does not know (an old keyboard, a forged press): answered, so that
    the client stops waiting, and nothing changes."""
    if update.callback_query is not None:
        await update.callback_query.answer(messages.NOT_CHANGED)


async def cmd_unknown(update: Update, context: Ctx) -> None:
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    _, at, bot_name = command.partition("@")
    if at and bot_name.lower() != (context.bot.username or "").lower():
        return  # a command for another bot of the group
    await reply(update, context, [messages.UNKNOWN_COMMAND])


class Command(NamedTuple):
    name: str
    callback: Callable[[Update, Ctx], Coroutine[Any, Any, None]]
    help: str


# Every command once, in menu order: registered as a handler, listed in the menu
# (setMyCommands) and in /help.
COMMANDS = (
    Command("start", cmd_start, "subscribe this chat to the daily digest"),
    Command("digest", cmd_digest, "the briefing now"),
    Command("latest", cmd_latest, "the newest stories: /latest 10"),
    Command("story", cmd_story, "a story in full: /story 12"),
    Command("original", cmd_original, "a story in Arabic: /original 12"),
    Command("ask", cmd_ask, "ask the articles: /ask who attacked Sirte?"),
    Command("sources", cmd_sources, "sources and their health"),
    Command("settings", cmd_settings, "digest time, time zone, length"),
    Command("filter", cmd_filter, "keywords: /filter add Misrata"),
    Command("status", cmd_status, "model, articles, pending work (admins)"),
    Command("stop", cmd_stop, "unsubscribe"),
    Command("help", cmd_help, "what I can do"),
)
