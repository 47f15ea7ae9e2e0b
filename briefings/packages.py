"""Argos translation packages: find, list and install, through argostranslate's package API.

The packages directory is ``translate.packages_dir`` from config, else
``$ARGOS_PACKAGES_DIR``, else argostranslate's own default.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import ModelInstallError, ModelNotInstalled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledPackage:
    from_code: str
    to_code: str
    version: str
    path: Path
    package: Any  # argostranslate.package.Package

    @property
    def key(self) -> str:
        """Identifies the model in the translation cache."""
        return f"argos:{self.from_code}-{self.to_code}:{self.version or '0'}:{self.path.name}"


def packages_dir(configured: str | None = None) -> Path:
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        return Path(env).expanduser()
    from argostranslate import settings

    return Path(settings.package_data_dir)


def installed(directory: Path) -> list[InstalledPackage]:
    from argostranslate import package

    if not directory.is_dir():
        return []
    out = []
    for pkg in package.get_installed_packages(path=[directory]):
        if pkg.type != "translate":
            continue
        out.append(InstalledPackage(pkg.from_code, pkg.to_code, str(pkg.package_version),
                                    Path(pkg.package_path), pkg))
    return sorted(out, key=lambda p: (p.from_code, p.to_code, p.version))


def find(directory: Path, from_code: str, to_code: str) -> InstalledPackage:
    matches = [p for p in installed(directory) if (p.from_code, p.to_code) == (from_code, to_code)]
    if not matches:
        raise ModelNotInstalled(from_code, to_code)
    return matches[-1]  # highest version


def _validate_archive(path: Path) -> tuple[str, dict[str, Any]]:
    """The package's top folder and its metadata; ModelInstallError when it is not a package."""
    if not path.is_file():
        raise ModelInstallError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ModelInstallError(f"{path}: not an .argosmodel (must be a zip archive)")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        for name in names:
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts:
                raise ModelInstallError(f"{path}: unsafe path in archive: {name}")
        tops = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts}
        if len(tops) != 1:
            raise ModelInstallError(f"{path}: expected one top-level folder, found {sorted(tops)}")
        top = tops.pop()
        try:
            meta = json.loads(zf.read(f"{top}/metadata.json"))
        except KeyError:
            raise ModelInstallError(f"{path}: no {top}/metadata.json") from None
        except json.JSONDecodeError as exc:
            raise ModelInstallError(f"{path}: metadata.json is not JSON: {exc}") from None
        for key in ("from_code", "to_code"):
            if not isinstance(meta.get(key), str):
                raise ModelInstallError(f"{path}: metadata.json has no {key}")
        if meta.get("type", "translate") == "translate" and not any(
                n.startswith(f"{top}/model/") for n in names):
            raise ModelInstallError(f"{path}: no {top}/model/ (CTranslate2 model) folder")
    return top, meta


def install_file(path: Path, directory: Path) -> InstalledPackage:
    """Install a local .argosmodel (air-gapped servers): validate, extract, load it back."""
    from argostranslate import package

    top, meta = _validate_archive(path)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / top
    with tempfile.TemporaryDirectory(dir=directory) as tmp, zipfile.ZipFile(path) as zf:
        zf.extractall(tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(Path(tmp) / top, target)
    from argostranslate.translate import get_installed_languages

    get_installed_languages.cache_clear()
    pkg = package.Package(target)
    log.info("installed %s->%s %s into %s", meta["from_code"], meta["to_code"],
             pkg.package_version, target)
    return InstalledPackage(pkg.from_code, pkg.to_code, str(pkg.package_version), target, pkg)


def install_from_index(directory: Path, from_code: str, to_code: str,
                       progress: Callable[[int, int | None], None] | None = None,
                       timeout: float = 60.0) -> InstalledPackage:
    """Download the pair from the Argos package index, with progress, then install it."""
    from argostranslate import package, settings

    # argostranslate's update_package_index() hides fetch errors (and then recurses when
    # there is no local index), so the index is read here, with a timeout and a clear error.
    index_url = str(settings.remote_package_index)
    try:
        req = urllib.request.Request(index_url, headers={"User-Agent": "briefings"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            index = json.loads(resp.read())
        available = [package.AvailablePackage(meta) for meta in index]
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise ModelInstallError(f"cannot read the Argos package index at {index_url}: {exc}"
                                ) from exc
    matches = [p for p in available if (p.from_code, p.to_code) == (from_code, to_code)
               and p.type == "translate"]
    if not matches:
        raise ModelInstallError(f"the Argos package index has no {from_code}->{to_code} package")
    pkg = max(matches, key=lambda p: str(p.package_version))
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / f"{from_code}_{to_code}.argosmodel"
        errors = []
        for link in pkg.links:
            try:
                _download(link, dest, progress, timeout)
                break
            except OSError as exc:
                errors.append(f"{link}: {exc}")
        else:
            raise ModelInstallError("download failed: " + "; ".join(errors or ["no links"]))
        return install_file(dest, directory)


def _download(url: str, dest: Path, progress: Callable[[int, int | None], None] | None,
              timeout: float) -> None:
    req = urllib.request.Request(url, headers={"User-Agent": "briefings"})
    with urllib.request.urlopen(req, timeout=timeout) as resp, dest.open("wb") as out:
        total = int(resp.headers.get("Content-Length") or 0) or None
        done = 0
        while chunk := resp.read(1 << 20):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
