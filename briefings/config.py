"""Configuration: typed dataclasses, loaded from YAML and validated key by key.

Every option and its default is documented in the repository's ``config.yaml``;
the defaults here are the same values. Secrets never live here: the bot token
comes from ``TELEGRAM_BOT_TOKEN`` or from the file named by ``telegram.token_file``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from platformdirs import user_data_dir

from .errors import ConfigError

log = logging.getLogger(__name__)


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
class OutletNames:
    """An outlet's display names (``ingest.outlets``): Arabic and English."""

    ar: str | None = None
    en: str | None = None


@dataclass(frozen=True)
class IngestConfig:
    max_chars: int = 20000
    min_chars: int = 80
    latin_ratio: float = 0.5
    fetch_timeout: float = 20.0
    user_agent: str = "briefings/0.1 (offline Arabic news briefings)"
    full_text_below: int = 600
    max_fetch_bytes: int = 10_000_000
    boilerplate: list[str] = field(default_factory=list)
    outlets: dict[str, str | OutletNames] = field(default_factory=dict)
    learn_boilerplate: bool = True
    learn_min_articles: int = 5
    learn_share: float = 0.2
    learn_window: int = 500


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
    max_words: int = 80
    lead_sentences: int = 4
    max_candidates: int = 60
    position_decay: float = 0.3
    central_weight: float = 1.2
    duplicate_similarity: float = 0.6
    story_similarity: float = 0.2  # mean cosine to the story's members
    story_best_similarity: float = 0.5  # cosine to its best-matching member
    story_shared_terms: int = 1  # identifying (rare) terms shared with that member
    story_link_similarity: float = 0.3  # or this cosine to it, with shared in headlines/leads
    story_link_terms: int = 3  # this many identifying terms, one in both headlines
    story_rare_share: float = 0.02  # "rare": in at most this share of the window's articles
    story_headline_weight: float = 4.0
    story_lead_terms: int = 50
    story_lead_weight: float = 2.0
    story_time_scale_hours: float = 24.0
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
    # share of the question's importance (rare terms that recur in the articles using them:
    # names, places, topics) the best passage must cover; below it the answer is "nothing".
    # Calibrated on the labelled day 2015-07-23, confirmed on 2015-07-25.
    min_match: float = 0.65


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
    startup_retry_seconds: float = 120.0


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
        return f"a mapping of text to {_describe(typing.get_args(tp)[1])}"
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
            value_tp = typing.get_args(tp)[1]
            return {str(k): _convert(value_tp, v, f"{key}.{k}") for k, v in value.items()}
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
    if tp is str and key.endswith("_time") and isinstance(value, int):
        raise ConfigError(key, f"expected a time in quotes like \"07:00\", got {value!r} (YAML "
                               f"reads an unquoted 07:00 as a number)")
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


def from_mapping(data: Any, base_dir: Path | None = None, name: str = "config") -> Config:
    try:
        cfg = _build(Config, data, "")
        cfg = dataclasses.replace(cfg, base_dir=base_dir or Path.cwd())
        from .config_check import check  # it needs Config, and the engine registries

        check(cfg)
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
    except UnicodeDecodeError as exc:
        raise ConfigError("(file)", f"not UTF-8 text (byte {exc.start}): save it as UTF-8",
                          str(p)) from None
    try:
        data = yaml.load(raw, Loader=_StrictLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(where, f"malformed YAML: {' '.join(problem.split())}",
                          str(p)) from None
    except RecursionError:
        raise ConfigError("(file)", "malformed YAML: nested too deeply", str(p)) from None
    if data is None:  # empty, or only comments: say so rather than run on silent defaults
        log.warning("%s is empty: using the defaults", p)
    return from_mapping(data, p.resolve().parent, str(p))


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (the first value would be lost silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be a name, not {type(key).__name__}",
                    key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)
