"""Configuration: a pydantic schema with each option's type and limits on its field.

Every option and its default (the same values) is documented in ``config.yaml``. A value
that would crash a run later, or quietly do something else than it says, is refused at
load with the key path and what is expected (``ConfigError``, exit code 2); the checks
against this machine (files, engines, CTranslate2) are in ``config_check``. Secrets never
live here: the bot token comes from ``TELEGRAM_BOT_TOKEN`` or ``telegram.token_file``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from platformdirs import user_data_dir
from pydantic import AfterValidator, Field, model_validator
from pydantic.dataclasses import dataclass

from .clock import parse_hhmm
from .config_types import (
    TITLE_MAX,
    YEARS_1000_DAYS,
    Bad,
    Bool,
    ChatId,
    Float,
    Int,
    LanguageCode,
    PathOrNull,
    Printable,
    Schema,
    Text,
    UserId,
    check,
    check_url,
    compiles,
    plain_path,
    shown,
)
from .errors import ConfigError

log = logging.getLogger(__name__)


@dataclass(frozen=True, config=Schema)
class Section:
    """A mapping in the config file; an empty one (``ingest:`` alone) means the defaults."""

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, data: Any) -> Any:
        return {} if data is None else data


@dataclass(frozen=True, config=Schema)
class SourceConfig(Section):
    name: Printable
    type: Literal["folder", "rss"]
    path: Text | None = None  # folder sources; relative to the config file
    url: Text | None = None  # rss sources
    outlet: Text | None = None  # display name when articles do not name their outlet
    enabled: Bool = True

    @model_validator(mode="after")
    def _path_or_url(self) -> SourceConfig:
        if self.type == "folder":
            if not self.path:
                raise Bad("a folder source needs a path", "path")
            if self.url is not None:
                raise Bad("only rss sources have a url (this one is a folder: remove url, "
                          "or set type: rss)", "url")
            if not plain_path(self.path):
                raise Bad(f"expected a path without control characters, got "
                          f"{shown(self.path)}", "path")
        elif not self.url:
            raise Bad("an rss source needs a url", "url")
        elif self.path is not None:
            raise Bad("only folder sources have a path (this one is rss: remove path, or "
                      "set type: folder)", "path")
        else:
            try:
                check_url(self.url)
            except Bad as exc:
                raise Bad(str(exc), "url") from None
        return self


@dataclass(frozen=True, config=Schema)
class StoreConfig(Section):
    path: PathOrNull = None
    keep_days: Int = Field(default=90, ge=0, le=YEARS_1000_DAYS)  # 0 = keep everything


@dataclass(frozen=True, config=Schema)
class OutletNames(Section):
    """An outlet's display names (``ingest.outlets``): Arabic and English."""

    ar: Text | None = None
    en: Text | None = None


@dataclass(frozen=True, config=Schema)
class IngestConfig(Section):
    max_chars: Int = Field(default=20000, ge=1, le=10_000_000)
    min_chars: Int = Field(default=80, ge=1, le=1_000_000)
    headline_only: Bool = True  # keep a short article as its headline alone (a brief)
    latin_ratio: Float = Field(default=0.5, ge=0, le=1)
    fetch_timeout: Float = Field(default=20.0, gt=0, le=3_600)
    user_agent: Annotated[Text, check(lambda v: v.strip() and v.isascii() and v.isprintable(),
                                       "printable ASCII text (an HTTP header)")] = \
        "briefings/0.1 (offline Arabic news briefings)"
    full_text_below: Int = Field(default=600, ge=0, le=10_000_000)  # 0 = never fetch pages
    max_fetch_bytes: Int = Field(default=10_000_000, ge=1, le=2**31 - 1)
    max_json_bytes: Int = Field(default=50_000_000, ge=1, le=2**40)
    boilerplate: list[Annotated[Text, AfterValidator(compiles)]] = Field(default_factory=list)
    outlets: dict[str, Text | OutletNames] = Field(default_factory=dict)
    learn_boilerplate: Bool = True
    learn_min_articles: Int = Field(default=5, ge=2, le=1_000_000)  # 1: all is boilerplate
    learn_share: Float = Field(default=0.2, gt=0, le=1)
    learn_window: Int = Field(default=500, ge=2, le=1_000_000)

    @model_validator(mode="after")
    def _consistent(self) -> IngestConfig:
        if self.max_chars < self.min_chars:
            raise Bad(f"expected at least ingest.min_chars ({self.min_chars}), got "
                      f"{self.max_chars}", "max_chars")
        if self.learn_window < self.learn_min_articles:
            raise Bad(f"expected at least ingest.learn_min_articles ({self.learn_min_articles})"
                      f", got {self.learn_window}", "learn_window")
        for name, value in self.outlets.items():
            names = [value] if isinstance(value, str) else [value.ar, value.en]
            if not name.strip() or not any(n and n.strip() for n in names) \
                    or any(n is not None and not n.strip() for n in names):
                raise Bad(f"expected a display name (text, or {{ar: ..., en: ...}}), got "
                          f"{shown(value)}", "outlets." + (name if len(name) <= 40
                                                            and name.isprintable()
                                                            else shown(name)))
        return self


@dataclass(frozen=True, config=Schema)
class TranslateConfig(Section):
    engine: Text = "argos"  # one of translate.TRANSLATORS (config_check)
    from_code: LanguageCode = Field(default="ar", alias="from")
    to_code: LanguageCode = Field(default="en", alias="to")
    packages_dir: PathOrNull = None
    auto_install: Bool = True  # install a package from the Argos index when none is installed
    device: Literal["auto", "cpu", "cuda"] = "auto"
    batch_size: Int = Field(default=0, ge=0, le=100_000)  # 0 = per device (device.BATCH)
    batch_type: Literal["examples", "tokens"] = "examples"
    beam_size: Int = Field(default=2, ge=1, le=64)
    inter_threads: Int = Field(default=2, ge=1, le=256)
    intra_threads: Int = Field(default=1, ge=0, le=256)  # 0 = automatic
    compute_type: Text = "auto"  # or one CTranslate2 supports here (config_check)
    max_decoding_length: Int = Field(default=256, ge=1, le=100_000)
    chunk_size: Int = Field(default=512, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _two_languages(self) -> TranslateConfig:
        if self.from_code == self.to_code:
            raise Bad(f"expected a language other than translate.from ({shown(self.from_code)})",
                      "to")
        return self


@dataclass(frozen=True, config=Schema)
class SummarizeConfig(Section):
    engine: Text = "lexrank"  # one of summarize.SUMMARIZERS (config_check)
    sentences: Int = Field(default=3, ge=1, le=100)
    more_outlets: Int = Field(default=3, ge=0, le=1_000)  # one more sentence from N outlets
    min_words: Int = Field(default=5, ge=0, le=1_000)  # 0 = every sentence is a candidate
    max_words: Int = Field(default=80, ge=0, le=100_000)  # 0 = no limit
    lead_sentences: Int = Field(default=4, ge=1, le=1_000)
    max_candidates: Int = Field(default=60, ge=1, le=10_000)  # cost: quadratic in it
    position_decay: Float = Field(default=0.3, ge=0, le=100)  # 0 = place ignored
    central_weight: Float = Field(default=1.2, ge=1, le=100)  # 1 = not favoured
    headline_coverage: Float = Field(default=2.0, ge=0, le=100)  # 0 = rank order only
    duplicate_similarity: Float = Field(default=0.6, ge=0, le=1)
    story_similarity: Float = Field(default=0.2, ge=0, le=1)  # mean cosine to the story
    story_best_similarity: Float = Field(default=0.5, ge=0, le=1)  # to its most similar ...
    story_shared_terms: Int = Field(default=1, ge=0, le=1_000)  # ... sharing rare terms
    story_link_similarity: Float = Field(default=0.3, ge=0, le=1)  # or this cosine ...
    story_link_terms: Int = Field(default=3, ge=1, le=1_000)  # ... and rare terms in leads
    story_rare_share: Float = Field(default=0.02, ge=0, le=1)  # "rare": in at most this share
    story_headline_weight: Float = Field(default=4.0, gt=0, le=1_000)
    story_lead_terms: Int = Field(default=50, ge=0, le=100_000)
    story_lead_weight: Float = Field(default=2.0, gt=0, le=1_000)
    story_time_scale_hours: Float = Field(default=24.0, ge=0, le=YEARS_1000_DAYS * 24)  # 0: off
    story_window_days: Int = Field(default=3, ge=0, le=YEARS_1000_DAYS)  # 0 = one run

    @model_validator(mode="after")
    def _word_limits(self) -> SummarizeConfig:
        if self.max_words and self.max_words < self.min_words:
            raise Bad(f"expected 0 (no limit) or at least summarize.min_words "
                      f"({self.min_words}), got {self.max_words}", "max_words")
        return self


def _title(value: str) -> str:
    if not value.strip() or len(value) > TITLE_MAX:
        raise Bad(f"expected a title of 1 to {TITLE_MAX} characters, got {len(value)}")
    if not value.isprintable():  # it heads every message, on one line
        raise Bad(f"expected one line of printable characters, got {shown(value)}")
    return value


@dataclass(frozen=True, config=Schema)
class DigestConfig(Section):
    window_hours: Int = Field(default=24, ge=1, le=YEARS_1000_DAYS * 24)
    max_stories: Int = Field(default=10, ge=1, le=1_000)
    format: Literal["html", "text"] = "html"
    title: Annotated[Text, AfterValidator(_title)] = "Arabic press briefing"


@dataclass(frozen=True, config=Schema)
class AnswerConfig(Section):
    days: Int = Field(default=7, ge=1, le=YEARS_1000_DAYS)
    top: Int = Field(default=3, ge=1, le=50)
    # share of the question's importance (rare terms that recur in the articles using them:
    # names, places, topics) the best passage must cover; below it the answer is "nothing".
    # Set with answer_rank's confidence factors and agreement weights over the six labelled
    # question days, each day held out in turn.
    min_match: Float = Field(default=0.55, ge=0, le=1)


@dataclass(frozen=True, config=Schema)
class ScheduleConfig(Section):
    poll_every: Int = Field(default=900, ge=1, le=366 * 86_400)
    digest_time: Annotated[Text, check(lambda v: parse_hhmm(v) or True, "a time HH:MM")] = \
        "07:00"
    timezone: Annotated[Text, check(ZoneInfo, "an IANA time zone like 'Africa/Tripoli'")] = \
        "UTC"
    misfire_grace_time: Int = Field(default=3600, ge=1, le=86_400)  # the scheduler refuses 0


@dataclass(frozen=True, config=Schema)
class TelegramConfig(Section):
    token_file: PathOrNull = None
    base_url: Annotated[Text, AfterValidator(lambda v: check_url(v, for_api=True))] | None = None
    allowed_chats: list[ChatId] = Field(default_factory=list)
    admins: list[UserId] = Field(default_factory=list)
    startup_retry_seconds: Float = Field(default=120.0, ge=0, le=86_400)


def _unique_names(sources: list[SourceConfig]) -> list[SourceConfig]:
    seen: set[str] = set()
    for i, src in enumerate(sources):
        if src.name in seen:
            raise Bad(f"duplicate source name {shown(src.name)}", f"[{i}].name")
        seen.add(src.name)
    return sources


@dataclass(frozen=True, config=Schema)
class Config(Section):
    store: StoreConfig = Field(default_factory=StoreConfig)
    sources: Annotated[list[SourceConfig], AfterValidator(_unique_names)] = Field(
        default_factory=lambda: [SourceConfig(name="seeds", type="folder", path="seeds")])
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    translate: TranslateConfig = Field(default_factory=TranslateConfig)
    summarize: SummarizeConfig = Field(default_factory=SummarizeConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    answer: AnswerConfig = Field(default_factory=AnswerConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    base_dir: Path = Field(default_factory=Path.cwd)  # the config file's; not in the file

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's directory."""
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else self.base_dir / p

    @property
    def home(self) -> Path:
        return Path(os.path.expanduser(os.environ.get("BRIEFINGS_HOME") or "")
                    or user_data_dir("briefings"))

    @property
    def db_path(self) -> Path:
        return self.resolve(self.store.path) if self.store.path else self.home / "briefings.sqlite3"


def from_mapping(data: Any, base_dir: Path | None = None, name: str = "config") -> Config:
    """Validate ``data`` (a config file's mapping) into a ``Config``, or raise ``ConfigError``
    for the first bad value, naming its key path and what is expected."""
    from . import config_check  # it imports this module

    try:
        if data is not None and not isinstance(data, dict):
            raise ConfigError("(top level)", f"expected a mapping, got {shown(data)}")
        if isinstance(data, dict) and "base_dir" in data:
            raise config_check.unknown_key(Config, "base_dir")
        cfg = config_check.validate({**(data or {}), "base_dir": base_dir or Path.cwd()})
        config_check.check(cfg)
    except ConfigError as exc:
        raise ConfigError(exc.key, exc.expected, name) from None
    return cfg


def load(path: str | Path | None = None) -> Config:
    """Load and validate a config file; without one, the defaults (seeds/ folder). The file's
    reading and YAML rules are in ``config_file``."""
    from .config_file import load_file

    return load_file(path)
