"""The bot's own wording: help, refusals, prompts and the settings buttons. What the core
returns is rendered by ``briefings.compose_chat``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

PRIVATE = ("Sorry, this bot is private: this chat is not on its list. Ask its operator to "
           "add it.")
PRIVATE_BUTTON = "Sorry, this bot is private."
UNKNOWN_COMMAND = ("I don't know that command. /help lists what I can do; any other message "
                   "is a question for the articles.")
SETTINGS_USAGE = ("Use /settings time 07:30, /settings tz Africa/Tripoli, /settings stories 5 "
                  "or /settings sentences 3.")
ADMINS_ONLY = "/status is for the bot's admins."
STATUS_IN_PRIVATE = ("/status lists every subscribed chat: ask for it in a private chat with "
                     "me, not in a group.")
SOURCES_IN_PRIVATE = ("<i>Where each source reads from and its errors: /sources in a private "
                      "chat with me.</i>")
SORRY = ("Sorry, I can't answer right now: something is wrong on the server. Its operator "
         "can see what in the bot's log.")
SAVED, NOT_CHANGED = "Saved", "Not changed"
GROUP_ADMINS_ONLY = "Only this chat's admins can change its digest."


def which_story(command: str) -> str:
    return f"Which story? /{command} <i>id</i> (ids are in /latest and in digests)."


def help_text(commands: Iterable[tuple[str, str]]) -> str:
    """/help: what the bot is, and each command (name, what it does) in menu order."""
    lines = ["<b>Arabic press briefing</b>: Arabic news, translated offline, summarised "
             "with sources.", ""]
    lines += [f"/{name} — {desc}" for name, desc in commands]
    lines.append("\nAny other message is a question for the articles.")
    return "\n".join(lines)


def settings_keyboard() -> InlineKeyboardMarkup:
    def row(name: str, values: Sequence[str], label: str) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(f"{label} {v}", callback_data=f"set:{name}:{v}")
                for v in values]

    return InlineKeyboardMarkup([
        row("time", ["06:00", "07:00", "08:00", "18:00"], "⏰"),
        row("stories", ["3", "5", "10"], "stories"),
        row("sentences", ["2", "3", "5"], "sentences"),
    ])
