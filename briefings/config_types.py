"""The config schema's building blocks: strict scalar types, validators with the messages
``config_check`` reports (``Bad``), and the limits shared by several options."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, Strict

DIGEST_DAYS = 7  # a chat's digest looks back at most this far (its articles, its updates)
YEARS_1000_DAYS = 365_000  # longer windows reach before year 1 and crash date arithmetic
CHAT_ID_MAX = 2**63 - 1  # SQLite integers
TITLE_MAX = 200  # characters; the title heads every digest message


class _Short(reprlib.Repr):
    """reprlib's bounded repr, also for what it would render whole: bytes (``!!binary``)
    and integers past Python's digit limit (whose repr raises)."""

    def repr_bytes(self, x: bytes, level: int) -> str:
        return repr(x[:self.maxstring]) + ("..." if len(x) > self.maxstring else "")

    def repr_int(self, x: int, level: int) -> str:
        try:
            return super().repr_int(x, level)
        except ValueError:
            return f"<a whole number of about {x.bit_length() * 30103 // 100000} digits>"


_SHORT = _Short()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 2, 60, 60, 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = _SHORT.maxfrozenset = 4
SHOWN = 80  # characters: at most this much of a value is echoed in a message


def shown(value: Any) -> str:
    """A value as an error message echoes it: its repr, bounded (a YAML alias bomb expands
    to gigabytes; its message stays one short line)."""
    text = _SHORT.repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


class Bad(ValueError):
    """A value refused by a validator: ``why`` is what is expected; ``at`` names the part
    of the value (``url``, ``[2].name``) when the validator sees more than one."""

    def __init__(self, why: str, at: str = "") -> None:
        super().__init__(why)
        self.at = at


def check(test: Callable[[Any], Any], expected: str, sep: str = ",") -> AfterValidator:
    """A validator: ``test(value)`` is true and raises no ValueError, KeyError or OSError."""
    def validate(value: Any) -> Any:
        try:
            ok = test(value)
        except (ValueError, KeyError, OSError):  # KeyError: ZoneInfoNotFoundError
            ok = False  # OSError: ZoneInfo('America'), a directory
        if not ok:
            raise Bad(f"expected {expected}{sep} got {shown(value)}")
        return value
    return AfterValidator(validate)


def compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise Bad(f"invalid regex: {exc}") from None
    return pattern


def check_url(url: str, *, for_api: bool = False) -> str:
    """An http(s) URL with a host; the Bot API's base URL also takes no query or fragment
    (the token is appended to it)."""
    why = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        why = str(exc)
    else:
        if parts.scheme.lower() not in ("http", "https"):
            why = "the scheme must be http or https"
        elif not parts.hostname:
            why = "no host"
        elif parts.port == 0:  # no server listens there: every fetch would fail
            why = "port 0"
        elif any(c.isspace() or not c.isprintable() for c in url):
            why = "spaces or control characters"
        elif for_api and (parts.query or parts.fragment):
            why = "no query or fragment: the token is added at the end"
        elif for_api and re.sub(r"\{(token|TOKEN)\}", "", url).count("{"):
            why = "braces other than {token}"
    if why:
        raise Bad(f"expected an http(s) URL like https://example.com/path ({why}), "
                  f"got {shown(url)}")
    return url


Int = Annotated[int, Strict()]
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Text = Annotated[str, Strict()]
Bool = Annotated[bool, Strict()]


def plain_path(value: str) -> bool:
    """A path to print on one line: not blank, and no control, line-break or text-direction
    character (a newline in a path split every message naming it in two)."""
    from .text import printable

    return bool(value.strip()) and printable(value) == value


# null means the default, and so would an empty path: refused
PathOrNull = Annotated[Text | None, check(lambda v: v is None or v.strip(),
                                           "a path, or null for the default", sep=";"),
                       check(lambda v: v is None or plain_path(v),
                             "a path without control characters")]
Printable = Annotated[Text, check(lambda v: v.strip() and v.isprintable(),
                                   "a name of printable characters")]
LanguageCode = Annotated[Text, check(
    lambda v: re.fullmatch(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?", v),
    "a language code like 'ar' or 'en'")]
ChatId = Annotated[Int, check(lambda v: v != 0 and abs(v) <= CHAT_ID_MAX,  # groups: negative
                               "a chat id (a non-zero whole number)")]
UserId = Annotated[Int, check(lambda v: 0 < v <= CHAT_ID_MAX,  # another id never matches
                               "a user id (a positive whole number)")]
Schema = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)
