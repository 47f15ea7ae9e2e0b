"""Shared fixtures: isolated homes, configs, the fakes, and one tiny real Argos model.
The data they are made of comes from tests/builders.py."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefings import config as config_mod
from briefings.autoinstall import forget_failures
from briefings.chat_service import ChatService
from briefings.config import Config
from briefings.modelkit import build_package
from briefings.store import Store
from briefings.translate import forget_loaded

from . import builders
from .builders import SEEDS, TINY, ConfigFactory, install_tiny
from .fakes.botapi import FakeBotAPI
from .fakes.web import WebServer, web_server

DEAD_INDEX = "http://127.0.0.1:9/"  # the discard port: nothing listens there


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data dir and an empty Argos packages dir."""
    monkeypatch.setenv("BRIEFINGS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "argos-packages"))
    monkeypatch.delenv("BRIEFINGS_CONFIG", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    # No test reaches the real Argos package index: auto-install asks a closed loopback
    # port (refused at once) unless a test serves an index itself (in this process through
    # argostranslate's settings, in a child process through the environment).
    from argostranslate import settings

    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", DEAD_INDEX)
    monkeypatch.setattr(settings, "remote_package_index", DEAD_INDEX + "index.json")
    forget_loaded()
    forget_failures()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real CTranslate2 + SentencePiece model with random weights, as an .argosmodel."""
    texts = [line for f in sorted(SEEDS.glob("*.txt"))
             for line in f.read_text(encoding="utf-8").splitlines()]
    return build_package(tmp_path_factory.mktemp("model") / "ar_en-tiny.argosmodel", texts, TINY)


@pytest.fixture
def write_config(tmp_path: Path) -> ConfigFactory:
    """Write a config.yaml in tmp_path: defaults + test-sized translation + overrides."""

    def make(sources: list[dict[str, Any]] | None = None, **sections: dict[str, Any]) -> Path:
        return builders.write_config(tmp_path / "config.yaml", sources, **sections)

    return make


@pytest.fixture
def cfg(write_config: ConfigFactory) -> Config:
    return config_mod.load(write_config())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where a test's store file goes (its folder not made yet)."""
    return tmp_path / "data" / "briefings.sqlite3"


@pytest.fixture
def cfg_path(write_config: ConfigFactory, db: Path) -> Path:
    """A config file whose store is ``db``."""
    return write_config(store={"path": str(db)})


@pytest.fixture
def store(cfg: Config) -> Iterator[Store]:
    s = Store(cfg.db_path)
    yield s
    s.close()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def web() -> Iterator[WebServer]:
    """A loopback HTTP server for feeds, pages and package indexes (tests/fakes/web.py)."""
    with web_server() as s:
        yield s


BOT_ADMIN = 1001  # the user id the bot tests' config lists in telegram.admins


@pytest.fixture
def server() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API on 127.0.0.1 (tests/fakes/botapi.py)."""
    s = FakeBotAPI()
    yield s
    s.close()


@pytest.fixture
def bot_config(write_config: ConfigFactory, server: FakeBotAPI, tiny_model: Path
               ) -> Callable[..., Config]:
    """A config for the bot against the fake Bot API, with the tiny model installed."""
    install_tiny(tiny_model)

    def make(sources: list[dict[str, Any]] | None = None, **telegram: Any) -> Config:
        tg = {"base_url": server.base_url, "admins": [BOT_ADMIN], **telegram}
        return config_mod.load(write_config(sources=sources, telegram=tg,
                                            schedule={"poll_every": 3600}))

    return make


@pytest.fixture
def no_catch_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the time of day the tests run, start-up does not send today's digest
    early (catch-up has its own test): these tests fire the job themselves."""
    monkeypatch.setattr(ChatService, "due_today", lambda self, chat_id, now=None: False)
