"""Config validation beyond types: ranges, URLs, files, engines and names.

Every value that would crash a run later, or quietly do something else than it says,
is refused at load with the key and what is expected (``ConfigError``, exit code 2).
The limits are documented next to each option in ``config.yaml``.
"""

from __future__ import annotations

import math
import os
import re
import stat
from typing import Any
from urllib.parse import urlsplit

from .config import Config
from .errors import ConfigError

YEARS_1000_DAYS = 365_000  # longer windows reach before year 1 and crash date arithmetic

# key: (least, most) for whole numbers
WHOLE: dict[str, tuple[int, int]] = {
    "ingest.max_chars": (1, 10_000_000),
    "ingest.min_chars": (1, 1_000_000),
    "ingest.full_text_below": (0, 10_000_000),  # 0 = never fetch an entry's page
    "ingest.max_fetch_bytes": (1, 2**31 - 1),
    "ingest.learn_min_articles": (2, 1_000_000),  # 1 would make every line boilerplate
    "ingest.learn_window": (2, 1_000_000),
    "translate.batch_size": (1, 100_000),
    "translate.beam_size": (1, 64),
    "translate.inter_threads": (1, 256),
    "translate.intra_threads": (0, 256),  # 0 = automatic
    "translate.max_decoding_length": (1, 100_000),
    "translate.chunk_size": (1, 1_000_000),
    "summarize.sentences": (1, 100),
    "summarize.min_words": (0, 1_000),  # 0 = every sentence is a candidate
    "summarize.max_words": (0, 100_000),  # 0 = no limit
    "summarize.lead_sentences": (1, 1_000),
    "summarize.max_candidates": (1, 10_000),  # the summariser's cost is quadratic in it
    "summarize.story_window_days": (0, YEARS_1000_DAYS),  # 0 = only articles of one run
    "summarize.story_shared_terms": (0, 1_000),
    "summarize.story_link_terms": (1, 1_000),
    "summarize.story_lead_terms": (0, 100_000),
    "digest.window_hours": (1, YEARS_1000_DAYS * 24),
    "digest.max_stories": (1, 1_000),
    "answer.days": (1, YEARS_1000_DAYS),
    "answer.top": (1, 50),
    "schedule.poll_every": (1, 366 * 86_400),
    "schedule.misfire_grace_time": (1, 86_400),  # the scheduler refuses 0
}
# key: (least, most, least is excluded) for numbers
NUMBER: dict[str, tuple[float, float, bool]] = {
    "ingest.latin_ratio": (0.0, 1.0, False),
    "ingest.fetch_timeout": (0.0, 3_600.0, True),
    "ingest.learn_share": (0.0, 1.0, True),
    "summarize.duplicate_similarity": (0.0, 1.0, False),
    "summarize.position_decay": (0.0, 100.0, False),  # 0 = place in the article ignored
    "summarize.central_weight": (1.0, 100.0, False),  # 1 = central article not favoured
    "summarize.story_similarity": (0.0, 1.0, False),
    "summarize.story_best_similarity": (0.0, 1.0, False),
    "summarize.story_link_similarity": (0.0, 1.0, False),
    "summarize.story_rare_share": (0.0, 1.0, False),
    "summarize.story_headline_weight": (0.0, 1_000.0, True),
    "summarize.story_lead_weight": (0.0, 1_000.0, True),
    "summarize.story_time_scale_hours": (0.0, YEARS_1000_DAYS * 24.0, False),  # 0 = off
    "answer.min_match": (0.0, 1.0, False),
    "telegram.startup_retry_seconds": (0.0, 86_400.0, False),
}
TITLE_MAX = 200  # characters; the title heads every digest message
CHAT_ID_MAX = 2**63 - 1  # SQLite integers


def value_at(cfg: Config, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(cfg, section), name)


