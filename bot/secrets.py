"""The bot token: where it comes from, and keeping it out of every output.

Log records are redacted after formatting (message, arguments, exception text and stack
all at once), on every root handler; uncaught exceptions in the main thread, in other
threads and in finalizers go through redacting hooks as the last line of defence.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

from telegram.error import TelegramError

from briefings.config import Config
from briefings.errors import BriefingsError, TokenMissing

MASK = "[token]"
TOKEN_FORMAT = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}")


class TokenRejected(BriefingsError):
    """The Bot API answered 401/404 to getMe: the token is wrong or revoked."""

    exit_code = 2

    def __init__(self, where: str) -> None:
        super().__init__(f"the bot token was rejected by the Bot API at {where}")


def load_token(cfg: Config) -> str:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        return _checked(token, "TELEGRAM_BOT_TOKEN")
    if cfg.telegram.token_file:
        path = cfg.resolve(cfg.telegram.token_file)
        try:
            st = path.stat()
        except OSError as exc:
            raise TokenMissing(f"telegram.token_file {path}: {exc.strerror}") from None
        if not stat.S_ISREG(st.st_mode):
            what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise TokenMissing(f"telegram.token_file {path} is {what}: name a file of mode 0600 "
                               "holding the token")
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise TokenMissing(f"telegram.token_file {path} is readable by others: "
                               f"chmod 600 {path}")
        try:
            token = path.read_text(encoding="utf-8-sig").strip()  # a BOM: Notepad's
        except OSError as exc:
            raise TokenMissing(f"telegram.token_file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise TokenMissing(f"telegram.token_file {path} is not a text file") from None
        if token:
            return _checked(token, f"telegram.token_file {path}")
    raise TokenMissing("no Telegram bot token: set TELEGRAM_BOT_TOKEN or telegram.token_file "
                       "(a file of mode 0600 holding the token)")


def _checked(token: str, where: str) -> str:
    """A token goes into every request URL: one that is not ``digits:letters`` (a pasted
    line with spaces, quotes, a second line) is refused here, without echoing it."""
    if not TOKEN_FORMAT.fullmatch(token):
        raise TokenMissing(f"the bot token in {where} is malformed: expected the form "
                           "123456789:AAE... that @BotFather gives")
    return token


def secrets_of(token: str) -> list[str]:
    """The strings to mask: the token (also URL-encoded) and its secret half."""
    found = [token, quote(token, safe=""), token.partition(":")[2]]
    return sorted({s for s in found if len(s) >= 6}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    """Formats with the handler's own formatter, then masks the token in the whole text
    (the message, its arguments, exception text and stack info)."""

    def __init__(self, inner: logging.Formatter | None, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secrets)


class TelegramErrorsOneLine(logging.Filter):
    """A Telegram error logged with its traceback (python-telegram-bot does so when a flood
    wait outlasts its retries, or polling meets a rejected token) becomes one line: the
    message and the error. These are the Bot API's answers, not bugs; other exceptions keep
    their tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        garbled = (isinstance(exc, ValueError) and record.name.startswith("telegram.")
                   and "invalid JSON" in str(record.msg))
        if isinstance(exc, TelegramError) or garbled:  # garbled: the Bot API's answer was
            # not JSON (python-telegram-bot logs it, then raises a TelegramError we log)
            text = " ".join(str(exc).split())[:300] or type(exc).__name__
            record.msg, record.args = f"{record.getMessage()} ({text})", None
            record.exc_info = record.exc_text = None
        return True


def protect_output(token: str) -> None:
    """Mask the token in all logging and in uncaught-exception reports; Telegram errors are
    logged in one line."""
    secrets = secrets_of(token)
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter, secrets))
        if not any(isinstance(f, TelegramErrorsOneLine) for f in handler.filters):
            handler.addFilter(TelegramErrorsOneLine())
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    def excepthook(kind: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(redact(text, secrets))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        sys.stderr.write(redact(f"Exception in thread {name}:\n{text}", secrets))

    def unraisable_hook(args: Any) -> None:
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        sys.stderr.write(redact(f"{args.err_msg or 'Exception ignored'}: {args.object!r}\n"
                                f"{text}", secrets))

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook
