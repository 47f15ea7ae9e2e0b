"""Configuration: typed dataclasses, loaded from YAML and validated key by key.

Every option and its default is documented in the repository's ``config.yaml``;
the defaults here are the same values. Secrets never live here: the bot token
comes from ``TELEGRAM_BOT_TOKEN`` or from the file named by ``telegram.token_file``.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from platformdirs import user_data_dir

from .errors import ConfigError


@dataclass(frozen=True)
class SourceConfig:
    name: str
    type: Literal["folder", "rss"]
    path: str | None = None  # folder sources; relative to the config file
    url: str | None = None  # rss sources
    outlet: str | None = None  # display name when articles do not name their outlet
    enabled: bool = True


@dataclass(frozen=True)
class StoreConfig:
    path: str | None = None


@dataclass(frozen=True)
class IngestConfig:
    max_chars: int = 20000
    min_chars: int = 80
    latin_ratio: float = 0.5
    fetch_timeout: float = 20.0
    user_agent: str = "briefings/0.1 (offline Arabic news briefings)"
    full_text_below: int = 600
    boilerplate: list[str] = field(default_factory=list)
    outlets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TranslateConfig:
    engine: str = "argos"
    from_code: str = "ar"
    to_code: str = "en"
    packages_dir: str | None = None
    batch_size: int = 16
    batch_type: Literal["examples", "tokens"] = "examples"
    beam_size: int = 2
    inter_threads: int = 2
    intra_threads: int = 1
    compute_type: str = "auto"
    max_decoding_length: int = 256
    chunk_size: int = 512


@dataclass(frozen=True)
class SummarizeConfig:
    engine: str = "lexrank"
    sentences: int = 3
    min_words: int = 5
    duplicate_similarity: float = 0.6
    story_similarity: float = 0.2
    story_window_days: int = 3


@dataclass(frozen=True)
class DigestConfig:
    window_hours: int = 24
    max_stories: int = 10
    format: Literal["html", "text"] = "html"
    title: str = "Arabic press briefing"


@dataclass(frozen=True)
class AnswerConfig:
    days: int = 7
    top: int = 3
    min_match: float = 0.5


@dataclass(frozen=True)
class ScheduleConfig:
    poll_every: int = 900
    digest_time: str = "07:00"
    timezone: str = "UTC"
    misfire_grace_time: int = 3600


@dataclass(frozen=True)
class TelegramConfig:
    token_file: str | None = None
    base_url: str | None = None
    allowed_chats: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    sources: list[SourceConfig] = field(
        default_factory=lambda: [SourceConfig(name="seeds", type="folder", path="seeds")]
    )
    ingest: IngestConfig = field(default_factory=IngestConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    summarize: SummarizeConfig = field(default_factory=SummarizeConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    base_dir: Path = field(default_factory=Path.cwd, metadata={"internal": True})

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's directory."""
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else self.base_dir / p

    @property
    def home(self) -> Path:
        return Path(os.environ.get("BRIEFINGS_HOME") or user_data_dir("briefings"))

    @property
    def db_path(self) -> Path:
        return self.resolve(self.store.path) if self.store.path else self.home / "briefings.sqlite3"


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if origin is list:
        return f"a list of {_describe(typing.get_args(tp)[0])}"
    if origin is dict:
        return "a mapping of text to text"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false",
            type(None): "null"}.get(tp, str(tp))