def check(cfg: Config) -> None:
    """Raise ``ConfigError`` for the first value that is out of range or unusable."""
    _check_sources(cfg)
    for key, (least, most) in WHOLE.items():
        value = value_at(cfg, key)
        if not least <= value <= most:
            raise ConfigError(key, f"expected a whole number from {least} to {most}, "
                                   f"got {value!r}")
    for key, (low, high, open_low) in NUMBER.items():
        value = value_at(cfg, key)
        ok = math.isfinite(value) and (low < value if open_low else low <= value) \
            and value <= high
        if not ok:
            span = f"above {low:g} and at most {high:g}" if open_low \
                else f"between {low:g} and {high:g}"
            raise ConfigError(key, f"expected a number {span}, got {value!r}")
    if cfg.ingest.max_chars < cfg.ingest.min_chars:
        raise ConfigError("ingest.max_chars", f"expected at least ingest.min_chars "
                                              f"({cfg.ingest.min_chars}), got "
                                              f"{cfg.ingest.max_chars}")
    _check_ingest(cfg)
    _check_translate(cfg)
    _check_summarize(cfg)
    if not cfg.digest.title.strip() or len(cfg.digest.title) > TITLE_MAX:
        raise ConfigError("digest.title", f"expected a title of 1 to {TITLE_MAX} characters, "
                                          f"got {len(cfg.digest.title)}")
    if not cfg.digest.title.isprintable():  # it heads every message, on one line
        raise ConfigError("digest.title", f"expected one line of printable characters, got "
                                          f"{cfg.digest.title!r}")
    for key in ("store.path", "translate.packages_dir", "telegram.token_file"):
        value = value_at(cfg, key)
        if value is not None and not value.strip():  # would silently mean the default
            raise ConfigError(key, f"expected a path, or null for the default; got {value!r}")
    _check_time(cfg.schedule.digest_time, "schedule.digest_time")
    _check_timezone(cfg.schedule.timezone, "schedule.timezone")
    _check_telegram(cfg)
    _check_store(cfg)


def _check_sources(cfg: Config) -> None:
    names = set()
    for i, src in enumerate(cfg.sources):
        key = f"sources[{i}]"
        if not src.name.strip() or not src.name.isprintable():
            raise ConfigError(f"{key}.name", f"expected a name of printable characters, "
                                             f"got {src.name!r}")
        if src.name in names:
            raise ConfigError(f"{key}.name", f"duplicate source name {src.name!r}")
        names.add(src.name)
        if src.type == "folder":
            if not src.path:
                raise ConfigError(f"{key}.path", "a folder source needs a path")
            if src.url is not None:
                raise ConfigError(f"{key}.url", "only rss sources have a url (this one is a "
                                                "folder: remove url, or set type: rss)")
        else:
            if not src.url:
                raise ConfigError(f"{key}.url", "an rss source needs a url")
            if src.path is not None:
                raise ConfigError(f"{key}.path", "only folder sources have a path (this one "
                                                 "is rss: remove path, or set type: folder)")
            _check_url(src.url, f"{key}.url")


def _check_url(url: str, key: str, *, for_api: bool = False) -> None:
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
        elif any(c.isspace() or not c.isprintable() for c in url):
            why = "spaces or control characters"
        elif for_api and (parts.query or parts.fragment):
            why = "no query or fragment: the token is added at the end"
        elif for_api and re.sub(r"\{(token|TOKEN)\}", "", url).count("{"):
            why = "braces other than {token}"
    if why:
        raise ConfigError(key, f"expected an http(s) URL like https://example.com/path "
                               f"({why}), got {url!r}")


def _check_ingest(cfg: Config) -> None:
    agent = cfg.ingest.user_agent
    if not agent.strip() or not agent.isascii() or not agent.isprintable():
        raise ConfigError("ingest.user_agent", f"expected printable ASCII text (an HTTP "
                                               f"header), got {agent!r}")
    for i, pattern in enumerate(cfg.ingest.boilerplate):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"ingest.boilerplate[{i}]", f"invalid regex: {exc}") from None
    if cfg.ingest.learn_window < cfg.ingest.learn_min_articles:
        raise ConfigError("ingest.learn_window", f"expected at least ingest.learn_min_articles "
                                                 f"({cfg.ingest.learn_min_articles}), got "
                                                 f"{cfg.ingest.learn_window}")
    for name, value in cfg.ingest.outlets.items():
        names = [value] if isinstance(value, str) else [value.ar, value.en]
        if not name.strip() or not any(n and n.strip() for n in names) \
                or any(n is not None and not n.strip() for n in names):
            raise ConfigError(f"ingest.outlets.{name}", f"expected a display name (text, or "
                                                        f"{{ar: ..., en: ...}}), got {value!r}")


