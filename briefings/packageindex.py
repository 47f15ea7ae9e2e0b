"""Install from the Argos package index: read the index, download the newest package, install it.

The index is argostranslate's: ``$ARGOS_PACKAGE_INDEX`` (a base URL; ``index.json`` is
read there) or its default. Every failure is one line: the index cannot be read, has no
package for the pair, or each link failed (with why: HTTP error, cut short, not an http(s)
link). Nothing waits long on the network: connecting gives up after CONNECT_TIMEOUT,
a silent connection after READ_TIMEOUT, and reading the index after INDEX_DEADLINE in all
(name lookup included); a download slower than MIN_RATE on average after its first
SLOW_GRACE seconds is given up.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ModelInstallError
from .modelload import one_line
from .packages import InstalledPackage, install_file, json_type, version_key

Progress = Callable[[int, int | None], None]
CONNECT_TIMEOUT = 5.0  # seconds to connect (and for the TLS handshake)
READ_TIMEOUT = 30.0  # seconds without a byte from a connected server
INDEX_DEADLINE = 15.0  # seconds for the whole index request
MIN_RATE, SLOW_GRACE = 10_000.0, 60.0  # a download slower than 10 kB/s on average after
# its first minute is given up (a server dripping bytes must not hold a run for ever)


class _ConnectFirst:
    """An HTTP(S) connection that connects within the request's timeout (CONNECT_TIMEOUT),
    then waits up to READ_TIMEOUT for each read."""

    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock.settimeout(READ_TIMEOUT)


class _HTTP(_ConnectFirst, http.client.HTTPConnection):
    pass


class _HTTPS(_ConnectFirst, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPS, req, context=getattr(self, "_context", None))


def _open(url: str) -> Any:
    opener = urllib.request.build_opener(_HTTPHandler, _HTTPSHandler)
    req = urllib.request.Request(url, headers={"User-Agent": "briefings"})
    return opener.open(req, timeout=CONNECT_TIMEOUT)


def index_url() -> str:
    from argostranslate import settings

    return str(settings.remote_package_index)


def read_index() -> list[Any]:
    """The index's entries; ModelInstallError when it cannot be read in INDEX_DEADLINE."""
    url = index_url()
    box: dict[str, Any] = {}

    def fetch() -> None:
        try:
            with _open(url) as resp:
                box["index"] = json.loads(resp.read())
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=fetch, name="argos-index", daemon=True)
    worker.start()
    worker.join(INDEX_DEADLINE)
    try:
        if worker.is_alive():
            raise TimeoutError(f"no answer within {INDEX_DEADLINE:g} s")
        if "error" in box:
            raise box["error"]
        index = box["index"]
        if not isinstance(index, list):
            raise ValueError(f"a JSON {json_type(index)}, not a list of packages")
    except (OSError, http.client.HTTPException, ValueError, RecursionError) as exc:
        # RecursionError: JSON nested too deeply to be an index
        raise ModelInstallError(f"cannot read the Argos package index at {url}: "
                                f"{one_line(exc)}") from None
    return index


def install_from_index(directory: Path, from_code: str, to_code: str,
                       progress: Progress | None = None,
                       announce: Callable[[str], None] | None = None) -> InstalledPackage:
    """Download the pair's newest package from the Argos package index, then install it.

    ``announce`` is told what is downloaded (pair, version, link) before it starts."""
    # argostranslate's update_package_index() hides fetch errors (and then recurses when
    # there is no local index), so the index is read here, with timeouts and a clear error.
    candidates = [c for c in map(_index_entry, read_index())
                  if c is not None and c[:2] == (from_code, to_code)]
    if not candidates:
        raise ModelInstallError(f"the Argos package index has no {from_code}->{to_code} package")
    version, links = max(candidates, key=lambda c: version_key(c[2]))[2:]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp_dir = tempfile.TemporaryDirectory(prefix=".download-", dir=directory)
    except OSError as exc:
        raise ModelInstallError(f"cannot write to {directory}: {one_line(exc)}") from None
    with tmp_dir as tmp:
        dest = Path(tmp) / f"{from_code}_{to_code}.argosmodel"
        errors = []
        for link in links:
            if announce:
                announce(f"{from_code}->{to_code} {version} from {link}")
            try:
                _download(link, dest, progress)
                return install_file(dest, directory, label=link)
            except _DownloadError as exc:
                errors.append(f"{link}: {exc}")
        raise ModelInstallError("download failed: " + "; ".join(errors or ["no links"]))


def _index_entry(entry: Any) -> tuple[str, str, str, list[str]] | None:
    """(from, to, version, links) of a translate package in the index, None for anything else."""
    if not isinstance(entry, dict) or entry.get("type", "translate") != "translate":
        return None
    src, dst, version = entry.get("from_code"), entry.get("to_code"), \
        entry.get("package_version", "")
    links = entry.get("links")
    if not (isinstance(src, str) and isinstance(dst, str) and isinstance(version, str)
            and isinstance(links, list)):
        return None
    return src, dst, version, [link for link in links if isinstance(link, str)]


class _DownloadError(Exception):
    pass


def _download(url: str, dest: Path, progress: Progress | None) -> None:
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise _DownloadError("not an http(s) link")
    done, total = 0, None
    start = time.monotonic()
    try:
        with _open(url) as resp, dest.open("wb") as out:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            while chunk := resp.read1(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
                took = time.monotonic() - start
                if took > SLOW_GRACE and done / took < MIN_RATE:
                    raise _DownloadError(f"too slow ({done} bytes in {took:.0f} s, under "
                                         f"{MIN_RATE / 1000:.0f} kB/s)")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        cut = f" after {done} of {total or '?'} bytes" if done else ""
        raise _DownloadError(f"{one_line(exc)}{cut}") from None
    if total is not None and done < total:
        raise _DownloadError(f"incomplete download ({done} of {total} bytes)")
