"""Issue 10: the first run installs the model itself, from an Argos index on 127.0.0.1.

As a user meets it: a fresh packages directory, `briefings dry-run` in its own process,
the index served here holding a package built by `python -m briefings.modelkit`. And
the index unreachable or silent, --offline, and two processes installing at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from briefings import autoinstall, packageindex, packages, pkglock
from briefings.cli import main
from briefings.config import TranslateConfig
from briefings.errors import ModelInstallError, ModelNotInstalled

from .builders import SEEDS, ConfigFactory
from .fakes.web import drip, files, web_server


@dataclass
class Index:
    base: str  # what ARGOS_PACKAGE_INDEX is set to
    gets: list[str]  # paths requested


@pytest.fixture(scope="module")
def kit_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package built exactly as the README says: python -m briefings.modelkit."""
    out = tmp_path_factory.mktemp("kit") / "ar_en-kit.argosmodel"
    subprocess.run([sys.executable, "-m", "briefings.modelkit", str(out),
                    *map(str, sorted(SEEDS.glob("*.txt")))], check=True, capture_output=True)
    return out


@pytest.fixture
def index(kit_package: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    """An Argos index on 127.0.0.1 holding the kit's package."""
    from argostranslate import settings

    root = kit_package.parent
    with web_server() as web:
        web.fallback = files(root)
        base = web.url + "/"
        (root / "index.json").write_text(json.dumps([
            {"from_code": "ar", "to_code": "en", "package_version": "0.0.1",
             "type": "translate", "links": [base + kit_package.name]}]), encoding="utf-8")
        monkeypatch.setenv("ARGOS_PACKAGE_INDEX", base)
        monkeypatch.setattr(settings, "remote_package_index", base + "index.json")
        yield Index(base, web.requests)


def briefings(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefings.cli", *args], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120, check=False)


def test_first_dry_run_installs_the_model(index: Index, write_config: ConfigFactory) -> None:
    path = str(write_config())
    run = briefings("dry-run", "--config", path, "--summary-only", "--format", "text")
    assert run.returncode == 0, run.stderr
    assert "[untranslated]" not in run.stdout and "No ar->en" not in run.stdout
    assert "no model installed: downloading ar->en 0.0.1 from " + index.base in run.stderr
    assert "•" in run.stdout
    listed = briefings("--config", path, "models", "list")
    assert "ar->en  version 0.0.1" in listed.stdout and "(used)" in listed.stdout
    assert "device: cpu" in listed.stdout
    again = briefings("dry-run", "--config", path, "--summary-only")
    assert "downloading" not in again.stderr  # installed once


def test_unreachable_index_is_the_usual_hint(write_config: ConfigFactory) -> None:
    # conftest points ARGOS_PACKAGE_INDEX at a closed loopback port
    run = briefings("dry-run", "--config", str(write_config()), "--summary-only")
    assert run.returncode == 0
    assert run.stdout.startswith("! No ar->en translation model installed")
    assert "[untranslated]" in run.stdout and "Traceback" not in run.stderr
    line, = [ln for ln in run.stderr.splitlines() if "installing one failed" in ln]
    assert "cannot read the Argos package index at http://127.0.0.1:9/index.json" in line


def test_offline_and_config_never_download(index: Index, write_config: ConfigFactory,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_config())
    assert main(["dry-run", "--config", path, "--offline", "--summary-only"]) == 0
    assert main(["ingest", "--config", path, "--offline"]) == 0
    off = str(write_config(translate={"auto_install": False}))  # rewrites config.yaml
    assert main(["dry-run", "--config", off, "--summary-only"]) == 0
    assert capsys.readouterr().out.startswith("! No ar->en")
    assert index.gets == []
    assert packages.installed(packages.packages_dir()) == []
    path = str(write_config())  # (the same file) auto_install back to its default
    assert main(["ingest", "--config", path]) == 0  # ingest installs too
    assert [p.version for p in packages.installed(packages.packages_dir())] == ["0.0.1"]


def test_a_silent_index_gives_up_and_is_not_asked_again(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    from argostranslate import settings

    silent = socket.socket()  # accepts connections (backlog), never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    monkeypatch.setattr(settings, "remote_package_index",
                        f"http://127.0.0.1:{silent.getsockname()[1]}/index.json")
    monkeypatch.setattr(packageindex, "READ_TIMEOUT", 0.3)
    monkeypatch.setattr(packageindex, "INDEX_DEADLINE", 60.0)  # the read timeout ends it
    t = TranslateConfig()
    try:
        with pytest.raises(ModelNotInstalled):
            autoinstall.find_or_install(t, tmp_path / "pk")
        monkeypatch.setattr(packageindex, "read_index", lambda: pytest.fail("asked again"))
        with pytest.raises(ModelNotInstalled):  # within RETRY_AFTER: not asked again
            autoinstall.find_or_install(t, tmp_path / "pk")
    finally:
        silent.close()


def test_a_hanging_index_is_bounded_by_the_deadline(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    release = threading.Event()
    monkeypatch.setattr(packageindex, "_open", lambda url: release.wait(30))  # like slow DNS
    monkeypatch.setattr(packageindex, "INDEX_DEADLINE", 0.2)
    try:
        with pytest.raises(ModelNotInstalled):
            autoinstall.find_or_install(TranslateConfig(), tmp_path / "pk")
    finally:
        release.set()


CONCURRENT = """
import sys
from pathlib import Path
from briefings.autoinstall import find_or_install
from briefings.config import TranslateConfig
print(find_or_install(TranslateConfig(), Path(sys.argv[1])).path)
"""


def test_two_processes_install_once(index: Index, tmp_path: Path) -> None:
    directory = tmp_path / "shared-packages"
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(directory)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ)) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len({out.strip() for out, _ in outs}) == 1
    downloads = [g for g in index.gets if g.endswith(".argosmodel")]
    assert len(downloads) == 1  # the second waited for the lock, then found it installed
    assert sorted(p.name for p in directory.iterdir()) == ["translate-ar_en-0_0_1"]


def test_a_dripping_download_is_given_up(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    """A package link that sends a byte every half second does not hold the run."""
    with web_server() as web:
        body = drip(web, b"x" * 40)

        def headers_then_drip(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            h.send_header("Content-Length", "40")
            h.end_headers()
            body(h)

        web.routes["/pkg.argosmodel"] = headers_then_drip
        monkeypatch.setattr(packageindex, "SLOW_GRACE", 0.2)
        with pytest.raises(packageindex._DownloadError, match="too slow"):
            packageindex._download(web.url + "/pkg.argosmodel", tmp_path / "p", None)


def test_waiting_for_another_process_install_is_bounded(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """A process stopped while holding the install lock does not hang the others: they
    give up after WAIT with the usual hint."""
    directory = tmp_path / "pk"
    directory.mkdir()
    holder = os.open(directory / pkglock.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as another process would (its own open file)
    monkeypatch.setattr(pkglock, "WAIT", 0.3)
    try:
        with pytest.raises(ModelInstallError, match="another process"), \
                pkglock.install_lock(directory):
            pass
        with pytest.raises(ModelNotInstalled):  # the run goes on without a model
            autoinstall.find_or_install(TranslateConfig(), directory)
    finally:
        os.close(holder)


def test_digest_composes_from_the_store_and_never_downloads(
        index: Index, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config()
    assert main(["--config", str(cfg), "digest", "--dry-run"]) == 0
    assert not [g for g in index.gets if g.endswith(".argosmodel")]
    assert "index.json" not in " ".join(index.gets)
