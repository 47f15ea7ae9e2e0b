"""Round 14, the schedule and admin pass: the daily digest's schedule and the admin side,
attacked. Digest times on the days clocks change (Europe/London, America/New_York), zones
of +05:45 and +14, odd ways of typing a time, a digest time changed while its digest runs,
two chats at one time, a restart at digest time, a day without news; /status and /sources
in groups, admin and chat lists as a config writes them. The real Application over HTTP
against the fake Bot API (see test_bot.py); schedules are read from the jobs the bot
scheduled."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from briefings import config
from briefings.chat_service import ChatService
from briefings.cli import main
from briefings.clock import utcnow
from briefings.pipeline import Pipeline

from .builders import ConfigFactory, present, synthetic_articles
from .conftest import BOT_ADMIN
from .fakes.botapi import FakeBotAPI
from .fakes.chat import App, digest_job, running, say, started, subscribed, wait_for

CHAT, OTHER, GROUP, CHANNEL = 1401, 1402, -1001400, -1001400777
MEMBER = 5005  # a group member who is not an admin
BRIEFING = "Arabic press briefing"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fires(app: App, chat: int, start: datetime, n: int) -> list[str]:
    """The chat's next ``n`` digest times after ``start`` (UTC, "MM-DD HH:MM"), from the
    trigger of the job the bot scheduled, as the scheduler asks it: each after the last."""
    trigger = digest_job(app, chat).job.trigger
    out: list[str] = []
    previous = None
    for _ in range(n):
        nxt = trigger.get_next_fire_time(previous, start if previous is None else previous)
        assert nxt is not None and (previous is None or nxt > previous), (previous, nxt)
        out.append(f"{nxt.astimezone(UTC):%m-%d %H:%M}")
        previous = nxt
    return out


def digests(server: FakeBotAPI, chat: int) -> list[str]:
    return [m["text"] for m in server.messages_to(chat) if BRIEFING in m["text"]]


# -- the days clocks change, and zones far from UTC ---------------------------------------
@pytest.mark.parametrize(("zone", "at", "start", "expected"), [
    # the repeated hour: once, at its first occurrence (the scheduler looped on the second)
    ("Europe/London", "01:30", "2026-10-24 12:00",
     ["10-25 00:30", "10-26 01:30", "10-27 01:30"]),
    ("America/New_York", "01:30", "2026-10-31 12:00",
     ["11-01 05:30", "11-02 06:30", "11-03 06:30"]),
    # the hour that does not exist: once, an hour later by the clock (02:30 BST, 03:30 EDT)
    ("Europe/London", "01:30", "2026-03-28 12:00",
     ["03-29 01:30", "03-30 00:30", "03-31 00:30"]),
    ("America/New_York", "02:30", "2026-03-07 12:00",
     ["03-08 07:30", "03-09 06:30", "03-10 06:30"]),
    # an ordinary time across both changes: always 07:00 on the local clock
    ("Europe/London", "07:00", "2026-03-28 12:00", ["03-29 06:00", "03-30 06:00"]),
    ("Europe/London", "07:00", "2026-10-24 12:00", ["10-25 07:00", "10-26 07:00"]),
    ("Asia/Kathmandu", "07:30", "2026-03-06 12:00", ["03-07 01:45", "03-08 01:45"]),
    ("Pacific/Kiritimati", "07:00", "2026-03-06 12:00", ["03-06 17:00", "03-07 17:00"]),
])
def test_digest_times_on_the_days_clocks_change_and_in_far_zones(
        server: FakeBotAPI, bot_config: Callable[..., config.Config], zone: str, at: str,
        start: str, expected: list[str]) -> None:
    """On the night clocks go back, a digest in the repeated hour made the scheduler give
    the same time again and again: APScheduler 3.11's CronTrigger (agronholm/apscheduler
    #1021) would have looped for ever inside the event loop, the whole bot frozen."""
    cfg = bot_config()
    ChatService(cfg).store.subscribe(CHAT, "t", at, zone)

    async def script() -> None:
        async with started(server, cfg) as app:
            assert fires(app, CHAT, _utc(start), len(expected)) == expected

    asyncio.run(script())


