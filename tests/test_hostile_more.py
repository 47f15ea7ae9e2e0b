"""A second hostile pass over issue 7 (review7): the cases the first hardening missed.

Each test fails on the code before its fix. Servers are on 127.0.0.1, stores are real
SQLite files in tmp_path, packages are the tiny real model of conftest.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from telegram.error import RetryAfter

from bot.secrets import protect_output
from briefings import config, packages
from briefings.chat_service import ChatService
from briefings.cli import main
from briefings.decode import decode, decode_xml
from briefings.errors import FetchError, StoreError, UnreadableArticle
from briefings.fetch import http_fetcher
from briefings.ingest import ingest
from briefings.store import MIGRATIONS, Store
from briefings.translate import forget_loaded

from . import builders
from .builders import SEEDS, ConfigFactory, feed_store, install_tiny
from .fakes.botapi import TOKEN, FakeBotAPI, closed_port_url
from .fakes.chat import running, say, wait_for
from .fakes.web import WebServer, cut_short, garbage, send

SECRET = TOKEN.split(":")[1]

ARTICLE = (SEEDS / "000_ef1d12a2add07518.txt").read_text(encoding="utf-8")
LINES = ARTICLE.splitlines()


def variant(n: int) -> str:
    """A distinct Arabic article (its own content hash)."""
    return "\n".join([*LINES[:3], f"وقال المتحدث في التصريح رقم {n} إن الوضع غامض.", *LINES[3:]])


def rss(*items: str) -> str:
    return builders.rss(*items, title="Feed", link="http://x/", description="d")


def item(title: str, link: str, body: str) -> str:
    return builders.item(title, link, body.replace(chr(10), "<br/>"))


# -- encodings: other legacy encodings and mixed files are not stored as "Arabic" ---------

FOREIGN = {
    "KOI8-R Russian": ("Заголовок новости\n" + "Президент заявил, что ситуация в стране "
                       "остается сложной, и правительство объявило о новых мерах.\n" * 4,
                       "koi8-r"),
    "GB18030 Chinese": ("新闻标题\n" + "中华人民共和国国务院新闻办公室今天举行发布会。\n" * 10,
                        "gb18030"),
    "Windows-1255 Hebrew": ("כותרת החדשות\n" + "ראש הממשלה אמר היום כי המצב במדינה נותר "
                            "קשה מאוד.\n" * 5, "cp1255"),
    "Latin-1 German": ("Überschrift\n" + "Der Präsident erklärte, dass die Lage größer und "
                       "schwieriger geworden ist. Straße über Öl.\n" * 4, "latin-1"),
}


@pytest.mark.parametrize("name", list(FOREIGN))
def test_other_legacy_encodings_are_refused_not_read_as_windows_1256(name: str) -> None:
    text, codec = FOREIGN[name]
    with pytest.raises(UnreadableArticle, match="not UTF-8, UTF-16 or Windows-1256 text"):
        decode(text.encode(codec), "f.txt")


def test_utf8_mixed_with_windows_1256_is_refused_not_stored_as_mojibake() -> None:
    data = variant(1).encode("utf-8")[:400] + variant(2).encode("cp1256")[400:]
    with pytest.raises(UnreadableArticle, match="UTF-8 mixed with another encoding"):
        decode(data, "mixed.txt")


def test_windows_1256_arabic_still_reads_in_text_html_and_feeds() -> None:
    assert decode(ARTICLE.encode("cp1256"), "a.txt").text == ARTICLE
    cells = "".join(f"<td>{w}</td>" for w in ARTICLE.split()[:200])
    page = f"<html><body><table><tr>{cells}</tr></table></body></html>".encode("cp1256")
    assert decode(page, "p.html", "windows-1256").encoding == "cp1256"
    xml = ('<?xml version="1.0" encoding="windows-1256"?>' + rss(item("t", "http://x/1",
                                                                       ARTICLE)))
    assert decode_xml(xml.encode("cp1256"), "feed")[1].encoding == "cp1256"


def test_folder_skips_foreign_and_mixed_files_and_keeps_the_good_one(
        tmp_path: Path, write_config: ConfigFactory) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(variant(3), encoding="utf-8")
    (inbox / "russian.txt").write_bytes(FOREIGN["KOI8-R Russian"][0].encode("koi8-r"))
    (inbox / "mixed.txt").write_bytes(variant(4).encode()[:400] +
                                      variant(5).encode("cp1256")[400:])
    cfg = config.load(write_config([{"name": "inbox", "type": "folder", "path": str(inbox)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert [a.location for a in store.articles(report.added)] == [str(inbox / "good.txt")]
    assert len(report.skipped) == 2
    assert all("not UTF-8, UTF-16 or Windows-1256 text" in line for line in report.skipped)


# -- feeds: one bad character reference must not lose the whole feed ----------------------

def test_invalid_character_references_do_not_lose_the_feed(
        web: WebServer, write_config: ConfigFactory) -> None:
    body = rss(item("خبر أول &#xD800;", web.url + "/1", variant(11)),
               item("خبر ثان &#55357;&#56832;", web.url + "/2", variant(12)),
               item("خبر ثالث &#1114112;&#0;", web.url + "/3", variant(13)))
    web.routes["/feed"] = lambda h: send(h, body.encode())
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    titles = [a.headline for a in store.articles(report.added)]
    assert titles == ["خبر أول", "خبر ثان 😀", "خبر ثالث"]
    assert report.failed_sources == []
    assert any("3 invalid character reference(s) dropped" in line for line in report.skipped)


# -- fetching: cut-short, compressed and odd responses --------------------------------------

def test_a_response_cut_short_is_an_error_not_a_short_article(
        web: WebServer, write_config: ConfigFactory) -> None:
    body = rss(item("خبر أول", web.url + "/1", variant(21)),
               item("خبر ثان", web.url + "/2", variant(22))).encode()
    web.routes["/feed"] = cut_short(body)
    fetch = http_fetcher(5, "test")
    with pytest.raises(FetchError, match=r"incomplete response: \d+ of \d+ bytes"):
        fetch(web.url + "/feed")
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    assert report.added == []
    assert "incomplete response" in report.failed_sources[0]
    assert "incomplete response" in (store.sources_health()[0].last_error or "")


def test_a_page_cut_short_is_a_page_failure_not_a_stored_fragment(
        web: WebServer, write_config: ConfigFactory) -> None:
    page = ("<html><body><article><h1>عنوان</h1>" + "".join(
        f"<p>{line}</p>" for line in variant(23).splitlines()) + "</article></body></html>")
    web.routes["/page"] = cut_short(page.encode())
    web.routes["/feed"] = lambda h: send(h, rss(item("خبر", web.url + "/page",
                                                         "نص قصير")).encode())
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    assert report.added == []
    assert any("full text not fetched: incomplete response" in line for line in report.skipped)
    assert store.url_failure(web.url + "/page") is not None


def test_a_compressed_body_is_unpacked_within_the_size_cap(
        web: WebServer, write_config: ConfigFactory) -> None:
    body = rss(item("خبر مضغوط", web.url + "/1", variant(31))).encode()
    web.routes["/gzip"] = lambda h: send(h, gzip.compress(body), Content_Encoding="gzip")
    web.routes["/deflate"] = lambda h: send(h, zlib.compress(body),
                                                Content_Encoding="deflate")
    bomb = gzip.compress(b"<rss>" + b" " * 5_000_000)
    web.routes["/bomb"] = lambda h: send(h, bomb, Content_Encoding="gzip")
    web.routes["/broken"] = lambda h: send(h, gzip.compress(body)[:-40],
                                               Content_Encoding="gzip")
    fetch = http_fetcher(5, "test", max_bytes=1_000_000)
    assert fetch(web.url + "/gzip").data == body
    assert fetch(web.url + "/deflate").data == body
    with pytest.raises(FetchError, match=r"larger than 1 MB .* once unpacked"):
        fetch(web.url + "/bomb")
    with pytest.raises(FetchError, match="damaged gzip body"):
        fetch(web.url + "/broken")
    cfg, store = feed_store(write_config, web.url + "/gzip")
    assert len(ingest(cfg, store).added) == 1


def test_a_gzip_file_served_without_content_encoding_is_unpacked(
        web: WebServer, write_config: ConfigFactory) -> None:
    body = rss(item("خبر في ملف مضغوط", web.url + "/1", variant(32))).encode()
    web.routes["/feed.xml.gz"] = lambda h: send(h, gzip.compress(body),
                                                Content_Type="application/gzip")
    web.routes["/bomb.gz"] = lambda h: send(h, gzip.compress(b"<rss>" + b" " * 5_000_000))
    fetch = http_fetcher(5, "test", max_bytes=1_000_000)
    assert fetch(web.url + "/feed.xml.gz").data == body
    with pytest.raises(FetchError, match=r"larger than 1 MB .* once unpacked"):
        fetch(web.url + "/bomb.gz")
    cfg, store = feed_store(write_config, web.url + "/feed.xml.gz")
    report = ingest(cfg, store)
    assert len(report.added) == 1 and not report.failed_sources


def test_fetch_errors_are_one_line_fetch_errors(web: WebServer) -> None:
    web.routes["/loop"] = lambda h: send(h, b"", 302, Location="/loop")
    web.routes["/garbage"] = garbage(b"\x1b[2J\x00 not http\r\n\r\n")
    fetch = http_fetcher(5, "test")
    for path in ("/loop", "/garbage"):
        with pytest.raises(FetchError) as caught:
            fetch(web.url + path)
        message = str(caught.value)
        assert "\n" not in message and "\x1b" not in message and "\x00" not in message
    with pytest.raises(FetchError, match="not a valid link"):
        fetch("http://[::1/feed")


# -- translation packages ------------------------------------------------------------------

def rezip(src: Path, dst: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info)))
    return dst


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert "Traceback" not in captured.err and len(lines) == 1, captured.err
    return lines[0]


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_deeply_nested_metadata_is_one_line_at_install_and_once_installed(
        tiny_model: Path, tmp_path: Path, write_config: ConfigFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    deep = rezip(tiny_model, tmp_path / "deep.argosmodel",
                 lambda name, data: DEEP if name.endswith("metadata.json") else data)
    assert main(["models", "install", str(deep)]) == 1
    assert "metadata.json is nested too deeply" in one_error_line(capsys)
    install_tiny(tiny_model)
    (packages.installed(packages.packages_dir())[0].path / "metadata.json").write_bytes(DEEP)
    path = write_config()
    capsys.readouterr()
    assert main(["--config", str(path), "models", "list"]) == 0
    captured = capsys.readouterr()
    assert "not a package:" in captured.out and "nested too deeply" in captured.out
    assert main(["dry-run", "--config", str(path), "--summary-only"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "[untranslated]" in captured.out


def test_installed_package_whose_vocabulary_does_not_fit_its_weights(
        tiny_model: Path, write_config: ConfigFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(tiny_model)
    pkg = packages.installed(packages.packages_dir())[0].path
    (pkg / "model/shared_vocabulary.json").write_text('["<unk>", "<s>", "</s>", "a"]')
    forget_loaded()
    path = write_config()
    capsys.readouterr()
    assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    first = captured.out.splitlines()[0]
    assert first.startswith(f"! the ar->en package at {pkg} cannot be loaded: a trial "
                            f"translation failed")
    assert "[untranslated]" in captured.out
    assert Store(config.load(path).db_path).pending_count() > 0
    assert main(["ingest", "--config", str(path)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_install_says_what_the_file_is(tiny_model: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "a-folder.argosmodel"
    folder.mkdir()
    assert main(["models", "install", str(folder)]) == 1
    assert one_error_line(capsys).endswith(
        "a-folder.argosmodel: a directory, not an .argosmodel package file")
    cut = tmp_path / "cut.argosmodel"
    cut.write_bytes(tiny_model.read_bytes()[: tiny_model.stat().st_size * 9 // 10])
    assert main(["models", "install", str(cut)]) == 1
    assert "incomplete or damaged" in one_error_line(capsys)


# -- the store ------------------------------------------------------------------------------

@pytest.mark.parametrize(("edit", "what"), [
    ("DROP TABLE story_articles", "table story_articles is missing"),
    ("ALTER TABLE sources DROP COLUMN last_problem", "sources lacks column(s) last_problem"),
])
def test_a_store_whose_tables_were_dropped_or_altered_is_refused_in_one_line(
        edit: str, what: str, write_config: ConfigFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config()
    assert main(["ingest", "--config", str(path)]) == 0
    db_path = config.load(path).db_path
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        db.execute(edit)
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the main file: compare it
    before = db_path.read_bytes()
    capsys.readouterr()
    for command in (["ingest"], ["digest", "--dry-run"], ["ask", "ليبيا"]):
        assert main([*command, "--config", str(path)]) == 1
        line = one_error_line(capsys)
        assert line == (f"error: store {db_path}: the file is damaged or was edited: {what} "
                        f"(schema version {len(MIGRATIONS)}); restore it from a backup, or move "
                        f"it aside (or "
                        f"set store.path to another file) to start a new store")
    assert db_path.read_bytes() == before


# -- the bot ----------------------------------------------------------------------------------

CHAT = 1001


@pytest.fixture
def api(server: FakeBotAPI) -> FakeBotAPI:
    """conftest's fake Bot API (this module's own HTTP server fixture is ``web``)."""
    return server


@pytest.fixture
def bot_cfg(write_config: ConfigFactory, api: FakeBotAPI) -> config.Config:
    return config.load(write_config(telegram={"base_url": api.base_url},
                                    schedule={"poll_every": 3600}))


def test_the_token_never_goes_out_in_a_message(api: FakeBotAPI, bot_cfg: config.Config) -> None:
    async def script() -> None:
        async with running(bot_cfg):
            answer = await say(api, CHAT, f"what is {TOKEN} about?")
            assert "[token]" in answer["text"]

    asyncio.run(script())
    assert not [m for m in api.sent if TOKEN in m["text"] or SECRET in m["text"]]


def test_a_refused_call_in_a_handler_is_one_line_and_odd_chat_ids_are_ignored(
        api: FakeBotAPI, bot_cfg: config.Config, caplog: pytest.LogCaptureFixture) -> None:
    async def script() -> None:
        async with running(bot_cfg):
            api.fail("sendMessage", 400, "Bad Request: chat not found")
            api.user_message(CHAT, "/help")
            await wait_for(lambda: "Chat not found" in caplog.text)
            api.user_message(2**63, "/start")  # no Telegram chat has this id
            assert "/start" in (await say(api, CHAT, "/help"))["text"]

    with caplog.at_level(logging.INFO, logger="bot"):
        asyncio.run(script())
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "while handling Update in chat 1001: the Bot API answered: Chat not found" \
        in caplog.text
    assert "update from chat id 9223372036854775808 ignored" in caplog.text


def test_telegram_errors_logged_with_a_traceback_become_one_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for hook in ("excepthook", "unraisablehook"):
        monkeypatch.setattr(sys, hook, getattr(sys, hook))
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    protect_output(TOKEN)
    limiter = logging.getLogger("telegram.ext.AIORateLimiter")
    try:
        raise RetryAfter(5)
    except RetryAfter:
        limiter.exception("Rate limit hit after maximum of 3 retries")
    try:
        raise ValueError("a bug")
    except ValueError:
        logging.getLogger("bot.app").exception("while handling Update")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Rate limit hit after maximum of 3 retries (Flood control "
                               "exceeded. Retry in 5 seconds)")
    assert lines[1] == "while handling Update" and "Traceback" in lines[2]  # bugs keep theirs


def test_a_token_revoked_while_running_stops_the_bot_in_one_line(
        api: FakeBotAPI, write_config: ConfigFactory, tmp_path: Path) -> None:
    path = write_config(telegram={"base_url": api.base_url}, schedule={"poll_every": 3600})
    log = tmp_path / "bot.log"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "briefings.cli", "run", "--config",
                             str(path)], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while len(api.called("getUpdates")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        api.fail("getUpdates", 401, "Unauthorized")
        assert proc.wait(60) == 2  # it stops by itself
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert output.splitlines()[-1] == (f"error: the bot token was rejected by the Bot API at "
                                       f"{api.base_url}")
    assert "Traceback" not in output and SECRET not in output


def test_a_store_fault_in_a_handler_is_one_line_and_the_chat_is_told(
        api: FakeBotAPI, bot_cfg: config.Config, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: ChatService, n: int) -> list[str]:
        raise StoreError(self.cfg.db_path, "the file is damaged or truncated (database disk "
                         "image is malformed)", "restore it from a backup")

    monkeypatch.setattr(ChatService, "latest", broken)

    async def script() -> None:
        async with running(bot_cfg):
            answer = await say(api, CHAT, "/latest")
            assert answer["text"].startswith("Sorry, I can't answer right now")
            assert str(bot_cfg.db_path) not in answer["text"]  # no server paths in chats

    with caplog.at_level(logging.INFO, logger="bot"):
        asyncio.run(script())
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is None
    assert record.getMessage() == (f"while handling Update in chat {CHAT}: store "
                                   f"{bot_cfg.db_path}: the file is damaged or truncated "
                                   f"(database disk image is malformed); restore it from a "
                                   f"backup")


def test_the_bot_says_its_store_is_broken_before_connecting(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    path = write_config(telegram={"base_url": closed_port_url(), "startup_retry_seconds": 30})
    db = config.load(path).db_path
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_text("not a database\n" * 50)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    done = subprocess.run([sys.executable, "-m", "briefings.cli", "run", "--config", str(path)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"error: store {db}: not an SQLite database (file is "
                                        f"not a database); move it aside or set store.path "
                                        f"to another file"]


def test_a_package_index_nested_too_deeply_is_one_line(
        web: WebServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from argostranslate import settings

    web.routes["/index.json"] = lambda h: send(h, DEEP, ctype="application/json")
    monkeypatch.setattr(settings, "remote_package_index", web.url + "/index.json")
    assert main(["models", "install"]) == 1
    assert "cannot read the Argos package index" in one_error_line(capsys)


# -- config -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("section", "values", "message"), [
    ("store", {"path": ""}, "store.path: expected a path, or null for the default; got ''"),
    ("translate", {"packages_dir": " "}, "translate.packages_dir: expected a path"),
    ("telegram", {"token_file": ""}, "telegram.token_file: expected a path"),
    ("digest", {"title": "Briefing\nfake line"}, "digest.title: expected one line of printable"),
])
def test_empty_paths_and_a_multi_line_title_are_refused_not_silently_defaulted(
        section: str, values: dict[str, str], message: str, write_config: ConfigFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(**{section: values})
    assert main(["dry-run", "--config", str(path)]) == 2
    assert one_error_line(capsys).startswith(f"error: {path}: {message}")


def test_cli_arguments_from_a_hostile_world(cfg: config.Config, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    from briefings.cli import main

    path = str(cfg.base_dir / "config.yaml")
    with pytest.raises(SystemExit) as exit_:  # argparse: one usage line, exit 2
        main(["--config", path, "digest", "--dry-run", "--hours", "99999999999999999999"])
    assert exit_.value.code == 2
    assert "expected 1 to 87600 hours" in capsys.readouterr().err
    assert main(["models", "list", "--config", path]) == 0  # --config after the subcommand
    capsys.readouterr()
    assert main(["--config", path, "ask", "\x1b[2J\u202eمن فاز؟"]) == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\u202e" not in out.out + out.err


def test_a_model_that_fails_while_translating_is_one_line(
        tiny_model: Path, cfg: config.Config, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from briefings.cli import main
    from briefings.ingest import ingest
    from briefings.pipeline import Pipeline, load_translator
    from briefings.store import Store
    from briefings.translate import get_translator

    install_tiny(tiny_model)

    class Broken:
        def translate_batch(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("std::bad_alloc")

    translator = get_translator(cfg)
    monkeypatch.setattr(translator, "model", Broken())
    store = Store(cfg.db_path)
    ids = ingest(cfg, store).added
    engine = load_translator(cfg)
    result = Pipeline(cfg, store, engine).digest(ids)  # goes out untranslated, not at all
    assert result.briefing.stories and not any(
        b.translated for s in result.briefing.stories for b in s.bullets)
    assert engine.missing and "translation failed (std::bad_alloc)" in engine.missing
    capsys.readouterr()
    assert main(["--config", str(cfg.base_dir / "config.yaml"), "ingest"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "translation failed (std::bad_alloc)" in err
