"""Config validation: pydantic's first error as one line naming the key path and what is
expected, and the checks that depend on this machine rather than on the value alone
(engines registered, CTranslate2's compute types, files and directories).

The limits themselves sit on the fields in ``config``; ``config.yaml`` documents them.
"""

from __future__ import annotations

import os
import stat
import types
import typing
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from .config import Config, TranslateConfig
from .config_types import DIGEST_DAYS, Bad, plain_path, shown
from .errors import ConfigError

RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal",
                "finite_number"}
NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
         type(None): "null"}


SCHEMA = TypeAdapter(Config)


def validate(data: dict[str, Any]) -> Config:
    try:
        return SCHEMA.validate_python(data)
    except ValidationError as exc:
        raise _problem(Config, data, exc.errors()[0]) from None


def _fields(cls: Any) -> dict[str, str]:
    """A schema class's keys as the file spells them (``from``) -> field names."""
    return {f.alias or name: name for name, f in cls.__pydantic_fields__.items()
            if name != "base_dir"}


def unknown_key(cls: Any, key: str) -> ConfigError:
    return ConfigError(key, f"unknown key (expected one of: {', '.join(sorted(_fields(cls)))})")


def _problem(cls: Any, data: Any, error: ErrorDetails) -> ConfigError:
    """Walk the error's location through the schema and the data: the key path as the file
    spells it, the type expected there, and the value given."""
    key, tp, value, owner, name = "", cls, data, None, ""
    for part in error["loc"]:
        tp = _bare(tp)
        origin = typing.get_origin(tp)
        if dataclass_fields := getattr(tp, "__pydantic_fields__", None):
            key = f"{key}.{_name(part)}" if key else _name(part)
            if part not in _fields(tp):
                return unknown_key(tp, key)
            owner, name = tp, _fields(tp)[str(part)]
            tp = dataclass_fields[name].annotation
        elif origin is list:
            key, tp = f"{key}[{part}]", typing.get_args(tp)[0]
        elif origin is dict:
            key, tp = f"{key}.{_name(part)}", typing.get_args(tp)[1]
        else:  # a union's member: the value is judged against the whole union
            break
        value = value.get(part) if isinstance(value, dict) \
            else value[part] if isinstance(value, list) and isinstance(part, int) else None
    key = key or "(top level)"
    kind = error["type"]
    if kind == "missing":
        return ConfigError(key, "is required")
    if kind == "value_error" and isinstance(bad := error.get("ctx", {}).get("error"), Bad):
        at = f"{key}{bad.at}" if bad.at.startswith("[") else f"{key}.{bad.at}"
        return ConfigError(at if bad.at else key, str(bad))
    if kind in RANGE_ERRORS and owner is not None:
        return ConfigError(key, _range(owner, name, value))
    if _bare(tp) is str and key.endswith("_time") and isinstance(value, int):
        return ConfigError(key, f"expected a time in quotes like \"07:00\", got {shown(value)} "
                                f"(YAML reads an unquoted 07:00 as a number)")
    return ConfigError(key, f"expected {_describe(tp)}, got {shown(value)}")


def _name(part: Any) -> str:
    """A key of the file as a message names it: itself, or a bounded repr when it is long or
    not printable (a key is the user's text too)."""
    text = str(part)
    return text if len(text) <= 40 and text.isprintable() else shown(text)


def _range(owner: Any, name: str, value: Any) -> str:
    field = owner.__pydantic_fields__[name]
    limits = {k: getattr(m, k) for m in field.metadata for k in ("ge", "gt", "le")
              if hasattr(m, k)}
    if field.annotation is int:
        return f"expected a whole number from {limits['ge']} to {limits['le']}, got {shown(value)}"
    value = float(value)  # as given to the code: 2 -> 2.0
    if "gt" in limits:
        return f"expected a number above {limits['gt']:g} and at most {limits['le']:g}, " \
               f"got {shown(value)}"
    return f"expected a number between {limits['ge']:g} and {limits['le']:g}, got {shown(value)}"


def _bare(tp: Any) -> Any:
    """The type without its ``Annotated`` constraints."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _describe(tp: Any) -> str:
    tp = _bare(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin is list:
        return f"a list of {_describe(args[0])}"
    if origin is dict:
        return f"a mapping of text to {_describe(args[1])}"
    if hasattr(tp, "__pydantic_fields__"):
        return "a mapping"
    return NAMES.get(tp, str(tp))


def check(cfg: Config) -> None:
    """Raise ``ConfigError`` for a value this machine cannot use."""
    from .summarize import SUMMARIZERS  # here: both import config
    from .translate import TRANSLATORS

    for key, engine, known in (("translate.engine", cfg.translate.engine, TRANSLATORS),
                               ("summarize.engine", cfg.summarize.engine, SUMMARIZERS)):
        if engine not in known:
            what = "engine" if key.startswith("translate") else "summarizer"
            raise ConfigError(key, f"unknown {what} {shown(engine)} (expected one of: "
                                   f"{', '.join(sorted(known))})")
    if cfg.translate.compute_type != "auto":
        _check_compute_type(cfg.translate)
    if cfg.translate.packages_dir:
        path = cfg.resolve(cfg.translate.packages_dir)
        if path.exists() and not path.is_dir():
            raise ConfigError("translate.packages_dir", f"expected a directory, {path} is a "
                                                        f"file")
    if cfg.telegram.token_file:
        _check_token_file(cfg.resolve(cfg.telegram.token_file))
    home = os.environ.get("BRIEFINGS_HOME")
    if home and not cfg.store.path and not (cfg.home.is_absolute() and plain_path(home)):
        # a relative one names another store in each directory the command runs from
        raise ConfigError("$BRIEFINGS_HOME", f"expected an absolute path without control "
                                             f"characters (the data directory), got "
                                             f"{shown(home)}")
    needed = max(cfg.answer.days, cfg.summarize.story_window_days, DIGEST_DAYS)
    if cfg.store.keep_days and cfg.store.keep_days <= needed:
        raise ConfigError("store.keep_days", f"expected 0 (keep everything) or more than "
                                             f"{needed} days (what answers, story grouping "
                                             f"and digests look back on), got "
                                             f"{cfg.store.keep_days}")
    if cfg.store.path and cfg.db_path.is_dir():
        raise ConfigError("store.path", f"{cfg.db_path} is a directory: expected a database "
                                        f"file, e.g. {cfg.db_path / 'briefings.sqlite3'}")


def _check_compute_type(t: TranslateConfig) -> None:
    from .device import compute_type_problem  # imports ctranslate2 (~0.3 s): only when set

    problem = compute_type_problem(t)
    if problem:
        raise ConfigError("translate.compute_type", problem)


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