def _check_translate(cfg: Config) -> None:
    from .translate import TRANSLATORS  # here: translate imports config

    t = cfg.translate
    if t.engine not in TRANSLATORS:
        raise ConfigError("translate.engine", f"unknown engine {t.engine!r} (expected one of: "
                                              f"{', '.join(sorted(TRANSLATORS))})")
    for key, code in (("translate.from", t.from_code), ("translate.to", t.to_code)):
        if not re.fullmatch(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?", code):
            raise ConfigError(key, f"expected a language code like 'ar' or 'en', got {code!r}")
    if t.from_code == t.to_code:
        raise ConfigError("translate.to", f"expected a language other than translate.from "
                                          f"({t.from_code!r})")
    if t.packages_dir:
        path = cfg.resolve(t.packages_dir)
        if path.exists() and not path.is_dir():
            raise ConfigError("translate.packages_dir", f"expected a directory, {path} is a "
                                                        f"file")
    if t.compute_type != "auto":
        import ctranslate2

        supported = sorted(ctranslate2.get_supported_compute_types("cpu"))
        if t.compute_type not in supported:
            raise ConfigError("translate.compute_type", f"expected auto or one of "
                                                        f"{', '.join(supported)} (what "
                                                        f"CTranslate2 supports on this CPU), "
                                                        f"got {t.compute_type!r}")


def _check_summarize(cfg: Config) -> None:
    from .summarize import SUMMARIZERS

    s = cfg.summarize
    if s.engine not in SUMMARIZERS:
        raise ConfigError("summarize.engine", f"unknown summarizer {s.engine!r} "
                                              f"(expected one of: "
                                              f"{', '.join(sorted(SUMMARIZERS))})")
    if s.max_words and s.max_words < s.min_words:
        raise ConfigError("summarize.max_words", f"expected 0 (no limit) or at least "
                                                 f"summarize.min_words ({s.min_words}), got "
                                                 f"{s.max_words}")


def _check_time(value: str, key: str) -> None:
    from .schedule_util import parse_hhmm

    try:
        parse_hhmm(value)
    except ValueError as exc:
        raise ConfigError(key, f"expected a time HH:MM, got {value!r}") from exc


def _check_timezone(value: str, key: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: 'America' (a dir)
        raise ConfigError(key, f"expected an IANA time zone like 'Africa/Tripoli', "
                               f"got {value!r}") from exc


def _check_telegram(cfg: Config) -> None:
    tg = cfg.telegram
    if tg.base_url is not None:
        _check_url(tg.base_url, "telegram.base_url", for_api=True)
    for i, chat in enumerate(tg.allowed_chats):  # groups and channels are negative
        if chat == 0 or abs(chat) > CHAT_ID_MAX:
            raise ConfigError(f"telegram.allowed_chats[{i}]", f"expected a chat id (a non-zero "
                                                              f"whole number), got {chat}")
    for i, user in enumerate(tg.admins):  # users are positive: another id never matches
        if not 0 < user <= CHAT_ID_MAX:
            raise ConfigError(f"telegram.admins[{i}]", f"expected a user id (a positive whole "
                                                       f"number), got {user}")
    if tg.token_file:
        _check_token_file(cfg.resolve(tg.token_file))


def _check_token_file(path: os.PathLike[str]) -> None:
    """A token file that exists must be a readable regular file. A missing one is reported
    when the bot starts (dry runs need no token)."""
    key = "telegram.token_file"
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(key, f"cannot read {path} ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise ConfigError(key, f"{path} is a directory: expected the file holding the bot token")
    if not stat.S_ISREG(mode):
        raise ConfigError(key, f"{path} is not a regular file: expected the file holding the "
                               f"bot token")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ConfigError(key, f"cannot read {path} ({exc.strerror})") from None


def _check_store(cfg: Config) -> None:
    if cfg.store.path and cfg.db_path.is_dir():
        raise ConfigError("store.path", f"{cfg.db_path} is a directory: expected a database "
                                        f"file, e.g. {cfg.db_path / 'briefings.sqlite3'}")
