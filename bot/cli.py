"""``briefings run``, declared without importing the bot: the entry point (group
``briefings.commands``) loads this module for every command's parser, and only `run`
imports python-telegram-bot (~0.7 s)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from briefings.errors import BriefingsError

if TYPE_CHECKING:
    from briefings.config import Config


class BotUnavailable(BriefingsError):
    """python-telegram-bot (or a part of the bot) cannot be imported."""


def register_cli(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="run the Telegram bot: polling, digests, "
                                                     "commands")
    p.add_argument("--offline", action="store_true",
                   help="never download a translation model (translate.auto_install off)")
    p.set_defaults(func=run)


def run(cfg: Config, args: argparse.Namespace) -> int:
    try:
        from . import app  # deliberately here: only this command needs the bot
    except ImportError as exc:  # a broken install: one line, not a traceback
        raise BotUnavailable(f"the Telegram bot cannot start: {exc}") from None
    return app.run(cfg)

