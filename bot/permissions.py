"""Who may change a chat's digest (subscribe, stop it, its settings and keywords).

In a private chat, its user. In a channel, whoever posts: only its admins can post (a
channel post has no sender at all). In a group, its creator and administrators (the Bot
API's getChatMember), an anonymous admin (a message sent as the group itself), and the
users in ``telegram.admins``; any other member reads (the digest, questions, /settings
without arguments) and is told in one line that only the admins change it. A settings
button pressed in a group or a channel is checked the same way, for the user who
pressed it (a channel's readers can press its buttons too).

Telegram's notion, so it lives here and not in the core; nothing is cached: a member
made admin (or no longer one) counts at once. If Telegram cannot say (the call fails, or
its answer cannot be read: a Bot API server without getChatMember), the check is skipped
and the log says so, as before there was one: a member cannot cause that, and a group's
digest must not stop obeying everyone because one server lacks a method.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from . import messages
from .context import Ctx
from .delivery import reply

log = logging.getLogger(__name__)
_ADMINS = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


async def may_change(update: Update, context: Ctx) -> bool:
    """Whether the sender may change this chat's digest; when not, they are told why (a
    button press in an alert) and False is returned."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if update.channel_post is not None:
        return True  # only a channel's admins post in it
    message = update.message
    if message is not None and message.sender_chat is not None:
        # as the group itself: an anonymous admin; as a (linked) channel: no member at all
        if message.sender_chat.id == chat.id:
            return True
        await _refuse(update, context, messages.GROUP_ADMINS_ONLY)
        return False
    user = update.effective_user
    if user is None:
        return False
    if context.bot_data.service.is_admin(user.id):
        return True
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
        status = member.status
    except Exception as exc:  # refused, or an answer this library cannot read (a field it
        # requires missing, or no member at all)
        log.warning("chat %s: could not check whether user %s is an admin (%s: %s); the "
                    "change is allowed", chat.id, user.id, type(exc).__name__,
                    " ".join(str(exc).split())[:200])
        return True
    if status in _ADMINS:
        return True
    await _refuse(update, context, messages.GROUP_ADMINS_ONLY)
    return False


async def _refuse(update: Update, context: Ctx, line: str) -> None:
    query = update.callback_query
    if query is None:
        await reply(update, context, [line])
        return
    try:
        await query.answer(line, show_alert=True)
    except TelegramError as exc:  # "query is too old": nothing changed all the same
        log.info("button press not answered: %s", exc)
