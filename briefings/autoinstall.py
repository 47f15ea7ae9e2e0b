"""The first run installs the model itself: when no package for the pair is installed,
``dry-run``, ``ingest`` and ``run`` install one from the Argos package index.

``translate.auto_install: false`` or ``--offline`` turns it off. A terminal shows a
progress bar, a log gets one line. When the index cannot be reached (see packageindex's
timeouts) the run goes on as without a model, with the usual one-line hint, and this
process does not ask again for RETRY_AFTER seconds (the bot polls every few minutes).
Two processes installing at once: the second waits for the first's install lock, then
finds the package installed and uses it.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import Config, TranslateConfig
from .errors import ModelInstallError, ModelNotInstalled
from .packages import InstalledPackage, find
from .pkglock import install_lock

log = logging.getLogger(__name__)
RETRY_AFTER = 600.0  # seconds before this process asks an index that failed again
_failed: dict[tuple[str, str, str, str], float] = {}  # (index, dir, from, to) -> when
_failed_lock = threading.Lock()


def offline(cfg: Config) -> Config:
    """The config with auto-install turned off (``--offline``)."""
    return dataclasses.replace(cfg, translate=dataclasses.replace(cfg.translate,
                                                                  auto_install=False))


def forget_failures() -> None:
    with _failed_lock:
        _failed.clear()


def find_or_install(t: TranslateConfig, directory: Path) -> InstalledPackage:
    """The installed package for the pair, installing one first when there is none and
    ``t.auto_install`` allows. Raises ModelNotInstalled when there still is none."""
    try:
        return find(directory, t.from_code, t.to_code)
    except ModelNotInstalled:
        if not t.auto_install:
            raise
    from .packageindex import index_url, install_from_index

    key = (index_url(), str(directory), t.from_code, t.to_code)
    with _failed_lock:
        if time.monotonic() - _failed.get(key, -RETRY_AFTER) < RETRY_AFTER:
            raise ModelNotInstalled(t.from_code, t.to_code)
    try:
        with install_lock(directory):
            try:  # another process may have installed it while this one waited
                return find(directory, t.from_code, t.to_code)
            except ModelNotInstalled:
                pass
            with _progress() as (progress, announce):
                return install_from_index(directory, t.from_code, t.to_code, progress,
                                          announce)
    except (ModelInstallError, OSError) as exc:
        log.warning("no %s->%s model installed, and installing one failed: %s",
                    t.from_code, t.to_code, exc)
        with _failed_lock:
            _failed[key] = time.monotonic()
        raise ModelNotInstalled(t.from_code, t.to_code) from None


@contextmanager
def _progress() -> Iterator[tuple[Callable[[int, int | None], None] | None,
                                   Callable[[str], None]]]:
    """(progress, announce): a progress bar on a terminal, else one log line."""
    if not sys.stderr.isatty():
        yield None, lambda what: log.warning("no model installed: downloading %s", what)
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task("installing the translation model", total=None)

        def announce(what: str) -> None:
            bar.update(task, description=f"installing {what}", completed=0)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield progress, announce
