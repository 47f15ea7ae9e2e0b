"""Hostile input, round 14: JSON Lines, whatever the file is called; what a file with no
JSON at all says; links that carry a password."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings import config
from briefings.chat_service import ChatService
from briefings.cli import main
from briefings.ingest import ingest
from briefings.store import Store

from . import builders
from .builders import BODY, ConfigFactory, feed_store, folder_of
from .fakes.web import WebServer, send

EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
GOOD = ("أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة تبوك بسعة مئتي سرير. "
        "وقال المتحدث باسم الوزارة إن المستشفى يخدم سكان المنطقة الشمالية كافة.")


def _folder_ingest(write_config: ConfigFactory, folder: Path) -> tuple[Store, list[str], int]:
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    return store, report.skipped, len(report.added)


def test_json_lines_are_read_line_by_line_whatever_the_file_is_called(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """JSON Lines saved as .json lost the whole file ("JSONDecodeError: Extra data"), and a
    .jsonl file was not read at all."""
    lines = [json.dumps({"title": "سطر أول", "content": GOOD}, ensure_ascii=False),
             "", "{not json",
             json.dumps({"title": "سطر ثالث", "content": f"{GOOD} {BODY}"}, ensure_ascii=False),
             json.dumps(["not", "an", "object"])]
    folder = folder_of(tmp_path / "in", {"day.json": "\n".join(lines) + "\n",
                                         "more.jsonl": lines[3].replace("ثالث", "رابع")
                                         .replace("تبوك", "حائل")})
    store, skipped, added = _folder_ingest(write_config, folder)
    assert added == 3  # the two good lines of day.json, and more.jsonl
    assert sorted(line.split("/in/", 1)[1] for line in skipped) == [
        "day.json#1: skipped: line 3 is not JSON (JSONDecodeError: Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1))",
        "day.json#3: skipped: not an article object (list)"]
    headlines = sorted(a.headline or "" for a in store.articles_since(EPOCH))
    assert headlines == ["سطر أول", "سطر ثالث", "سطر رابع"]


def test_json_lines_whose_first_line_is_broken_are_still_json_lines(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    good = json.dumps({"title": "سطر سليم", "content": GOOD}, ensure_ascii=False)
    broken_array = "[\n" + good + ",\n{\"title\": \n]"  # one damaged array: one line
    folder = folder_of(tmp_path / "in", {"a.json": '{"title": "مقطوع\n' + good + "\n",
                                         "b.json": broken_array})
    _, skipped, added = _folder_ingest(write_config, folder)
    assert added == 1
    a, b = sorted(line.split("/in/", 1)[1] for line in skipped)
    assert a.startswith("a.json#0: skipped: line 1 is not JSON (JSONDecodeError: ")
    assert b.startswith("b.json: skipped: JSONDecodeError: Expecting value: line 4")


def test_a_json_file_that_is_not_json_is_still_one_line(write_config: ConfigFactory,
                                                        tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "in", {"a.json": "<html>not json</html>",
                                         "b.txt": f"خبر جيد\n{GOOD}\n"})
    _, skipped, added = _folder_ingest(write_config, folder)
    assert added == 1 and len(skipped) == 1 and "a.json: skipped: JSONDecodeError" in skipped[0]


def test_a_password_in_a_link_is_never_stored_nor_shown(
        web: WebServer, write_config: ConfigFactory, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A link with a user part (http://user:secret@host/x) was stored and printed as it was,
    and so was a failing feed's own URL in its report line and log."""
    long = " ".join([BODY] * 5)  # well over ingest.full_text_below: no page is fetched
    secret_link = web.url.replace("http://", "http://reader:secret@") + "/news/1"
    web.serve("/feed", "application/rss+xml", builders.rss(
        builders.item("خبر برابط فيه كلمة سر", secret_link, f"<p>{long}</p>")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    (art,) = store.articles(report.added)
    assert art.url == art.location == web.url + "/news/1"

    folder = folder_of(tmp_path / "in", {"a.json": json.dumps(
        {"title": "رابط", "content": GOOD, "url": "https://u:p4ss@example.sa/x?id=1"})})
    # a private feed: its password is sent as Basic auth, to its own host only
    private = " ".join([BODY.replace("المدينة", "البلدة")] * 5)
    web.routes["/private"] = lambda h: send(h, builders.rss(builders.item(
        "خبر من تغذية خاصة", web.url + "/news/2", f"<p>{private}</p>")).encode()) \
        if h.headers.get("Authorization") == "Basic " + base64.b64encode(
            b"reader:s3cr%t").decode() else send(h, b"", 401)
    sources = [{"name": "in", "type": "folder", "path": str(folder)},
               {"name": "private", "type": "rss",
                "url": web.url.replace("http://", "http://reader:s3cr%25t@") + "/private"},
               {"name": "locked", "type": "rss",
                "url": web.url.replace("http://", "http://admin:hunter2@") + "/missing"}]
    path = write_config(sources)
    assert main(["ingest", "--config", str(path)]) == 0
    assert main(["dry-run", "--config", str(path), "--summary-only", "--offline"]) == 0
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "https://example.sa/x?id=1" in shown and web.url + "/news/2" in shown
    assert "2 new, 0 already stored, 0 skipped, 1 source(s) failed" in shown
    assert f"feed 'locked' ({web.url}/missing): HTTP 404" in shown
    for secret in ("p4ss", "hunter2", "secret", "s3cr"):
        assert secret not in shown


def test_an_admins_source_list_shows_a_feed_without_its_password(
        write_config: ConfigFactory) -> None:
    cfg = config.load(write_config([{"name": "private", "type": "rss",
                                     "url": "https://reader:s3cret@example.sa/feed?key=k"}]))
    (health,) = ChatService(cfg).sources(admin=True)
    assert health.where == "https://example.sa/feed?key=k"


@pytest.mark.parametrize(("written", "read"), [
    ("2015-07-23T10:00:00 EDT", datetime(2015, 7, 23, 14, tzinfo=UTC)),  # was taken for UTC
    ("2015-07-23T10:00:00 AST", datetime(2015, 7, 23, 7, tzinfo=UTC)),  # Arabia, not Atlantic
    ("Thu, 23 Jul 2015 10:00:00 AST", datetime(2015, 7, 23, 7, tzinfo=UTC)),
    ("Thu, 23 Jul 2015 10:00:00 EDT", datetime(2015, 7, 23, 14, tzinfo=UTC)),
    ("2015-07-23 10:00:00 +0300 (AST)", datetime(2015, 7, 23, 7, tzinfo=UTC)),  # was none
    ("2015-07-23T10:00:00+03:00", datetime(2015, 7, 23, 7, tzinfo=UTC)),
    ("2015-07-23T10:00:00+25:00", None),  # no zone is 25 hours from UTC: no date, a note
    ("Thu, 23 Jul 2015 10:00:00 +2500", None)])
def test_a_feed_date_is_read_in_the_zone_it_names(
        web: WebServer, write_config: ConfigFactory, written: str, read: datetime | None
        ) -> None:
    entry = builders.item("خبر مؤرخ", web.url + "/news/1", f"<p>{' '.join([BODY] * 5)}</p>")
    web.serve("/feed", "application/rss+xml", builders.rss(
        entry.replace("</item>", f"<pubDate>{written}</pubDate></item>")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    (art,) = store.articles(report.added)
    assert art.published == read
    notes = [line for line in report.skipped if "offset" in line]
    assert notes == ([] if read else [f"{web.url}/news/1: date {written!r} has an offset no "
                                      "time zone has; the entry is kept without a date"])
    assert report.items_skipped == 0


def test_a_json_date_with_a_zone_name_is_read_in_that_zone(write_config: ConfigFactory,
                                                          tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "in", {"a.json": json.dumps(
        {"title": "مؤرخ", "content": GOOD, "date": "2015-07-23 10:00:00 EDT"})})
    store, _, added = _folder_ingest(write_config, folder)
    assert added == 1
    assert [a.published for a in store.articles_since(EPOCH)] == [
        datetime(2015, 7, 23, 14, tzinfo=UTC)]


def test_a_failed_feed_is_one_line_in_the_cli(
        web: WebServer, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]
        ) -> None:
    """The CLI said a failed feed twice: a log ERROR line and its own "source failed" line."""
    path = write_config([{"name": "gone", "type": "rss", "url": web.url + "/gone"}])
    assert main(["ingest", "--config", str(path)]) == 0
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if "/gone" in line] == [
        f"source failed (retried next run): feed 'gone' ({web.url}/gone): HTTP 404 Not Found"]


def test_the_bot_logs_a_failed_feed_as_an_error_on_every_poll(
        web: WebServer, write_config: ConfigFactory, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio
    import logging
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from bot.context import BotData
    from bot.jobs import poll_job

    path = write_config([{"name": "gone", "type": "rss", "url": web.url + "/gone"}])
    data = BotData()
    data.service, data.worker = ChatService(config.load(path)), ThreadPoolExecutor(1)
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        asyncio.run(poll_job(SimpleNamespace(bot_data=data)))  # type: ignore[arg-type]
    assert [(r.levelname, r.getMessage()) for r in caplog.records if "/gone" in r.getMessage()
            ] == [("ERROR", f"source failed (retried next poll): feed 'gone' ({web.url}/gone): "
                            "HTTP 404 Not Found")]


def test_names_stored_before_ingest_cleaned_them_reach_no_terminal_raw(
        write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """Ingest stores outlets, headlines and links on one clean line since round 13; rows
    stored before it may hold an ESC sequence or a bidi override, which the text renderers
    printed as stored (a dry run could clear the terminal)."""
    path = write_config([])
    store = Store(config.load(path).db_path)
    source = store.source_id("old", "folder", "/srv/old")
    store.add_article(source, builders.clean_article(
        "Okaz\x1b[2J\x1b[H", "http://example.sa/\x1b[31mred",
        headline="غرق\u202e مركب\x07 في النيل"))
    store.close()
    assert main(["dry-run", "--config", str(path), "--format", "text", "--offline",
                 "--summary-only"]) == 0
    assert main(["ask", "--config", str(path), "غرق مركب في نهر النيل"]) == 0
    out = capsys.readouterr().out
    assert "Okaz[2J[H" in out and "غرق مركب في النيل" in out
    assert "http://example.sa/\\x1b[31mred" in out
    for raw in ("\x1b", "\u202e", "\x07"):
        assert raw not in out


def test_html_in_a_markdown_file_is_read_as_html(tmp_path: Path) -> None:
    """Markdown files kept their inline HTML: a <script> in a headline was printed as text."""
    from briefings import folders, sources

    folder = folder_of(tmp_path / "inbox", {"a.md": (
        "# عنوان <b>مهم</b><script>alert(1)</script>\n\n"
        f"{GOOD} وفيه 3 < 5 و a&amp;b.\n<style>\np {{color: red}}\n</style>\n"
        "التفاصيل في <https://example.sa/x> و<!-- تعليق -->[الرابط](https://example.sa/y).\n")})
    [art] = folders.read_folder("inbox", folder, sources.Problems(), max_chars=2000,
                                max_bytes=50_000, max_json_bytes=50_000)
    lines = [line for line in art.text.splitlines() if line.strip()]
    assert lines == ["عنوان مهم", f"{GOOD} وفيه 3 < 5 و a&b.",
                     "التفاصيل في https://example.sa/x والرابط."]


def test_an_unreadable_published_date_falls_back_to_updated(
        web: WebServer, write_config: ConfigFactory) -> None:
    entry = builders.item("خبر مؤرخ", web.url + "/news/1", f"<p>{' '.join([BODY] * 5)}</p>")
    web.serve("/feed", "application/rss+xml", builders.rss(entry.replace(
        "</item>", "<pubDate>sometime soon</pubDate>"
        "<atom:updated xmlns:atom='http://www.w3.org/2005/Atom'>2015-07-23T10:00:00+03:00"
        "</atom:updated></item>")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    (art,) = store.articles(ingest(cfg, store).added)
    assert art.published == datetime(2015, 7, 23, 7, tzinfo=UTC)


def test_a_nul_between_two_words_is_a_space_not_glue(write_config: ConfigFactory,
                                                     tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "in", {"a.json": json.dumps(
        {"title": "عنوان\u0000مخفي", "content": GOOD.replace(" اليوم ", " اليوم\u001f")})})
    store, _, added = _folder_ingest(write_config, folder)
    (art,) = store.articles_since(EPOCH)
    assert added == 1 and art.headline == "عنوان مخفي"
    assert "اليوم افتتاح" in " ".join(s.text_src for s in store.sentences([art.id])[art.id])


def test_a_folder_source_that_is_a_looping_or_dangling_link_fails_saying_which(
        write_config: ConfigFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    """A folder source that is a link to itself said "does not exist"."""
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    path = write_config([{"name": "loop", "type": "folder", "path": str(tmp_path / "loop")},
                         {"name": "dangling", "type": "folder",
                          "path": str(tmp_path / "dangling")}])
    assert main(["ingest", "--config", str(path), "--offline"]) == 0
    err = capsys.readouterr().err
    assert f"folder {tmp_path / 'loop'} is a link that loops" in err
    assert f"folder {tmp_path / 'dangling'} does not exist" in err
