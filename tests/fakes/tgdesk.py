"""The bot as ``briefings run`` runs it, against tests/fakes/tgclient.py's own Bot API:
the fixtures of the round-14 second-client tests (test_bot_round14b/c)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from briefings import config
from briefings.chat_service import ChatService

from ..builders import ConfigFactory, install_tiny
from .tgclient import TOKEN, Client, MiniBotAPI, converse, driven, private, utf16

CHAT, ADMIN = 4101, 4101
Script = Callable[[Client], None]


@pytest.fixture
def api() -> Iterator[MiniBotAPI]:
    server = MiniBotAPI()
    yield server
    server.close()


@pytest.fixture
def desk(write_config: ConfigFactory, api: MiniBotAPI, tiny_model: Path,
         monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
         ) -> Callable[..., tuple[config.Config, Callable[[Script], int]]]:
    """A config against ``api`` (the seeds polled, the tiny model installed) and a function
    that runs the bot with a script; after it, the log has no traceback and no token."""
    install_tiny(tiny_model)
    caplog.set_level(logging.INFO)

    def make(sources: list[dict[str, Any]] | None = None, polled: bool = True,
             **sections: dict[str, Any]) -> tuple[config.Config, Callable[[Script], int]]:
        telegram = {"base_url": api.url, "admins": [ADMIN], "startup_retry_seconds": 5,
                    **sections.pop("telegram", {})}
        cfg = config.load(write_config(sources=sources, telegram=telegram,
                                       schedule={"poll_every": 3600}, **sections))
        if polled:
            ChatService(cfg).poll()

        def run(script: Script) -> int:
            with driven(monkeypatch, api) as client:
                code = converse(client, cfg, script)
            text = caplog.text
            assert TOKEN not in text and TOKEN.partition(":")[2] not in text
            assert "Traceback" not in text
            assert not api.refused  # nothing empty, nothing over 4096 UTF-16 units
            assert all(utf16(m["text"]) <= 4096 for m in api.sent)
            return code

        return cfg, run

    return make


Desk = Callable[..., tuple[config.Config, Callable[[Script], int]]]
ME_CHAT = private(CHAT)