def test_a_digest_missed_on_the_night_clocks_go_back_is_sent_once(
        bot_config: Callable[..., config.Config]) -> None:
    """Catch-up at start-up agrees with the schedule: due from the first 01:30, once."""
    service = ChatService(bot_config())
    service.store.subscribe(CHAT, "t", "01:30", "Europe/London", now=_utc("2026-01-01 00:00"))
    assert not service.due_today(CHAT, _utc("2026-10-25 00:15"))  # 01:15 BST
    assert service.due_today(CHAT, _utc("2026-10-25 00:45"))  # 01:45 BST
    service.compose_digest(CHAT, "daily", _utc("2026-10-25 00:45"))
    assert not service.due_today(CHAT, _utc("2026-10-25 01:45"))  # the second 01:30 passed
    # the hour that does not exist: due when the job fires, 02:30 BST
    assert not service.due_today(CHAT, _utc("2026-03-29 01:10"))
    assert service.due_today(CHAT, _utc("2026-03-29 01:31"))


def test_a_digest_at_plus_fourteen_hours_is_for_the_local_day(
        bot_config: Callable[..., config.Config]) -> None:
    service = ChatService(bot_config())
    service.store.subscribe(CHAT, "t", "07:00", "Pacific/Kiritimati",
                            now=_utc("2026-03-01 00:00"))
    first = _utc("2026-03-06 17:05")  # 07:05 on 7 March in Kiritimati
    assert service.due_today(CHAT, first)
    service.compose_digest(CHAT, "daily", first)
    assert service.store.daily_digest(CHAT, "2026-03-07") is not None
    assert not service.due_today(CHAT, _utc("2026-03-06 23:00"))  # same local day
    assert not service.due_today(CHAT, _utc("2026-03-07 16:00"))  # 06:00 on 8 March
    assert service.due_today(CHAT, _utc("2026-03-07 17:01"))


# -- typing a time ---------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "reply", "local"), [
    ("24:00", "Not a time: 24:00. Use HH:MM", None),
    ("23:59", "23:59", "23:59"),
    ("7:5", "Not a time: 7:5. Use HH:MM", None),
    ("٠٧:٣٠", "07:30", "07:30"),  # Arabic-Indic digits, saved and shown as 07:30
    ("۰۸:۴۵", "08:45", "08:45"),  # Persian digits
    ("7:30", "07:30", "07:30"),
    ("99999999999999999999:00", "Not a time: 99999999999999999999:00", None),
    ("١٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠:٠٠", "Not a time", None),
])
def test_settings_time_as_people_type_it(server: FakeBotAPI,
                                         bot_config: Callable[..., config.Config],
                                         typed: str, reply: str, local: str | None) -> None:
    """A time with 20 digits of hours got no reply at all (an OverflowError, a traceback
    in the log)."""
    cfg = bot_config()
    ChatService(cfg).store.subscribe(CHAT, "t", "06:15", "Asia/Kathmandu")

    async def script() -> None:
        async with started(server, cfg) as app:
            answer = (await say(server, CHAT, f"/settings time {typed}"))["text"]
            assert reply in answer
            assert local is not None or "\n" not in answer  # a refusal: one line
            when = present(digest_job(app, CHAT).next_t).astimezone(ZoneInfo("Asia/Kathmandu"))
            assert f"{when:%H:%M}" == (local or "06:15")

    asyncio.run(script())
    assert present(ChatService(cfg).store.chat(CHAT)).digest_time == (local or "06:15")


