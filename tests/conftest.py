"""Shared fixtures: isolated homes, config builders, and one tiny real Argos model."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefings import config as config_mod
from briefings.autoinstall import forget_failures
from briefings.config import Config
from briefings.modelkit import ModelShape, build_package
from briefings.store import Store
from briefings.translate import forget_loaded

from .fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED_DATA = ROOT.parent / "shared" / "data" / "saudinewsnet"
# Small enough to build in a second, big enough to be a real encoder-decoder.
TINY = ModelShape(layers=2, d_model=32, ffn=64, heads=2, vocab_size=300, eos_bias=2.0,
                  english_target=True)
TEST_MAX_DECODING = 24
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


ConfigFactory = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> ConfigFactory:
    """Write a config.yaml in tmp_path: defaults + test-sized translation + overrides."""

    def make(sources: list[dict[str, Any]] | None = None, **sections: dict[str, Any]) -> Path:
        data: dict[str, Any] = {
            "sources": sources if sources is not None else
            [{"name": "seeds", "type": "folder", "path": str(SEEDS)}],
            "translate": {"max_decoding_length": TEST_MAX_DECODING, "beam_size": 1},
        }
        for key, value in sections.items():
            data.setdefault(key, {}).update(value)
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return make


@pytest.fixture
def cfg(write_config: ConfigFactory) -> Config:
    return config_mod.load(write_config())


@pytest.fixture
def store(cfg: Config) -> Store:
    s = Store(cfg.db_path)
    yield s
    s.close()


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def install_tiny(tiny_model: Path) -> None:
    from briefings.cli import main

    assert main(["models", "install", str(tiny_model)]) == 0
    forget_loaded()


BOT_ADMIN = 1001  # the user id the bot tests' config lists in telegram.admins


@pytest.fixture
def server() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API on 127.0.0.1 (test modules may define their own `server`)."""
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
