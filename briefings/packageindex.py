"""Install from the Argos package index: read the index, download the newest package, install it.

Every failure is one line: the index cannot be read, has no package for the pair, or
each link failed (with why: HTTP error, cut short, not an http(s) link).
"""

from __future__ import annotations

import http.client
import json
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ModelInstallError
from .modelload import one_line
from .packages import InstalledPackage, install_file, json_type, version_key

Progress = Callable[[int, int | None], None]


def install_from_index(directory: Path, from_code: str, to_code: str,
                       progress: Progress | None = None,
                       timeout: float = 60.0) -> InstalledPackage:
    """Download the pair's newest package from the Argos package index, then install it."""
    from argostranslate import settings

    # argostranslate's update_package_index() hides fetch errors (and then recurses when
    # there is no local index), so the index is read here, with a timeout and a clear error.
    index_url = str(settings.remote_package_index)
    try:
        req = urllib.request.Request(index_url, headers={"User-Agent": "briefings"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            index = json.loads(resp.read())
        if not isinstance(index, list):
            raise ValueError(f"a JSON {json_type(index)}, not a list of packages")
    except (OSError, http.client.HTTPException, ValueError, RecursionError) as exc:
        # RecursionError: JSON nested too deeply to be an index
        raise ModelInstallError(f"cannot read the Argos package index at {index_url}: "
                                f"{one_line(exc)}") from None
    candidates = [c for c in map(_index_entry, index)
                  if c is not None and c[:2] == (from_code, to_code)]
    if not candidates:
        raise ModelInstallError(f"the Argos package index has no {from_code}->{to_code} package")
    links = max(candidates, key=lambda c: version_key(c[2]))[3]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp_dir = tempfile.TemporaryDirectory(prefix=".download-", dir=directory)
    except OSError as exc:
        raise ModelInstallError(f"cannot write to {directory}: {one_line(exc)}") from None
    with tmp_dir as tmp:
        dest = Path(tmp) / f"{from_code}_{to_code}.argosmodel"
        errors = []
        for link in links:
            try:
                _download(link, dest, progress, timeout)
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


def _download(url: str, dest: Path, progress: Progress | None, timeout: float) -> None:
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise _DownloadError("not an http(s) link")
    done, total = 0, None
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "briefings"})
        with urllib.request.urlopen(req, timeout=timeout) as resp, dest.open("wb") as out:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        cut = f" after {done} of {total or '?'} bytes" if done else ""
        raise _DownloadError(f"{one_line(exc)}{cut}") from None
    if total is not None and done < total:
        raise _DownloadError(f"incomplete download ({done} of {total} bytes)")
