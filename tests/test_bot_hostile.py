"""The bot against hostile input and a hostile world: the real Application over HTTP
against the fake Bot API (see test_bot.py), one case per way it used to go wrong."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import shutil
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import startup
from bot.app import build_application, load_token
from bot.secrets import TokenRejected, protect_output
from briefings import compose_chat, config
from briefings.chat_service import ChatService
from briefings.clock import utcnow
from briefings.compose import public_link
from briefings.errors import TokenMissing
from briefings.models import Article

from .builders import SEEDS, ConfigFactory, present
from .fakes.botapi import TOKEN, FakeBotAPI
from .fakes.chat import digest_job, digest_jobs, running, say, wait_for

CHAT, OTHER = 1001, 2002  # CHAT is an admin
SECRET = TOKEN.split(":")[1]


def texts(server: FakeBotAPI, chat: int) -> list[str]:
    return [m["text"] for m in server.messages_to(chat)]


def test_ids_out_of_range_and_odd_numbers_are_answered(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    ChatService(cfg).poll()

    async def script() -> None:
        async with running(cfg):
            for command in ("/story", "/original"):
                answer = await say(server, CHAT, f"{command} 99999999999999999999")
                assert answer["text"].startswith("No story #99999999999999999999.")
            assert "No story #0." in (await say(server, CHAT, "/story 0"))["text"]
            assert "No story #" in (await say(server, CHAT, "/story " + "9" * 500))["text"]
            assert "Which story?" in (await say(server, CHAT, "/story ²"))["text"]
            assert "Story #1" in (await say(server, CHAT, "/story ١"))["text"]  # Arabic digit
            assert "Latest stories" in (await say(server, CHAT, "/latest ²"))["text"]
            assert "#1" in (await say(server, CHAT, "/latest 99999999999999999999"))["text"]

    asyncio.run(script())


def test_no_reply_exceeds_telegram_limit(server: FakeBotAPI,
                                         bot_config: Callable[..., config.Config],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = bot_config()
    ChatService(cfg).poll()
    question = ("zzqx " * 820)[:4096]

    async def script() -> None:
        async with running(cfg):
            await say(server, CHAT, "/start")
            nothing = await say(server, CHAT, question)
            assert nothing["text"].startswith("Nothing about “zzqx zzqx")
            assert "…”" in nothing["text"] and len(nothing["text"]) < 400
            tz = await say(server, CHAT, "/settings tz " + "x" * 300)  # an OSError once
            assert tz["text"].startswith("Unknown time zone") and len(tz["text"]) < 300
            zone_dir = await say(server, CHAT, "/settings tz Europe")  # a directory
            assert zone_dir["text"].startswith("Unknown time zone")
            assert "1 to 20" in (await say(server, CHAT, "/settings stories ²"))["text"]
            gone = await say(server, CHAT, "/filter remove " + "y" * 3000)
            assert gone["text"].startswith("No filter yyy") and len(gone["text"]) < 1000
            # the last line of defence: whatever a command returns goes out within the limit
            words = [f"w{i}" for i in range(2500)]
            monkeypatch.setattr(compose_chat, "latest", lambda stories: [
                "<b>Latest</b>\n" + " ".join(words)])
            before = len(server.messages_to(CHAT))
            server.user_message(CHAT, "/latest")
            def all_parts() -> list[dict[str, Any]] | None:  # until the last word is out
                got = server.messages_to(CHAT)[before:]
                return got if got and got[-1]["text"].split()[-1] == words[-1] else None

            parts = await wait_for(all_parts)
            assert len(parts) >= 3
            assert all(len(p["text"]) <= 4096 for p in parts)
            assert " ".join(p["text"] for p in parts).split() == ["Latest", *words]
        assert len(server.called("sendMessage")) == len(server.sent)  # none refused

    asyncio.run(script())


def test_forged_button_data_is_answered(server: FakeBotAPI,
                                        bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()

    async def script() -> None:
        async with running(cfg):
            await say(server, CHAT, "/start")
            message = {"message_id": 1, "date": 0, "text": "x",
                       "chat": {"id": CHAT, "type": "private"}}
            for data in ("set:stories", "set:stories:²", "set:tz:" + "z" * 50):
                before = len(server.called("answerCallbackQuery"))
                server.press(CHAT, message, data)
                def answered(b: int = before) -> bool:
                    return len(server.called("answerCallbackQuery")) > b

                await wait_for(answered)

    asyncio.run(script())


def test_missed_digest_only_when_due_under_the_current_schedule(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    service = ChatService(cfg)
    service.poll()
    yesterday = utcnow() - timedelta(days=1)
    moved, fresh, missed = 11, 12, 13  # start-up looks at chats in this order
    service.store.subscribe(moved, "moved", "23:59", "UTC", now=yesterday)
    before = present(service.store.chat(moved)).schedule_from
    service.store.update_chat(moved, digest_time="00:00")  # moved to a time already past today
    assert present(present(service.store.chat(moved)).schedule_from) > present(before)
    service.store.subscribe(fresh, "fresh", "00:00", "UTC")  # subscribed after today's time
    service.store.subscribe(missed, "missed", "00:00", "UTC", now=yesterday)  # really missed

    async def script() -> None:
        async with running(cfg):
            await wait_for(lambda: texts(server, missed))
            await asyncio.sleep(0.3)

    asyncio.run(script())
    assert "Arabic press briefing" in texts(server, missed)[0]
    assert texts(server, moved) == [] and texts(server, fresh) == []
    tz_before = present(service.store.chat(missed)).schedule_from
    service.store.update_chat(missed, timezone="Asia/Riyadh")
    assert present(present(service.store.chat(missed)).schedule_from) > present(tz_before)


def test_group_upgraded_to_supergroup_follows_new_id(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    service = ChatService(cfg)
    service.poll()
    group, supergroup = -500, -1000000000500
    service.store.subscribe(group, "desk group", "07:00", "UTC")
    service.store.add_filter(group, "Misrata")
    service.store.remember_message(group, 5, [1])
    other, other_new = -600, -1000000000600
    service.store.subscribe(other, "second group", "08:00", "UTC")

    async def script() -> None:
        async with running(cfg) as app:
            await wait_for(lambda: server.called("setMyCommands"))
            server.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a "
                        "supergroup chat", times=10, parameters={"migrate_to_chat_id": supergroup},
                        when=lambda p: int(p["chat_id"]) == group)
            await digest_job(app, group).run(app)
            assert "Arabic press briefing" in texts(server, supergroup)[0]
            assert digest_jobs(app, supergroup)
            await wait_for(lambda: not digest_jobs(app, group))
            # the service message in the old group says the same
            server.service_message(other, migrate_to_chat_id=other_new)
            await wait_for(lambda: digest_jobs(app, other_new))
            assert not server.messages_to(other)  # no "this bot is private" or the like

    asyncio.run(script())
    store = service.store
    assert store.chat(group) is None and present(store.chat(supergroup)).subscribed
    assert present(store.chat(supergroup)).title == "desk group"
    assert store.filters(supergroup) == ["Misrata"]
    assert store.message_stories(supergroup, 5) == [1]
    assert store.sent_parts(supergroup) and store.unsent_digests() == []
    assert store.chat(other) is None and present(store.chat(other_new)).digest_time == "08:00"


def test_one_chat_digest_does_not_stall_another(
        server: FakeBotAPI, bot_config: Callable[..., config.Config],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = bot_config()
    ChatService(cfg).poll()
    entered, release = threading.Event(), threading.Event()
    compose = ChatService.compose_digest

    def slow_compose(self: ChatService, chat_id: int, *args: Any) -> int:
        if chat_id == CHAT:
            entered.set()
            release.wait(30)
        return compose(self, chat_id, *args)

    monkeypatch.setattr(ChatService, "compose_digest", slow_compose)

    async def script() -> None:
        async with running(cfg):
            try:
                server.user_message(CHAT, "/digest")
                await wait_for(entered.is_set)
                await wait_for(lambda: [p for p in server.called("sendChatAction")
                                        if int(p["chat_id"]) == CHAT])
                latest = await say(server, OTHER, "/latest")  # answered meanwhile
                assert "#1" in latest["text"]
                assert not release.is_set() and texts(server, CHAT) == []
            finally:
                release.set()
            digest = await wait_for(lambda: texts(server, CHAT))
            assert "Arabic press briefing" in digest[0]
            assert server.called("sendChatAction")[0]["action"] == "typing"

    asyncio.run(script())


def test_chats_see_no_server_paths(server: FakeBotAPI, tmp_path: Path,
                                   bot_config: Callable[..., config.Config]) -> None:
    inbox = tmp_path / "srv" / "sources" / "inbox"
    shutil.copytree(SEEDS, inbox)
    (inbox / "blank.txt").write_text("#\n", encoding="utf-8")  # skipped: health names it
    missing = tmp_path / "srv" / "sources" / "gone"
    cfg = bot_config(sources=[{"name": "desk-inbox", "type": "folder", "path": str(inbox)},
                              {"name": "old", "type": "folder", "path": str(missing)}])
    ChatService(cfg).poll()
    secret = str(tmp_path / "srv")

    async def script() -> None:
        async with running(cfg):
            seen = [(await say(server, OTHER, text))["text"]
                    for text in ("/sources", "/story 1", "/original 1", "/ask مصراتة")]
            server.user_message(OTHER, "/digest")
            seen += await wait_for(lambda: [t for t in texts(server, OTHER)
                                            if "Arabic press briefing" in t])
            for text in seen:
                assert secret not in text and "../" not in text and "/srv/" not in text
            sources = seen[0]
            assert "desk-inbox</b> (folder)" in sources and "ok, last fetch" in sources
            assert "<b>old</b> (folder) — ⚠ failing" in sources
            assert "1 item(s) skipped last run" in sources and "blank.txt" not in sources
            for text in seen[1:]:
                assert "desk-inbox/000_ef1d12a2add07518.txt" in text
            admin = (await say(server, CHAT, "/sources"))["text"]
            assert str(inbox) in admin and str(missing) in admin  # admins see where
            assert "blank.txt" in admin

    asyncio.run(script())


def test_rejected_token_is_one_error_without_the_token(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    server.fail("getMe", 401, "Unauthorized", times=5)

    async def script() -> None:
        app = build_application(cfg, TOKEN)
        with pytest.raises(TokenRejected) as caught:
            await startup.connect(app, cfg)
        assert str(caught.value) == ("the bot token was rejected by the Bot API at "
                                     f"{server.base_url}")
        assert caught.value.exit_code == 2 and caught.value.__suppress_context__

    asyncio.run(script())


def test_start_up_retries_a_failing_bot_api(server: FakeBotAPI,
                                            bot_config: Callable[..., config.Config],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "FIRST_DELAY", 0.05)
    cfg = bot_config(startup_retry_seconds=30)
    server.fail("getMe", 502, "Bad Gateway", times=2)
    server.fail("getMe", 500, "Internal Server Error")

    async def script() -> None:
        app = build_application(cfg, TOKEN)
        await startup.connect(app, cfg)
        assert len(server.called("getMe")) == 4 and server.called("deleteWebhook")
        await app.shutdown()

    asyncio.run(script())


def test_token_masked_in_logs_and_uncaught_tracebacks(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    monkeypatch.setattr(root, "handlers", [handler])
    for hook in ("excepthook", "unraisablehook"):
        monkeypatch.setattr(sys, hook, getattr(sys, hook))
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    protect_output(TOKEN)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError as exc:
        logging.getLogger("telegram.ext").exception("Invalid token %s", TOKEN)
        sys.excepthook(type(exc), exc, exc.__traceback__)

    def worker() -> None:
        raise ValueError(f"https://api.telegram.org/bot{TOKEN}/getMe and {SECRET}")

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    err = capsys.readouterr().err
    logged = out.getvalue()
    assert "RuntimeError" in logged and "RuntimeError" in err and "ValueError" in err
    assert "[token]" in logged and "[token]" in err
    for text in (logged, err):
        assert TOKEN not in text and SECRET not in text


def test_token_file_that_is_a_directory_or_malformed(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "token"
    folder.mkdir(mode=0o700)
    # config.load refuses this too; load_token, at start-up, must not rely on it
    loaded = config.from_mapping({}, tmp_path)
    cfg = dataclasses.replace(loaded, telegram=dataclasses.replace(loaded.telegram,
                                                                   token_file="token"))
    with pytest.raises(TokenMissing, match="is a directory"):
        load_token(cfg)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc def\nrm -rf")
    with pytest.raises(TokenMissing, match="malformed") as caught:
        load_token(cfg)
    assert "abc" not in str(caught.value)


def test_folder_links_for_chats_name_source_and_file_only() -> None:
    def article(location: str, url: str | None = None) -> Article:
        return Article(id=1, source="inbox", location=location, url=url, outlet=None,
                       headline="h", language="ar", ingested_at=datetime.now(UTC))

    assert public_link(article("/srv/news/sources/inbox/a.txt")) == "inbox/a.txt"
    assert public_link(article("/srv/dump/2024.json#3")) == "inbox/2024.json#3"
    assert public_link(article("/x/y", "https://e.test/a")) == "https://e.test/a"
    evil = public_link(article("/srv/in/evil\u202etxt.exe\n\x1b[2J.txt"))
    assert evil == "inbox/evil\\u202etxt.exe\\n\\x1b[2J.txt"


def test_poll_reports_a_bad_item_once_not_every_poll(
        write_config: ConfigFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from bot.context import BotData
    from bot.jobs import poll_job

    folder = tmp_path / "inbox"
    shutil.copytree(SEEDS, folder)
    (folder / "bad.txt").write_text("#\n" + "-" * 100, encoding="utf-8")
    cfg = config.load(write_config(sources=[{"name": "inbox", "type": "folder",
                                             "path": str(folder)}]))
    data = BotData()
    data.service, data.worker = ChatService(cfg), ThreadPoolExecutor(1)
    context = SimpleNamespace(bot_data=data)
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        for _ in range(3):
            asyncio.run(poll_job(context))  # type: ignore[arg-type]
    said = [r.getMessage() for r in caplog.records if "bad.txt" in r.getMessage()]
    assert len(said) == 1 and "empty article" in said[0]
    (folder / "worse.txt").write_text("=\n" + "🎉" * 100, encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        asyncio.run(poll_job(context))  # type: ignore[arg-type]
    said = [r.getMessage() for r in caplog.records if ".txt" in r.getMessage()]
    assert len(said) == 1 and "worse.txt" in said[0]  # a new bad item is said, the old not again
