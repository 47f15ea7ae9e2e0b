"""Round 14, a second independent client (see test_bot_round14b.py): polling outages, a
proxy's error pages, a sixty-story digest, a digest sent while its group migrates."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from briefings.chat_service import ChatService
from briefings.clock import utcnow

from .builders import present, synthetic_articles
from .fakes import tgdesk
from .fakes.tgclient import Client, MiniBotAPI, error, message
from .fakes.tgdesk import CHAT, ME_CHAT, Desk

api, desk = tgdesk.api, tgdesk.desk  # the fixtures


def test_polling_outages_are_said_once_and_their_end_too(
        desk: Desk, api: MiniBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    """Another instance polling (409), then a proxy's HTML 502: each retry was logged, the
    502 twice (python-telegram-bot's ERROR with the whole page, then ours), and nothing said
    polling was back."""
    _, run = desk()
    page = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
            b"Gateway</h1></center><hr><center>nginx</center></body></html>")
    script_rules: list[str] = ["409", "409", "ok", "502", "502"]

    def outage(method: str, params: dict[str, Any]) -> Any:
        if method != "getUpdates" or not script_rules:
            return None
        kind = script_rules.pop(0)
        if kind == "409":
            return error(409, "Conflict: terminated by other getUpdates request; make sure "
                              "that only one bot instance is running")
        return (502, page, "text/html") if kind == "502" else None

    def script(c: Client) -> None:
        api.rules.append(outage)
        c.wait(lambda: not script_rules)
        assert "/digest" in c.say(ME_CHAT, "/help")[0]["text"]

    assert run(script) == 0
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
             and r.name != "bot.app"]
    assert len(lines) == 4, lines
    assert lines[0].startswith("another process is polling with this bot token (Conflict")
    assert lines[1].startswith("polling works again after 2 failed attempt(s)")
    assert lines[2] == ("Bot API not reachable while polling (HTTP 502, not the Bot API's "
                        "answer: 502 Bad Gateway); retrying")
    assert lines[3].startswith("polling works again after 2 failed attempt(s)")


def test_a_sixty_story_digest(desk: Desk, tmp_path: Path) -> None:
    """Sixty stories (digest.max_stories 60): in a few messages each within Telegram's
    4096 UTF-16 units, every story once, all in HTML (no part fell back to plain text)."""
    synthetic_articles(tmp_path / "many", 60, sentences=4)
    _, run = desk(sources=[{"name": "many", "type": "folder", "path": str(tmp_path / "many")}],
                  digest={"max_stories": 60})

    def script(c: Client) -> None:
        parts = c.say(ME_CHAT, "/digest")
        assert 2 <= len(parts) <= 6 and "60 stories from 60 articles" in parts[0]["text"]
        assert sum(p["text"].count("(#") for p in parts) == 60
        assert all(p["params"].get("parse_mode") == "HTML" for p in parts)

    assert run(script) == 0


GROUP, SUPER = -4400, -1000000004400


def _migrating(api: MiniBotAPI, old: int, new: int) -> None:
    """Telegram upgrades group ``old`` while a digest is being sent to it: its first part
    reaches the group, and the group's service message comes in while the others are sent
    (which Telegram refuses, naming the supergroup)."""
    sends = [0]
    moved = {"message": message(api, {"id": old, "type": "group", "title": "desk"}, None,
                                sender=777, migrate_to_chat_id=new)}

    def rule(method: str, params: dict[str, Any]) -> Any:
        if method != "sendMessage" or int(params["chat_id"]) != old:
            return None
        sends[0] += 1
        if sends[0] == 1:
            api.deliver(moved)
            return None
        return error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                     migrate_to_chat_id=new)

    api.rules.append(rule)


def test_a_digest_sent_while_its_group_migrates_arrives_once(
        desk: Desk, api: MiniBotAPI, tmp_path: Path) -> None:
    """Every story once, the rest of the digest in the supergroup, the daily job and today's
    digest moved with it (no second digest after a restart)."""
    synthetic_articles(tmp_path / "many", 40, sentences=4)
    cfg, run = desk(sources=[{"name": "many", "type": "folder", "path": str(tmp_path / "many")}],
                    digest={"max_stories": 40})
    store = ChatService(cfg).store
    store.subscribe(GROUP, "desk", "07:00", "UTC")

    def script(c: Client) -> None:
        _migrating(api, GROUP, SUPER)
        job = c.app.job_queue.get_jobs_by_name(f"digest:{GROUP}")[0]
        asyncio.run_coroutine_threadsafe(job.run(c.app), present(c.loop)).result(60)
        c.wait(lambda: c.app.job_queue.get_jobs_by_name(f"digest:{SUPER}"))
        old, new = api.to(GROUP), api.to(SUPER)
        assert len(old) == 1 and "40 stories" in old[0]["text"] and len(new) >= 1
        assert sum(p["text"].count("(#") for p in old + new) == 40  # every story, once
        assert not c.app.job_queue.get_jobs_by_name(f"digest:{GROUP}")

    assert run(script) == 0
    assert store.chat(GROUP) is None and store.unsent_digests() == []
    assert store.daily_digest(SUPER, utcnow().date().isoformat()) is not None
    assert not ChatService(cfg).due_today(SUPER)


def test_a_502_from_a_proxy_on_send_is_retried_and_said_once(
        desk: Desk, api: MiniBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    """A proxy's HTML 502 to a sendMessage: python-telegram-bot logged the page as an ERROR,
    then our retry line quoted it again."""
    _, run = desk()
    failures = [1]

    def flaky(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and failures:
            failures.pop()
            return 502, b"<html><title>502 Bad Gateway</title></html>", "text/html"
        return None

    def script(c: Client) -> None:
        api.rules.append(flaky)
        assert len(c.say(ME_CHAT, "/help")) == 1  # retried, and delivered once

    assert run(script) == 0
    said = [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and r.name != "bot.app"]
    assert said == [f"chat {CHAT}: network error (HTTP 502, not the Bot API's answer: 502 Bad "
                    "Gateway); retrying in 1s"]


def test_a_long_outage_is_said_again_every_ten_minutes(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    from bot import startup

    clock = [1000.0]
    monkeypatch.setattr(startup.time, "monotonic", lambda: clock[0])
    outage = startup.Outage()
    said = []
    for _ in range(30):  # a failure every 30 s for 15 minutes
        said.append(outage.failed())
        clock[0] += 30
    assert said.count(True) == 2 and said[0] and said[20]
    outage.answered()
    assert caplog.messages == ["polling works again after 30 failed attempt(s) in 900 s"]
    outage.answered()  # no outage: nothing said
    assert len(caplog.messages) == 1
