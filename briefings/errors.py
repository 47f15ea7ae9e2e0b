"""Errors a user can hit, each with a message that says what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class BriefingsError(Exception):
    """Base class: the CLI prints the message and exits with ``exit_code``."""

    exit_code = 1


class ConfigError(BriefingsError):
    """The configuration file is malformed or has a bad key or value."""

    exit_code = 2

    def __init__(self, key: str, expected: str, source: str = "config") -> None:
        self.key = key
        self.expected = expected
        super().__init__(f"{source}: {key}: {expected}")


class ModelNotInstalled(BriefingsError):
    """No translation package for the language pair is installed."""

    def __init__(self, from_code: str = "ar", to_code: str = "en") -> None:
        super().__init__(
            f"No {from_code}->{to_code} translation model installed: run "
            f"'briefings models install' (or 'briefings models install FILE.argosmodel' "
            f"offline); untranslated sentences stay pending until then."
        )


class ModelInstallError(BriefingsError):
    """A package file or the package index could not be used."""


class UnreadableArticle(BriefingsError):
    """A file or page could not be decoded into article text."""


class SourceError(BriefingsError):
    """A source (folder or feed) could not be read this time."""


class TokenMissing(BriefingsError):
    """The Telegram bot token is not configured."""

    exit_code = 2


class StoreError(BriefingsError, sqlite3.DatabaseError):
    """The SQLite store cannot be opened, read or written: not a database, damaged, read-only,
    disk full. One line naming the file, the cause and what to do. Also a
    ``sqlite3.DatabaseError``, so code that lets store faults through (ingest's per-item
    isolation) lets this through too."""

    def __init__(self, path: str | Path, cause: str, advice: str) -> None:
        from .text import printable  # a path with a newline or ESC is printed escaped

        self.path = Path(path)
        super().__init__(printable(f"store {path}: {cause}; {advice}"))

    @classmethod
    def from_sqlite(cls, path: str | Path, exc: BaseException) -> StoreError | None:
        """The fault behind an SQLite error, or None when it is not one (a programming error
        such as a constraint violation stays what it is)."""
        if isinstance(exc, StoreError):
            return exc
        if not isinstance(exc, sqlite3.DatabaseError):
            return None
        msg = str(exc)
        for pattern, cause, advice in _STORE_FAULTS:
            if pattern in msg.lower():
                return cls(path, f"{cause} ({msg})", advice.format(dir=Path(path).parent))
        return None


_ASIDE = "move it aside or set store.path to another file"
_STORE_FAULTS = [  # (SQLite message, cause, what to do)
    ("not a database", "not an SQLite database", _ASIDE),
    ("malformed", "the file is damaged or truncated",
     "restore it from a backup, or move it aside (or set store.path to another file) to "
     "start a new store"),
    ("disk is full", "the disk is full",
     "free some space and run again (what was stored before is kept)"),
    ("readonly database", "cannot write to it",
     "make the file and its directory {dir} writable for this user, or set store.path to "
     "another file"),
    ("unable to open database file", "cannot open it",
     "check that its directory {dir} exists and is writable for this user, or set store.path "
     "to another file"),
    ("disk i/o error", "the disk failed to read or write it",
     "check the disk and the file system, then run again"),
    ("database is locked", "another process holds it locked",
     "wait for the other briefings process to finish, then run again"),
]


class ModelUnusable(BriefingsError):
    """The installed translation package is there but cannot be loaded (broken files)."""

    def __init__(self, from_code: str, to_code: str, path: object, reason: str) -> None:
        super().__init__(
            f"the {from_code}->{to_code} package at {path} cannot be loaded: {reason}; "
            f"reinstall it with 'briefings models install'"
        )


class FetchError(BriefingsError):
    """A feed or page could not be fetched: refused link, HTTP error, too slow, too large."""