# -- a digest while things change --------------------------------------------------------
def test_a_digest_time_changed_while_its_digest_runs(
        server: FakeBotAPI, bot_config: Callable[..., config.Config],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest being composed goes out once; the job moves to the new time, and when it
    fires there the same day nothing is sent again."""
    cfg = bot_config()
    subscribed(cfg, CHAT)
    entered, release = threading.Event(), threading.Event()
    compose = ChatService.compose_digest

    def slow(self: ChatService, chat_id: int, *args: Any) -> int:
        entered.set()
        release.wait(30)
        return compose(self, chat_id, *args)

    monkeypatch.setattr(ChatService, "compose_digest", slow)

    async def script() -> None:
        async with started(server, cfg) as app:
            running_job = asyncio.create_task(digest_job(app, CHAT).run(app))
            try:
                await wait_for(entered.is_set)
                answer = await say(server, CHAT, "/settings time 23:58")
                assert "23:58" in answer["text"]
            finally:
                release.set()
            await running_job
            job = digest_job(app, CHAT)
            assert f"{present(job.next_t).astimezone(UTC):%H:%M}" == "23:58"
            await job.run(app)  # 23:58 comes
            await asyncio.sleep(0.3)

    asyncio.run(script())
    assert len(digests(server, CHAT)) == 1


def test_two_chats_at_the_same_time_each_get_one_digest(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    """Both jobs fire through the real scheduler at the same instant."""
    cfg = bot_config()
    subscribed(cfg, CHAT, at="23:57")
    ChatService(cfg).store.subscribe(OTHER, "o", "23:57", "UTC")

    async def script() -> None:
        async with started(server, cfg) as app:
            now = datetime.now(UTC)
            for chat in (CHAT, OTHER):
                digest_job(app, chat).job.modify(next_run_time=now)
            await wait_for(lambda: digests(server, CHAT) and digests(server, OTHER))
            await asyncio.sleep(0.5)
            for chat in (CHAT, OTHER):  # and the next time is tomorrow's, not now again
                nxt = present(digest_job(app, chat).next_t)
                assert nxt > now and f"{nxt.astimezone(UTC):%H:%M}" == "23:57"

    asyncio.run(script())
    assert len(digests(server, CHAT)) == 1 and len(digests(server, OTHER)) == 1


def test_a_restart_at_digest_time_sends_the_digest_once(
        server: FakeBotAPI, bot_config: Callable[..., config.Config],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """At start-up the catch-up and the daily job fired together for one chat: both found
    the same digest's parts unsent and both sent them."""
    cfg = bot_config()
    together = threading.Barrier(2)
    compose = ChatService.compose_digest

    def at_once(self: ChatService, chat_id: int, *args: Any) -> int:
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(5)  # the two compose at the same moment
        return compose(self, chat_id, *args)

    monkeypatch.setattr(ChatService, "compose_digest", at_once)
    service = subscribed(cfg, CHAT)
    service.store.update_chat(CHAT, digest_time="00:00")  # due since midnight ...
    service.store.db.execute("UPDATE chats SET schedule_from = ?",
                             ((utcnow() - timedelta(days=1)).isoformat(),))  # ... and missed
    service.store.db.commit()
    server.send_delay = 0.4  # Telegram takes its time to answer

    async def script() -> None:
        async with running(cfg) as app:
            await digest_job(app, CHAT).run(app)  # the job fires as the bot starts
            await wait_for(lambda: digests(server, CHAT))
            await asyncio.sleep(1.2)
            assert together.n_waiting == 0 and not together.broken

    asyncio.run(script())
    assert len(digests(server, CHAT)) == 1
    assert ChatService(cfg).store.unsent_digests() == []


def test_a_restart_after_a_digest_was_half_sent_sends_only_the_rest(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    service = subscribed(cfg, CHAT)
    digest_id = service.store.record_digest(CHAT, "daily", f"{utcnow():%Y-%m-%d}", [1],
                                            [("<b>part one</b>", "part one"),
                                             ("<b>part two</b>", "part two")])
    service.store.mark_part_sent(digest_id, 0, CHAT, 77)

    async def script() -> None:
        async with running(cfg) as app:
            await wait_for(lambda: server.messages_to(CHAT))
            await digest_job(app, CHAT).run(app)
            await asyncio.sleep(0.5)

    asyncio.run(script())
    assert [m["text"] for m in server.messages_to(CHAT)] == ["<b>part two</b>"]


def test_a_day_without_new_stories_says_so_in_one_message(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    """Nothing new since the last digest (here: no article at all): one short message, so
    that silence never has to be read as a broken bot."""
    cfg = bot_config()
    ChatService(cfg).store.subscribe(CHAT, "t", "07:00", "UTC")

    async def script() -> None:
        async with started(server, cfg) as app:
            await digest_job(app, CHAT).run(app)
            await asyncio.sleep(0.3)

    asyncio.run(script())
    (only,) = digests(server, CHAT)
    assert only.endswith("No new stories.") and only.count("\n") == 1


def test_an_article_polled_while_a_digest_is_composed_is_in_the_next_digest(
        bot_config: Callable[..., config.Config], seeds_copy: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A poll that ends while a digest is being composed (translation takes a while) adds
    articles after the digest read its own and before it was recorded: the next digest
    starts from the recording, so those articles were in no digest at all."""
    cfg = bot_config(sources=[{"name": "desk", "type": "folder", "path": str(seeds_copy)}])
    service = subscribed(cfg, CHAT)
    digest = Pipeline.digest
    polled: list[bool] = []

    def poll_meanwhile(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        result = digest(self, *args, **kwargs)
        if not polled:
            polled.append(True)
            synthetic_articles(seeds_copy / "late", 1)
            ChatService(cfg).poll()  # the poll thread, on its own connection
            time.sleep(1.1)  # composing takes its time
        return result

    monkeypatch.setattr(Pipeline, "digest", poll_meanwhile)
    first = service.compose_digest(CHAT, "daily")
    second = service.compose_digest(CHAT, "daily", utcnow() + timedelta(days=1))
    (late,) = [a.id for a in service.store.articles_since(utcnow() - timedelta(days=1))
               if "late" in a.location]
    story = service.store.stories_of([late])[late]
    shown = service.store.digest_story_ids(first) + service.store.digest_story_ids(second)
    assert story in shown


# -- the admin side -----------------------------------------------------------------------
def _in_group(server: FakeBotAPI, user: int, text: str) -> Any:
    return say(server, GROUP, text, user_id=user, chat_type="supergroup")


def test_status_in_a_group(server: FakeBotAPI, bot_config: Callable[..., config.Config]
                           ) -> None:
    """A member who is not an admin is refused; an admin's status (every subscriber's id
    and schedule) is not shown to the whole group but in a private chat only."""
    cfg = bot_config()
    subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg):
            refused = (await _in_group(server, MEMBER, "/status"))["text"]
            assert refused == "/status is for the bot's admins."
            admin = (await _in_group(server, BOT_ADMIN, "/status@briefings_bot"))["text"]
            assert str(CHAT) not in admin and "private chat" in admin
            private = (await say(server, BOT_ADMIN, "/status"))["text"]
            assert f"Next digest for {CHAT}" in private

    asyncio.run(script())


def test_sources_in_a_group_never_show_paths(server: FakeBotAPI,
                                             bot_config: Callable[..., config.Config]
                                             ) -> None:
    """An admin's /sources in a group showed the server's paths (and feed URLs, which may
    carry a key) to every member."""
    cfg = bot_config()
    subscribed(cfg, CHAT)
    path = str(cfg.sources[0].path)

    async def script() -> None:
        async with started(server, cfg):
            member = (await _in_group(server, MEMBER, "/sources"))["text"]
            admin = (await _in_group(server, BOT_ADMIN, "/sources"))["text"]
            private = (await say(server, BOT_ADMIN, "/sources"))["text"]
            assert "ok, last fetch" in member and path not in member
            assert "ok, last fetch" in admin and path not in admin
            assert path in private

    asyncio.run(script())


@pytest.mark.parametrize(("telegram", "line"), [
    ({"admins": ["1001"]}, "telegram.admins[0]: expected a whole number, got '1001'"),
    ({"allowed_chats": ["-1001400777"]},
     "telegram.allowed_chats[0]: expected a whole number, got '-1001400777'"),
    ({"admins": [-1001400777]}, "telegram.admins[0]: expected a user id"),
    # a digest time the config can hold: refused as one, not a traceback (OverflowError)
    (None, "schedule.digest_time: expected a time HH:MM, got '99999999999999999999:00'"),
])
def test_admin_and_chat_lists_are_checked_at_start(
        write_config: ConfigFactory, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, telegram: dict[str, Any] | None, line: str) -> None:
    """A quoted id would never match a user or a chat: refused at start in one line, not
    an admin list that silently lets nobody in."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    path: Path = (write_config(telegram=telegram) if telegram is not None else
                  write_config(schedule={"digest_time": "99999999999999999999:00"}))
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert line in err and len(err.splitlines()) == 1 and "Traceback" not in err


def _channel_post(text: str) -> dict[str, Any]:
    chat = {"id": CHANNEL, "type": "channel", "title": "Desk news"}
    post: dict[str, Any] = {"message_id": 5, "date": 0, "chat": chat, "sender_chat": chat,
                            "text": text}
    if text.startswith("/"):
        post["entities"] = [{"type": "bot_command", "offset": 0,
                             "length": len(text.split()[0])}]
    return {"channel_post": post}


def test_an_allowed_channel(server: FakeBotAPI, bot_config: Callable[..., config.Config]
                            ) -> None:
    """A channel on allowed_chats: its posts are not questions and get no reply (a command
    it posts is its admins': tests/test_bot_round16.py), and a channel subscribed (its row
    in the store) gets its daily digest as posts."""
    cfg = bot_config(allowed_chats=[CHANNEL, CHAT])
    subscribed(cfg, CHANNEL)

    async def script() -> None:
        async with started(server, cfg) as app:
            server.push(_channel_post("ماذا حدث في مصراتة؟"))
            server.push(_channel_post("اشتباكات في مصراتة"))
            await asyncio.sleep(0.5)
            assert server.messages_to(CHANNEL) == []
            await digest_job(app, CHANNEL).run(app)

    asyncio.run(script())
    assert len(digests(server, CHANNEL)) == 1
