"""`briefings run` as a real process: kill -9 between compose and send, restart, exactly
once; and start-up against a Bot API that rejects the token, is down or fails: one line,
the right exit code, no traceback, the token nowhere."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import utcnow

from .builders import ConfigFactory, install_tiny
from .fakes.botapi import TOKEN, FakeBotAPI, closed_port_url

CHAT = 4242


def start(cfg_path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    return subprocess.Popen([sys.executable, "-m", "briefings.cli", "-vv", "run", "--config",
                             str(cfg_path)], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)


def wait(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_kill_9_between_compose_and_send(server: FakeBotAPI, write_config: ConfigFactory,
                                         tiny_model: Path, tmp_path: Path) -> None:
    install_tiny(tiny_model)
    cfg_path = write_config(telegram={"base_url": server.base_url},
                            schedule={"poll_every": 3600})
    cfg = config.load(cfg_path)
    service = ChatService(cfg)
    service.poll()
    service.store.subscribe(CHAT, "desk", "00:00", "UTC",  # today's digest is due at start-up
                         now=utcnow() - timedelta(days=1))
    log = tmp_path / "bot.log"

    server.hold_sends = True  # Telegram never answers: the digest is composed, not delivered
    proc = start(cfg_path, log)
    try:
        wait(lambda: server.called("sendMessage"))
        assert service.store.unsent_digests()  # in the outbox, unsent
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert server.messages_to(CHAT) == []

    server.hold_sends = False
    proc = start(cfg_path, log)
    try:
        wait(lambda: server.messages_to(CHAT))
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    delivered = server.messages_to(CHAT)
    assert len(delivered) == 1 and "Arabic press briefing" in delivered[0]["text"]
    assert service.store.unsent_digests() == []
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "briefings bot running" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def run_once(cfg_path: Path, *flags: str, timeout: float = 60.0) -> tuple[int, str]:
    """`briefings [flags] run` to its end: exit code and everything it printed."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    done = subprocess.run([sys.executable, "-m", "briefings.cli", *flags, "run", "--config",
                           str(cfg_path)], env=env, capture_output=True, timeout=timeout)
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


def test_rejected_token_one_line_exit_2(server: FakeBotAPI, write_config: ConfigFactory
                                        ) -> None:
    server.fail("getMe", 401, "Unauthorized", times=10)
    code, output = run_once(write_config(telegram={"base_url": server.base_url}))
    assert code == 2
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert output.strip().splitlines() == [
        f"error: the bot token was rejected by the Bot API at {server.base_url}"]


def test_bot_api_unreachable_bounded_retries(write_config: ConfigFactory) -> None:
    url = closed_port_url()
    started = time.monotonic()
    code, output = run_once(write_config(telegram={"base_url": url,
                                                   "startup_retry_seconds": 1}))
    assert time.monotonic() - started >= 1  # it kept trying for the whole window
    assert code == 1 and "Traceback" not in output and TOKEN.split(":")[1] not in output
    lines = output.strip().splitlines()
    assert len(lines) <= 2 and "retrying for up to" in lines[0]  # one warning, one error
    assert lines[-1].startswith(f"error: cannot reach the Bot API at {url}: ")
    assert re.search(r"; gave up after \d+ s$", lines[-1])


def test_bot_api_failing_with_5xx_bounded_retries(server: FakeBotAPI,
                                                  write_config: ConfigFactory) -> None:
    server.fail("getMe", 502, "Bad Gateway", times=1000)
    code, output = run_once(write_config(telegram={"base_url": server.base_url,
                                                   "startup_retry_seconds": 1}))
    assert code == 1 and "Traceback" not in output and TOKEN.split(":")[1] not in output
    assert len(server.called("getMe")) >= 2  # retried
    lines = output.strip().splitlines()
    assert len(lines) <= 2
    assert re.fullmatch(f"error: cannot reach the Bot API at {re.escape(server.base_url)}: "
                        r"Bad Gateway; gave up after \d+ s", lines[-1])
