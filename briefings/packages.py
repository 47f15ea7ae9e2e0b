"""Argos translation packages: find, list and install.

The packages directory is ``translate.packages_dir`` from config, else
``$ARGOS_PACKAGES_DIR``, else argostranslate's own default. Each package is a
folder with ``metadata.json``, ``model/`` (CTranslate2) and ``sentencepiece.model`` or
``bpe.model``.
The folders are read here, one at a time, so one broken folder never hides the others.
An install is extracted into a hidden folder inside the packages directory, loaded
once, and only then moved into place: a package that cannot load is never installed,
and an older copy of the same package stays as it was.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.version import InvalidVersion, Version

from .errors import ModelInstallError, ModelNotInstalled
from .modelload import BadComputeType, DeviceFailed, PackageBroken, load, one_line
from .pkglock import install_lock

log = logging.getLogger(__name__)

# What reading a damaged zip member can raise (bad CRC, corrupt deflate data, cut short...).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
               RuntimeError, OverflowError)


@dataclass(frozen=True)
class InstalledPackage:
    from_code: str
    to_code: str
    version: str
    path: Path
    target_prefix: str = ""

    @property
    def key(self) -> str:
        """Identifies the model in the translation cache."""
        return f"argos:{self.from_code}-{self.to_code}:{self.version or '0'}:{self.path.name}"


@dataclass(frozen=True)
class Metadata:
    type: str
    from_code: str
    to_code: str
    version: str
    target_prefix: str


def safe(text: str) -> str:
    """A name from outside (a zip member, a folder) with control and bidi characters escaped."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def version_key(version: str) -> tuple[int, Version, str]:
    """Sorts versions as versions (0.0.10 after 0.0.9); non-versions first, by text."""
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)


def json_type(value: object) -> str:
    """How JSON names the type of a parsed value."""
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
            dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


def parse_metadata(raw: bytes) -> Metadata:
    """A package's metadata.json, checked; ValueError with a one-line reason."""
    try:
        data = json.loads(raw)
    except ValueError as exc:  # also UnicodeDecodeError
        raise ValueError(f"metadata.json is not JSON: {one_line(exc)}") from None
    except RecursionError:
        raise ValueError("metadata.json is nested too deeply to be package metadata") from None
    if not isinstance(data, dict):
        raise ValueError(f"metadata.json is a JSON {json_type(data)}, not an object")

    def text(key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise ValueError(f"metadata.json has no {key}")
        if not isinstance(value, str):
            raise ValueError(f"metadata.json: {key} is a {json_type(value)}, not a string")
        return value

    kind = text("type", "translate")
    if kind != "translate":
        return Metadata(kind, "", "", "", "")
    from_code, to_code = text("from_code"), text("to_code")
    if not from_code or not to_code or safe(from_code + to_code) != from_code + to_code:
        raise ValueError("metadata.json: from_code and to_code must be non-empty plain text")
    version = text("package_version", "")
    if version and version_key(version)[0] == 0:
        raise ValueError(f"metadata.json: package_version {safe(version)!r} is not a version")
    return Metadata(kind, from_code, to_code, version, text("target_prefix", ""))


def packages_dir(configured: str | None = None) -> Path:
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get("ARGOS_PACKAGES_DIR")
    if env:
        return Path(env).expanduser()
    from argostranslate import settings

    return Path(settings.package_data_dir)


def scan(directory: Path) -> tuple[list[InstalledPackage], list[str]]:
    """The translation packages in ``directory``, and one line per folder that is not one.

    Hidden folders (installs in progress) and packages of other types (``sbd``) are skipped.
    """
    found: list[InstalledPackage] = []
    problems: list[str] = []
    try:
        children = sorted(directory.iterdir()) if directory.is_dir() else []
    except OSError as exc:
        return [], [f"{directory}: cannot be read: {one_line(exc)}"]
    for child in children:
        if child.name.startswith(".") or not child.is_dir():
            continue
        try:
            meta = parse_metadata((child / "metadata.json").read_bytes())
        except FileNotFoundError:
            problems.append(f"{safe(str(child))}: no metadata.json, not a package")
            continue
        except (OSError, ValueError) as exc:
            problems.append(f"{safe(str(child))}: {one_line(exc)}")
            continue
        if meta.type == "translate":
            found.append(InstalledPackage(meta.from_code, meta.to_code, meta.version, child,
                                          meta.target_prefix))
    return found, problems


def list_order(p: InstalledPackage) -> tuple[str, str, tuple[int, Version, str], str]:
    return p.from_code, p.to_code, version_key(p.version), p.path.name


def installed(directory: Path) -> list[InstalledPackage]:
    return sorted(scan(directory)[0], key=list_order)


def pick(found: list[InstalledPackage], from_code: str, to_code: str
         ) -> InstalledPackage | None:
    """The package used for the pair: the highest version (then the last folder name)."""
    matches = [p for p in found if (p.from_code, p.to_code) == (from_code, to_code)]
    return max(matches, key=list_order) if matches else None


def find(directory: Path, from_code: str, to_code: str) -> InstalledPackage:
    """The package to use for the pair. Raises ModelNotInstalled."""
    found, problems = scan(directory)
    for line in problems:
        log.warning("skipped in the packages directory: %s", line)
    chosen = pick(found, from_code, to_code)
    if chosen is None:
        raise ModelNotInstalled(from_code, to_code)
    return chosen


def _read_archive(path: Path, name: str) -> tuple[zipfile.ZipFile, str, Metadata]:
    """The open archive, its top folder and its metadata; ModelInstallError when unusable."""
    if not path.is_file():
        what = "a directory" if path.is_dir() else "not a regular file" if path.exists() \
            else "no such file"
        raise ModelInstallError(f"{name}: {what}" + ("" if what == "no such file" else
                                                      ", not an .argosmodel package file"))
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, *_ZIP_ERRORS) as exc:
        raise ModelInstallError(f"{name}: {_not_a_zip(path, exc)}") from None
    try:
        names = [n for n in zf.namelist() if PurePosixPath(n).parts]
        for member in names:
            pure = PurePosixPath(member)
            if pure.is_absolute() or ".." in pure.parts:
                raise ModelInstallError(f"{name}: unsafe path in archive: {safe(member)}")
        tops = {PurePosixPath(n).parts[0] for n in names}
        if len(tops) != 1:
            shown = ", ".join(safe(t) for t in sorted(tops)[:5]) or "nothing"
            raise ModelInstallError(f"{name}: expected one top-level folder, found {shown}")
        top = tops.pop()
        if top.startswith(".") or safe(top) != top:
            raise ModelInstallError(f"{name}: the top-level folder name {safe(top)} is hidden or "
                                    f"has control characters; not installed")
        try:
            raw = zf.read(f"{top}/metadata.json")
        except KeyError:
            raise ModelInstallError(f"{name}: no {safe(top)}/metadata.json") from None
        except _ZIP_ERRORS as exc:
            raise ModelInstallError(f"{name}: damaged archive member {safe(top)}/metadata.json: "
                                    f"{one_line(exc)}; not installed") from None
        try:
            meta = parse_metadata(raw)
        except ValueError as exc:
            raise ModelInstallError(f"{name}: {exc}; not installed") from None
        if meta.type != "translate":
            raise ModelInstallError(f"{name}: a package of type {safe(meta.type)!r}, not a "
                                    f"translation package; not installed")
        return zf, top, meta
    except BaseException:
        zf.close()
        raise