def _convert(tp: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            try:
                return _convert(arg, value, key)
            except ConfigError:
                continue
        raise ConfigError(key, f"expected {_describe(tp)}, got {value!r}")
    if origin is Literal:
        if value in typing.get_args(tp):
            return value
    elif origin is list:
        if isinstance(value, list):
            (item,) = typing.get_args(tp)
            return [_convert(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
    elif origin is dict:
        if isinstance(value, dict):
            return {str(k): _convert(str, v, f"{key}.{k}") for k, v in value.items()}
    elif dataclasses.is_dataclass(tp):
        return _build(tp, value, key)
    elif tp is type(None):
        if value is None:
            return None
    elif tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif tp is str and isinstance(value, str):
        return value
    raise ConfigError(key, f"expected {_describe(tp)}, got {value!r}")


def _build(cls: Any, data: Any, prefix: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(prefix or "(top level)", f"expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    kwargs = {}
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else str(name)
        yaml_name = {"from": "from_code", "to": "to_code"}.get(str(name), str(name))
        if yaml_name not in fields:
            known = ", ".join(sorted(n.replace("_code", "") if n.endswith("_code") else n
                                     for n in fields))
            raise ConfigError(key, f"unknown key (expected one of: {known})")
        kwargs[yaml_name] = _convert(hints[yaml_name], value, key)
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        missing = [f.name for f in dataclasses.fields(cls)
                   if f.name not in kwargs and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        raise ConfigError(f"{prefix}.{missing[0]}" if missing else prefix,
                          "is required") from exc


def _check(cfg: Config) -> None:
    names = set()
    for i, src in enumerate(cfg.sources):
        key = f"sources[{i}]"
        if src.name in names:
            raise ConfigError(f"{key}.name", f"duplicate source name {src.name!r}")
        names.add(src.name)
        if src.type == "folder" and not src.path:
            raise ConfigError(f"{key}.path", "a folder source needs a path")
        if src.type == "rss" and not src.url:
            raise ConfigError(f"{key}.url", "an rss source needs a url")
    positive = {
        "translate.batch_size": cfg.translate.batch_size,
        "translate.beam_size": cfg.translate.beam_size,
        "translate.inter_threads": cfg.translate.inter_threads,
        "translate.max_decoding_length": cfg.translate.max_decoding_length,
        "translate.chunk_size": cfg.translate.chunk_size,
        "summarize.sentences": cfg.summarize.sentences,
        "digest.max_stories": cfg.digest.max_stories,
        "ingest.max_chars": cfg.ingest.max_chars,
        "schedule.poll_every": cfg.schedule.poll_every,
        "answer.top": cfg.answer.top,
    }
    for key, value in positive.items():
        if value < 1:
            raise ConfigError(key, f"expected a whole number of at least 1, got {value!r}")
    for key, share in {"summarize.story_similarity": cfg.summarize.story_similarity,
                       "summarize.duplicate_similarity": cfg.summarize.duplicate_similarity,
                       "ingest.latin_ratio": cfg.ingest.latin_ratio,
                       "answer.min_match": cfg.answer.min_match}.items():
        if not 0.0 <= share <= 1.0:
            raise ConfigError(key, f"expected a number between 0 and 1, got {share!r}")
    if cfg.translate.intra_threads < 0:
        raise ConfigError("translate.intra_threads", "expected 0 (automatic) or more")
    _check_time(cfg.schedule.digest_time, "schedule.digest_time")
    _check_timezone(cfg.schedule.timezone, "schedule.timezone")


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
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(key, f"expected an IANA time zone like 'Africa/Tripoli', "
                               f"got {value!r}") from exc


def from_mapping(data: Any, base_dir: Path | None = None, name: str = "config") -> Config:
    try:
        cfg = _build(Config, data, "")
        cfg = dataclasses.replace(cfg, base_dir=base_dir or Path.cwd())
        _check(cfg)
    except ConfigError as exc:
        raise ConfigError(exc.key, exc.expected, name) from None
    return typing.cast(Config, cfg)


def default_path() -> Path | None:
    env = os.environ.get("BRIEFINGS_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / "config.yaml"
    return here if here.exists() else None


def load(path: str | Path | None = None) -> Config:
    """Load and validate a config file; without one, the defaults (seeds/ folder)."""
    p = Path(path) if path else default_path()
    if p is None:
        return from_mapping({}, Path.cwd())
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("(file)", f"cannot read {p}: {exc.strerror}", str(p)) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(where, f"malformed YAML: {problem}", str(p)) from None
    return from_mapping(data, p.resolve().parent, str(p))
