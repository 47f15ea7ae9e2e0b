"""Reading the config file: which file, a bounded read of a regular file, and YAML with a
key given twice or a key that is not text refused. The schema is in ``config``."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from .config import Config, from_mapping
from .config_types import shown
from .errors import ConfigError
from .text import printable

log = logging.getLogger(__name__)

# A config file is a few kB; 10,000 sources in block style take under 1 MB. PyYAML reads
# about 1 MB a second: a 50 MB file (a log or a dump named by mistake) took minutes.
MAX_BYTES = 2_000_000
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def default_path() -> Path | None:
    env = os.environ.get("BRIEFINGS_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / "config.yaml"
    return here if here.exists() else None


def load_file(path: str | Path | None = None) -> Config:
    """Load and validate a config file; without one, the defaults (seeds/ folder)."""
    p = Path(path) if path else default_path()
    if p is None:
        return from_mapping({}, Path.cwd())
    name = printable(str(p))  # a path is printed on one line, whatever it holds

    def error(key: str, expected: str) -> ConfigError:
        return ConfigError(key, expected, name)

    raw = _read(p, error)
    try:
        data = yaml.load(raw, Loader=_StrictLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(where, f"malformed YAML: {' '.join(problem.split())}") from None
    except RecursionError:
        raise error("(file)", "malformed YAML: nested too deeply") from None
    except ValueError as exc:  # a value Python cannot hold: 2015-13-01, 5000 digits
        why = " ".join(str(exc).split())[:120]
        raise error("(file)", f"unusable YAML value: {why}") from None
    if data is None:  # empty, or only comments: say so rather than run on silent defaults
        log.warning("%s is empty: using the defaults", name)
    return from_mapping(data, p.resolve().parent, name)


def _read(p: Path, error: Any) -> str:
    """The file's text: a regular file (a named pipe would block forever, /dev/zero never
    ends) of at most ``MAX_BYTES``, in UTF-8."""
    try:  # O_NONBLOCK: opening a named pipe returns at once, so it can be refused
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise error("(file)", f"cannot read {printable(str(p))}: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
        raise error("(file)", f"is {kind}: expected a YAML file like config.yaml")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_BYTES + 1)
        except OSError as exc:
            raise error("(file)", f"cannot read {printable(str(p))}: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise error("(file)", f"larger than {MAX_BYTES} bytes: a config file is a few kB "
                              f"(is this the right file?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error("(file)", f"not UTF-8 text (byte {exc.start}): save it as UTF-8") from None


_MERGE = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (the first value would be lost silently)
    and a key that is not text (every key of the schema is a name: YAML reads ``yes`` as
    true and ``1`` as a number). A merge key (``<<: *defaults``) merges as YAML says: the
    mapping's own keys win over the merged ones."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, _not_text(key, key_node), key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {shown(key)}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _not_text(key: Any, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return f"a key must be a name, not a {'list' if isinstance(key, list) else 'mapping'}"
    what = "null" if key is None else "true or false" if isinstance(key, bool) else \
        "a number" if isinstance(key, int | float) else type(key).__name__
    written = shown(node.value)
    return f"the key {written} is read as {what}, not as a name: quote it: {written}"