def _not_a_zip(path: Path, exc: BaseException) -> str:
    """Why a file is not a usable zip: one that starts like a zip but lacks its directory
    (which zip keeps at the end) was cut short."""
    with contextlib.suppress(OSError), path.open("rb") as f:
        if f.read(4) == b"PK\x03\x04":
            return (f"not an .argosmodel: incomplete or damaged ({path.stat().st_size} bytes; "
                    f"its zip directory is missing, as in a file cut short): copy it again")
    return f"not an .argosmodel (not a zip archive: {one_line(exc)})"


def _extract(zf: zipfile.ZipFile, dest: Path, name: str) -> None:
    """Every member, read fully (CRC checked); a damaged member names itself."""
    for info in zf.infolist():
        parts = PurePosixPath(info.filename).parts
        if not parts:
            continue
        out = dest.joinpath(*parts)
        if info.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            with zf.open(info) as src, out.open("wb") as dst:
                while True:
                    try:
                        chunk = src.read(1 << 20)
                    except _ZIP_ERRORS as exc:
                        raise ModelInstallError(
                            f"{name}: damaged archive member {safe(info.filename)}: "
                            f"{one_line(exc)}; not installed") from None
                    if not chunk:
                        break
                    dst.write(chunk)
        except _ZIP_ERRORS as exc:  # raised when opening the member
            raise ModelInstallError(f"{name}: damaged archive member {safe(info.filename)}: "
                                    f"{one_line(exc)}; not installed") from None


def install_file(path: Path, directory: Path, label: str | None = None) -> InstalledPackage:
    """Install a local .argosmodel (air-gapped servers): check, extract, load once, move in place.

    ``label`` names the package in messages (e.g. the URL it was downloaded from).
    """
    name = safe(label or path.name)
    zf, top, meta = _read_archive(path, name)
    target = directory / top
    try:
        with zf:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix=".installing-", dir=directory) as tmp:
                staged = Path(tmp) / top
                _extract(zf, Path(tmp), name)
                try:
                    load(staged, target_prefix=meta.target_prefix, trial=True)
                except (PackageBroken, BadComputeType, DeviceFailed) as exc:
                    raise ModelInstallError(f"{name}: the translation model cannot be loaded "
                                            f"({exc}); not installed") from None
                with install_lock(directory):  # one install at a time, across processes
                    _put_in_place(staged, target)
    except OSError as exc:
        raise ModelInstallError(f"{name}: cannot install into {directory}: {one_line(exc)}"
                                ) from None
    with contextlib.suppress(ImportError):  # argostranslate's own API caches what it found
        from argostranslate.translate import get_installed_languages

        get_installed_languages.cache_clear()
    log.info("installed %s->%s %s into %s", meta.from_code, meta.to_code, meta.version, target)
    return InstalledPackage(meta.from_code, meta.to_code, meta.version, target,
                            meta.target_prefix)


def _put_in_place(staged: Path, target: Path) -> None:
    """Move the loaded package to ``target``; a previous copy is kept until the move worked."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=target.parent)) / target.name
        os.replace(target, old)
    try:
        os.replace(staged, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)
