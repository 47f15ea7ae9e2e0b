"""Errors a user can hit, each with a message that says what to do."""

from __future__ import annotations


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
