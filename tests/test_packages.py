"""Translation packages as a hostile world hands them over: broken, damaged, mislabelled, cut short.

Every package here is the real tiny model (tests/conftest.py) or a copy of it with one
thing broken. Each bad case: one line on stderr, a non-zero exit, nothing installed
(or the previous copy intact).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from briefings import config, packages, pipeline
from briefings.cli import main
from briefings.clock import utcnow
from briefings.errors import ModelUnusable
from briefings.store import Store
from briefings.translate import get_translator

from .builders import ConfigFactory, install_tiny
from .fakes.web import Route, cut, files, web_server

Change = Callable[[str, bytes], bytes | None]


def rewrite(src: Path, dst: Path, change: Change, rename: Callable[[str], str] = str) -> Path:
    """A copy of the package with members changed (None drops a member)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(rename(info.filename), data)
    return dst


def member(suffix: str, new: bytes | None) -> Change:
    return lambda name, data: new if name.endswith(suffix) else data


def half(suffix: str) -> Change:
    return lambda name, data: data[: len(data) // 2] if name.endswith(suffix) else data


def meta(value: Any) -> Change:
    return member("metadata.json", json.dumps(value).encode())


def versioned(src: Path, dst: Path, version: str) -> Path:
    """The package as another version (metadata and top folder), like a real newer release."""
    top = f"translate-ar_en-{version.replace('.', '_')}"

    def change(name: str, data: bytes) -> bytes:
        if name.endswith("metadata.json"):
            return json.dumps({**json.loads(data), "package_version": version}).encode()
        return data

    return rewrite(src, dst, change, lambda name: top + name[name.index("/"):])


def damage_stream(src: Path, dst: Path, suffix: str, *, stored: bool = False) -> Path:
    """Bytes of one member's data overwritten inside the archive: a deflate stream that
    zlib rejects, or (stored) a member whose CRC no longer matches."""
    if stored:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info), zipfile.ZIP_STORED)
    else:
        dst.write_bytes(src.read_bytes())
    with zipfile.ZipFile(dst) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(suffix))
    raw = bytearray(dst.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + \
        int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    raw[start:start + 8] = b"\xff" * 8  # BTYPE 11: an invalid deflate block
    dst.write_bytes(bytes(raw))
    return dst


def argos_dir() -> Path:
    return packages.packages_dir()


def visible(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def refused(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Install must fail with one line and leave nothing behind; returns that line."""
    assert main(["models", "install", str(path)]) != 0
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ") and "Traceback" not in captured.err
    assert "installed" not in captured.out
    assert not [p for p in visible(argos_dir()) if not p.startswith(".installing")]
    assert not [p for p in visible(argos_dir()) if p.startswith(".")]  # temp dirs cleaned
    return lines[0]


BAD_ARCHIVES: dict[str, tuple[Change, str]] = {
    "no model.bin": (member("model/model.bin", None), "model/model.bin: missing"),
    "random model.bin": (member("model/model.bin", os.urandom(50_000)), "cannot be loaded"),
    "truncated model.bin": (half("model/model.bin"), "cannot be loaded (model/model.bin"),
    "empty model.bin": (member("model/model.bin", b""), "model/model.bin: File model.bin"),
    "no vocabulary": (member("source_vocabulary.json", None), "cannot be loaded (model/: "),
    "no sentencepiece.model": (member("sentencepiece.model", None),
                               "sentencepiece.model: missing"),
    "random sentencepiece.model": (member("sentencepiece.model", os.urandom(5000)),
                                   "(sentencepiece.model: INTERNAL: could not parse ModelProto "
                                   "from sentencepiece.model); not installed"),
    "truncated sentencepiece.model": (half("sentencepiece.model"), "sentencepiece.model: "),
    "empty sentencepiece.model": (member("sentencepiece.model", b""), "sentencepiece.model: "),
    "metadata list": (meta(["ar", "en"]), "metadata.json is a JSON list, not an object"),
    "metadata string": (meta("ar->en"), "metadata.json is a JSON string, not an object"),
    "metadata not JSON": (member("metadata.json", b"{from_code: ar"), "not JSON"),
    "metadata not UTF-8": (member("metadata.json", b"\xff\xfe{}"), "not JSON"),
    "no from_code": (meta({"to_code": "en", "package_version": "1.0"}), "no from_code"),
    "from_code a list": (meta({"from_code": ["ar"], "to_code": "en"}),
                         "from_code is a list, not a string"),
    "to_code with ESC": (meta({"from_code": "ar", "to_code": "en\x1b[2J"}),
                         "from_code and to_code must be non-empty plain text"),
    "version a number": (meta({"from_code": "ar", "to_code": "en", "package_version": 1.1}),
                         "package_version is a number, not a string"),
    "version not a version": (meta({"from_code": "ar", "to_code": "en",
                                    "package_version": "latest"}), "not a version"),
    "sbd package": (meta({"from_code": "ar", "to_code": "en", "type": "sbd",
                          "package_version": "1.0"}), "type 'sbd', not a translation package"),
}


@pytest.mark.parametrize("case", list(BAD_ARCHIVES))
def test_broken_package_is_refused(case: str, tiny_model: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    change, expected = BAD_ARCHIVES[case]
    line = refused(rewrite(tiny_model, tmp_path / "ar_en.argosmodel", change), capsys)
    assert line.startswith("error: ar_en.argosmodel: ") and expected in line, line
    assert "No ar->en" not in line  # never the "not installed" advice
    assert main(["models", "list"]) == 0
    assert "no translation packages installed" in capsys.readouterr().out


def test_damaged_zip_members_are_refused(tiny_model: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(damage_stream(tiny_model, tmp_path / "z.argosmodel", "model/model.bin"),
                   capsys)
    assert "damaged archive member translate-ar_en-0_0_1/model/model.bin" in line
    line = refused(damage_stream(tiny_model, tmp_path / "m.argosmodel", "metadata.json"), capsys)
    assert "damaged archive member translate-ar_en-0_0_1/metadata.json" in line
    line = refused(damage_stream(tiny_model, tmp_path / "crc.argosmodel", "sentencepiece.model",
                                 stored=True), capsys)
    assert "damaged archive member" in line and "CRC" in line
    cut = tmp_path / "cut.argosmodel"
    cut.write_bytes(tiny_model.read_bytes()[:100_000])
    assert "not an .argosmodel" in refused(cut, capsys)
    assert "no such file" in refused(tmp_path / "absent.argosmodel", capsys)


def test_bad_names_in_messages_are_escaped(tiny_model: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("a\n[fake log line]\x1b[2J\u202e/metadata.json", b"{}")
        zf.writestr("b/metadata.json", b"{}")
    line = refused(evil, capsys)
    assert "\\u000a" in line and "\\u001b" in line and "\\u202e" in line
    one_top = tmp_path / "bad\nname\u202e.argosmodel"
    rewrite(tiny_model, one_top, lambda name, data: data,
            lambda name: "x\x1b[2J" + name[name.index("/"):])
    line = refused(one_top, capsys)
    assert line.startswith("error: bad\\u000aname\\u202e.argosmodel: the top-level folder name "
                           "x\\u001b[2J is hidden or has control characters")


def test_failed_reinstall_keeps_the_old_copy(tiny_model: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(tiny_model)
    pkg = packages.find(argos_dir(), "ar", "en")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in pkg.path.rglob("*") if p.is_file()}
    broken = rewrite(tiny_model, tmp_path / "ar_en.argosmodel",
                     member("model/model.bin", os.urandom(1000)))
    assert main(["models", "install", str(broken)]) == 1
    assert "cannot be loaded" in capsys.readouterr().err
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in pkg.path.rglob("*") if p.is_file()}
    assert after == before and visible(argos_dir()) == [pkg.path.name]
    install_tiny(tiny_model)  # a good reinstall replaces it in place
    assert visible(argos_dir()) == [pkg.path.name]


def test_versions_compare_as_versions(tiny_model: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    v10 = versioned(tiny_model, tmp_path / "v10.argosmodel", "0.0.10")
    v9 = versioned(tiny_model, tmp_path / "v9.argosmodel", "0.0.9")
    assert main(["models", "install", str(v10)]) == 0
    assert main(["models", "install", str(v9)]) == 0
    out = capsys.readouterr().out
    assert "not used: ar->en 0.0.10" in out and "is newer" in out
    assert packages.find(argos_dir(), "ar", "en").version == "0.0.10"
    assert main(["models", "list"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("ar->en")]
    assert len(lines) == 2 and [ln for ln in lines if "(used)" in ln] == [
        ln for ln in lines if "version 0.0.10 " in ln]
    assert lines[0].startswith("ar->en  version 0.0.9 ")  # listed in version order


def test_list_reports_folders_that_are_not_packages(tiny_model: Path, cfg: config.Config,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(tiny_model)
    (argos_dir() / "junk").mkdir()
    (argos_dir() / "listmeta").mkdir()
    (argos_dir() / "listmeta" / "metadata.json").write_text("[]")
    (argos_dir() / ".installing-leftover").mkdir()  # a killed install: ignored
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "(used)" in out
    assert "not a package: " in out and "junk: no metadata.json" in out
    assert "listmeta: metadata.json is a JSON list" in out
    assert get_translator(cfg).translate(["مرحبا"])  # still found and used


@contextmanager
def installed_then_broken(tiny_model: Path, breaking: Callable[[Path], object]) -> Iterator[Path]:
    install_tiny(tiny_model)
    pkg = packages.find(argos_dir(), "ar", "en")
    breaking(pkg.path)
    yield pkg.path


BREAKINGS: dict[str, tuple[Callable[[Path], object], str]] = {
    "corrupt model.bin": (lambda p: (p / "model/model.bin").write_bytes(os.urandom(4000)),
                          "model/model.bin: "),
    "truncated model.bin": (lambda p: (p / "model/model.bin").write_bytes(
        (p / "model/model.bin").read_bytes()[:1000]), "model/model.bin: "),
    "no sentencepiece.model": (lambda p: (p / "sentencepiece.model").unlink(),
                               "sentencepiece.model: missing"),
    "corrupt sentencepiece.model": (lambda p: (p / "sentencepiece.model").write_bytes(b"x" * 99),
                                    "sentencepiece.model: "),
}


@pytest.mark.parametrize("case", list(BREAKINGS))
def test_installed_package_broken_later(case: str, tiny_model: Path,
                                        write_config: ConfigFactory,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    breaking, reason = BREAKINGS[case]
    path = write_config()
    with installed_then_broken(tiny_model, breaking) as pkg_path:
        cfg = config.load(path)
        with pytest.raises(ModelUnusable) as exc:
            get_translator(cfg)
        text = str(exc.value)
        assert text.startswith(f"the ar->en package at {pkg_path} cannot be loaded: {reason}")
        assert text.endswith("reinstall it with 'briefings models install'")
        assert "\n" not in text and "No ar->en" not in text
        engine = pipeline.load_translator(cfg)
        assert engine.translator is None and engine.missing == text
        capsys.readouterr()
        assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
        captured = capsys.readouterr()
        assert captured.out.splitlines()[0] == f"! {text}"
        assert "[untranslated]" in captured.out and "Traceback" not in captured.err
        assert captured.err.count("cannot be loaded") == 0  # said once, on stdout
        store = Store(cfg.db_path)
        assert store.pending_count() > 0
        assert store.articles_since(utcnow() - timedelta(days=1))
        assert main(["ingest", "--config", str(path)]) == 0
        assert capsys.readouterr().err.count("cannot be loaded") == 1
        assert main(["--config", str(path), "models", "list"]) == 0
        if "no sentencepiece" in case:
            assert "(used) (broken: sentencepiece.model: missing)" in capsys.readouterr().out


# -- from the package index ------------------------------------------------------------------

def _files_or_cut(root: Path) -> Route:
    """Serves the model folder; /cut/NAME sends half of NAME under the full Content-Length."""
    whole = files(root)

    def route(h: BaseHTTPRequestHandler) -> None:
        if not h.path.startswith("/cut/"):
            whole(h)
            return
        data = (root / h.path[len("/cut/"):]).read_bytes()
        cut(data, 1, 2, "application/octet-stream")(h)

    return route


@contextmanager
def index_server(root: Path, entries: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from argostranslate import settings

    with web_server() as web:
        web.fallback = _files_or_cut(root)
        (root / "index.json").write_text(json.dumps(entries(web.url)), encoding="utf-8")
        monkeypatch.setattr(settings, "remote_package_index", f"{web.url}/index.json")
        yield web.url


def _entry(*links: str, version: str = "0.0.1") -> dict[str, Any]:
    return {"from_code": "ar", "to_code": "en", "package_version": version,
            "type": "translate", "links": list(links)}


def test_download_cut_short(tiny_model: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    size = tiny_model.stat().st_size
    with index_server(tiny_model.parent, lambda base: [_entry(f"{base}/cut/{tiny_model.name}")],
                      monkeypatch) as base:
        assert main(["models", "install"]) == 1
    line, = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert line == (f"error: download failed: {base}/cut/{tiny_model.name}: incomplete "
                    f"download ({size // 2} of {size} bytes)")
    assert visible(argos_dir()) == []


def test_index_versions_links_and_junk(tiny_model: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = tiny_model.parent
    versioned(tiny_model, root / "v10.argosmodel", "0.0.10")
    versioned(tiny_model, root / "v9.argosmodel", "0.0.9")
    secret = tmp_path / "secret.argosmodel"
    secret.write_bytes(tiny_model.read_bytes())
    with index_server(root, lambda base: [
        "junk", 7, {"from_code": ["ar"]}, {"from_code": "ar", "to_code": "en", "links": "x"},
        _entry(f"{base}/v9.argosmodel", version="0.0.9"),
        _entry(secret.as_uri(), f"{base}/v10.argosmodel", version="0.0.10"),
    ], monkeypatch):
        assert main(["models", "install"]) == 0
    assert "installed ar->en 0.0.10" in capsys.readouterr().out  # not 0.0.9, not the file://
    with index_server(root, lambda base: [_entry(secret.as_uri(), version="0.0.11")],
                      monkeypatch):
        assert main(["models", "install"]) == 1
    assert "not an http(s) link" in capsys.readouterr().err
    with index_server(root, lambda base: {"packages": []}, monkeypatch):
        assert main(["models", "install"]) == 1
    line, = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert "cannot read the Argos package index" in line and "not a list of packages" in line
    assert [p.version for p in packages.installed(argos_dir())] == ["0.0.10"]
