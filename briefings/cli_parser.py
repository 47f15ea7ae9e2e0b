"""The ``briefings`` command line: the options and commands, built from light modules only
(``cli`` holds what the commands do). --config and -v are accepted before the command word
and after it; commands of other packages come from entry points."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Config

log = logging.getLogger(__name__)
Command = Callable[["Config", argparse.Namespace], int]


OFFLINE_HELP = "never download a translation model (translate.auto_install off)"


def command_word(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (after the global options), if any."""
    rest = list(argv)
    while rest and rest[0].startswith("-"):
        if rest.pop(0) in ("--config", "-c") and rest:
            rest.pop(0)
    return rest[0] if rest else None


def _hours(value: str) -> int:
    """--hours: a whole number of hours from 1 to ten years' worth."""
    try:
        hours = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if not 1 <= hours <= 87_600:
        raise argparse.ArgumentTypeError(f"expected 1 to 87600 hours, got {value}")
    return hours


def _path(value: str) -> str:
    """--config, --source: a path; an empty one ("$UNSET") would quietly mean the default or
    the current directory."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return value


def common_options(top: bool = False) -> argparse.ArgumentParser:
    """--config and -v, accepted before the command word and after it (a parent parser of
    the top parser and of every command). Only the top one has defaults: a command that is
    not given them leaves what came before the command word alone."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", "-c", default=None if top else argparse.SUPPRESS, type=_path,
                        help="config file (default: ./config.yaml or $BRIEFINGS_CONFIG)")
    common.add_argument("-v", "--verbose", action="count",
                        default=0 if top else argparse.SUPPRESS,
                        help="more log lines (-vv: debug)")
    return common


def build(commands: Mapping[str, Command], plugins: bool = True) -> argparse.ArgumentParser:
    """The parser; each command's ``func`` is ``commands[name]``."""
    p = argparse.ArgumentParser(prog="briefings", description=__doc__,
                                parents=[common_options(top=True)])
    common = common_options()
    sub = p.add_subparsers(dest="cmd", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], help=help)

    d = command("dry-run", help="ingest, translate, summarise and print the messages that "
                                "would be sent (no Telegram token needed)")
    d.add_argument("--source", action="append", metavar="PATH", type=_path,
                   help="a folder to read instead of the configured sources (repeatable)")
    d.add_argument("--format", choices=["html", "text", "json"],
                   help="json: one JSON object on stdout (see the README)")
    d.add_argument("--summary-only", action="store_true",
                   help="stop after the briefing; leave the rest of the articles pending")
    d.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    d.set_defaults(func=commands["dry-run"])

    i = command("ingest", help="read the sources and translate new articles")
    i.add_argument("--source", action="append", metavar="PATH", type=_path)
    i.add_argument("--offline", action="store_true", help=OFFLINE_HELP)
    i.set_defaults(func=commands["ingest"])

    g = command("digest", help="compose a briefing from what is stored")
    g.add_argument("--dry-run", action="store_true", help="print it instead of sending")
    g.add_argument("--hours", type=_hours, help="window (default: digest.window_hours)")
    g.add_argument("--format", choices=["html", "text", "json"],
                   help="json: one JSON object on stdout (see the README)")
    g.set_defaults(func=commands["digest"])

    m = command("models", help="list or install translation packages")
    msub = m.add_subparsers(dest="models_cmd", required=True)
    msub.add_parser("list", parents=[common], help="installed language packages")
    inst = msub.add_parser("install", parents=[common],
                           help="install ar->en from the Argos index, or FILE")
    inst.add_argument("file", nargs="?", help="a local .argosmodel file (air-gapped servers)")
    m.set_defaults(func=commands["models"])

    a = command("ask", help="answer a question from the stored articles")
    a.add_argument("question", nargs="+")
    a.add_argument("--format", choices=["html", "text", "json"], default="text",
                   help="text (default), html, or one JSON object: {question, found, "
                        "sentences: [{ar, en, url, story_id, score}]}")
    a.set_defaults(func=commands["ask"])
    if plugins:
        _plugins(sub, common)
    return p


def _plugins(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Commands from other packages via entry points (group ``briefings.commands``), so the
    core never imports them: each entry point names a light function that adds its command
    (``register(sub, common)``) and imports its package's heavy modules only when the
    command runs (the bot's `run`: bot/cli.py)."""
    for ep in entry_points(group="briefings.commands"):
        try:
            ep.load()(sub, common)
        except ImportError as exc:
            log.warning("command %s unavailable: %s", ep.name, exc)
