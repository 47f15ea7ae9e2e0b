"""One install at a time in a packages directory, across processes and threads.

A lock file (``.install.lock``, flock'd) inside the packages directory. It is removed
when the install is done; a process that waited on a file removed meanwhile locks again
(the file at the path must be the one it locked); it waits at most WAIT seconds for
another process's install, then gives up (ModelInstallError: the usual hint). Threads
of one process queue on a lock of their own (flock is per open file); a thread already
holding it re-enters.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import ModelInstallError

try:
    import fcntl
except ImportError:  # Windows: threads are still serialised, processes are not
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".install.lock"
WAIT = 600.0  # seconds to wait for another process's install before giving up (a run
# never hangs on a process that is stopped or stuck while holding the lock)
POLL = 0.2
_threads = threading.RLock()
_depth: dict[Path, int] = {}


@contextlib.contextmanager
def install_lock(directory: Path) -> Iterator[None]:
    """Hold the packages directory's install lock (creating the directory)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory.resolve()
    with _threads:
        if _depth.get(key):  # this thread holds it already
            _depth[key] += 1
            try:
                yield
            finally:
                _depth[key] -= 1
            return
        fd = _lock_file(directory / LOCK_NAME)
        _depth[key] = 1
        try:
            yield
        finally:
            del _depth[key]
            with contextlib.suppress(OSError):
                os.unlink(directory / LOCK_NAME)
            os.close(fd)  # releases the flock


def _lock_file(path: Path) -> int:
    deadline = time.monotonic() + WAIT
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:  # removed by the holder before we got it
            pass
        except BlockingIOError:  # another process is installing
            os.close(fd)
            if time.monotonic() >= deadline:
                raise ModelInstallError(
                    f"another process has been installing into {path.parent} for over "
                    f"{WAIT:.0f} s (its lock: {path.name})") from None
            time.sleep(POLL)
            continue
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
