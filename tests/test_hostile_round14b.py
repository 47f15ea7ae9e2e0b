"""Hostile input, round 14, third pass on ingestion: what the earlier rounds did not try.
Each test failed on the code before its fix."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from briefings import config
from briefings.cli import main
from briefings.decode import decode
from briefings.ingest import ingest
from briefings.store import Store

from . import builders
from .builders import BODY, ConfigFactory, feed_store, folder_of
from .fakes.web import WebServer, send

GOOD = ("أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة تبوك بسعة مئتي سرير. "
        "وقال المتحدث باسم الوزارة إن المستشفى يخدم سكان المنطقة الشمالية كافة.")
LONG = " ".join([BODY] * 5)  # well over ingest.full_text_below: no page is fetched


def _in(city: str) -> str:
    """GOOD about another city: a different text, not a duplicate."""
    return GOOD.replace("تبوك", city)


def _folder_ingest(write_config: ConfigFactory, folder: Path) -> tuple[Store, list[str], int]:
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    return store, [line.split(f"{folder}/", 1)[-1] for line in report.skipped], \
        len(report.added)


def test_one_line_without_a_title_is_the_article_not_its_headline(
        web: WebServer, write_config: ConfigFactory, tmp_path: Path) -> None:
    """A one-line text of under 30 words with no title (a JSON element without "title", a
    one-paragraph .txt, a feed entry without <title>) was taken for a headline without a
    body and skipped as "empty article (no letters in the text after cleaning)"."""
    folder = folder_of(tmp_path / "in", {"a.json": json.dumps({"content": GOOD}),
                                         "b.txt": _in("جدة"), "c.txt": "عاجل: زلزال"})
    _, skipped, added = _folder_ingest(write_config, folder)
    assert added == 2
    assert skipped == ["c.txt: skipped: empty article (11 characters of text after cleaning, "
                       "minimum 80)"]
    web.serve("/feed", "application/rss+xml", builders.rss(
        builders.item("", web.url + "/n/1", _in("حائل")).replace("<title></title>", "")))
    cfg, feed = feed_store(write_config, web.url + "/feed", full_text_below=10)
    report = ingest(cfg, feed)
    assert [a.headline for a in feed.articles(report.added)] == [
        "أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة حائل بسعة مئتي سرير."]


def test_json_nested_too_deeply_costs_its_line_or_file_in_one_plain_line(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """Python's parser gives up at about a thousand levels: the file was "skipped:
    RecursionError: maximum recursion depth exceeded while decoding a JSON array from a
    unicode string", and a JSON Lines file lost every line to one deep line."""
    deep = "[" * 100_000 + "]" * 100_000
    folder = folder_of(tmp_path / "in", {
        "a.json": deep,
        "b.jsonl": "\n".join([json.dumps({"content": GOOD}), deep,
                              json.dumps({"content": _in("جدة")})]),
        "c.json": json.dumps({"content": _in("مكة"), "x": "X"}).replace('"X"', deep)})
    _, skipped, added = _folder_ingest(write_config, folder)
    assert added == 2
    assert sorted(skipped) == [
        "a.json: skipped: JSON nested too deeply to read (RecursionError)",
        "b.jsonl#1: skipped: line 2: JSON nested too deeply to read (RecursionError)",
        "c.json: skipped: JSON nested too deeply to read (RecursionError)"]


def test_json_strings_may_hold_line_separators_and_raw_tabs(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """JSON Lines were split with str.splitlines(), which also splits at U+2028, NEL and FS
    inside a string (Arabic news text often holds U+2028): every such line was lost, and so
    were its pieces. A raw tab or line break inside a string (sloppy exporters) lost the
    whole file to "Invalid control character"."""
    lines = [json.dumps({"title": "سطر\u2028أول", "content": f"{GOOD}\u2028{BODY}"},
                        ensure_ascii=False),
             json.dumps({"title": "ثان\x85", "content": f"{_in('جدة')}\x1c{BODY}"},
                        ensure_ascii=False)]
    raw = ('[{"title": "عنوان\tبجدولة", "content": "' + _in("مكة") + "\n" + BODY + '"}]')
    folder = folder_of(tmp_path / "in", {"a.jsonl": "\n".join(lines) + "\n",
                                         "b.json": raw})
    store, skipped, added = _folder_ingest(write_config, folder)
    assert skipped == [] and added == 3
    assert sorted(a.headline for a in store.articles(range(1, 4))) == [
        "ثان", "سطر أول", "عنوان بجدولة"]


def test_entries_that_share_one_link_are_each_kept(web: WebServer,
                                                   write_config: ConfigFactory) -> None:
    """A feed giving every entry its home page as the link lost all entries but the first
    as "already stored"; the same entry twice is still one article."""
    web.serve("/feed", "application/rss+xml", builders.rss(
        *[builders.item(f"خبر {i}", web.url + "/home", f"<p>{LONG} {i}</p>") for i in range(3)],
        builders.item("خبر مكرر", web.url + "/n/1", f"<p>{LONG}</p>"),
        builders.item("خبر مكرر", web.url + "/n/1", f"<p>{LONG}</p>")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    assert [(a.location, a.url) for a in store.articles(report.added)] == [
        (f"{web.url}/feed#entry-{i}", None) for i in range(3)] + [
        (f"{web.url}/n/1", f"{web.url}/n/1")]
    assert report.duplicates == 1 and report.items_skipped == 0
    assert report.skipped == [f"{web.url}/home: 3 different entries have this link: it is "
                              "none of theirs, they are kept without it"]
    assert "/home" not in web.requests  # not fetched as any entry's page


def test_a_response_that_is_no_rss_or_atom_fails_its_feed_saying_what_it_is(
        web: WebServer, write_config: ConfigFactory) -> None:
    """An XML answer that is no feed (an SVG, a sitemap) was read as an empty feed, silently,
    on every run; a JSON Feed failed as "not well-formed (invalid token)"."""
    web.serve("/svg", "application/xml", '<?xml version="1.0"?><svg '
              'xmlns="http://www.w3.org/2000/svg"><text>مرحبا</text></svg>')
    web.serve("/json", "application/json", json.dumps(  # an API's answer (a JSON Feed is a
        {"status": "ok", "title": "x", "items": []}))  # feed: tests/test_jsonfeed.py)
    web.serve("/empty", "application/rss+xml", builders.rss())  # a feed with no entries: fine
    cfg = config.load(write_config([{"name": n, "type": "rss", "url": f"{web.url}/{n}"}
                                    for n in ("svg", "json", "empty")]))
    report = ingest(cfg, Store(cfg.db_path))
    assert report.failed_sources == [
        f"feed 'svg' ({web.url}/svg): not a feed (XML, but no RSS or Atom in it)",
        f"feed 'json' ({web.url}/json): not a feed (JSON, but no JSON Feed: no jsonfeed.org "
        "version)"]


def test_a_linked_pdf_or_image_is_not_a_web_page(web: WebServer,
                                                 write_config: ConfigFactory) -> None:
    """An entry linking a PDF or an image was reported "binary data (NUL bytes), not text",
    or its bytes read as a page."""
    web.serve("/doc.pdf", "application/pdf", b"%PDF-1.4\n" + b"BT (Hello) Tj ET\n" * 50)
    web.serve("/pic", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    web.serve("/feed", "application/rss+xml", builders.rss(
        builders.item("ملف", web.url + "/doc.pdf", GOOD),
        builders.item("صورة", web.url + "/pic", _in("جدة"))))
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    assert len(report.added) == 2  # with their teasers
    assert [line.split(": ", 1)[1].split(";")[0] for line in report.skipped] == [
        "full text not fetched: not a web page (application/pdf)",
        "full text not fetched: not a web page (image/jpeg)"]


def test_a_gzip_file_compressed_again_is_unpacked(web: WebServer,
                                                  write_config: ConfigFactory) -> None:
    """A feed.xml.gz that the server gzips again (Content-Encoding: gzip) failed the feed as
    "binary data (NUL bytes), not text"; each layer is unpacked within the size cap."""
    feed = builders.rss(builders.item("مضغوط مرتين", web.url + "/n/1", f"<p>{LONG}</p>"))
    twice = gzip.compress(gzip.compress(feed.encode()))
    web.routes["/feed.xml.gz"] = lambda h: send(h, twice, Content_Encoding="gzip")
    bomb = gzip.compress(gzip.compress(b"<rss>" + b" " * 3_000_000))
    web.routes["/bomb.gz"] = lambda h: send(h, bomb, Content_Encoding="gzip")
    cfg = config.load(write_config(
        [{"name": "gz", "type": "rss", "url": web.url + "/feed.xml.gz"},
         {"name": "bomb", "type": "rss", "url": web.url + "/bomb.gz"}],
        ingest={"max_fetch_bytes": 1_000_000}))
    report = ingest(cfg, Store(cfg.db_path))
    assert len(report.added) == 1
    assert report.failed_sources == [f"feed 'bomb' ({web.url}/bomb.gz): larger than 1 MB "
                                     "(ingest.max_fetch_bytes) once unpacked"]


def test_redirects_show_no_password_and_a_loop_is_one_plain_sentence(
        web: WebServer, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]
        ) -> None:
    """A redirect to ftp://user:secret@host was reported with its password; one to
    http://user:secret@host failed as "gaierror: Name or service not known" (urllib took
    user:secret@host for the host name); a feed redirecting to itself with a new query
    string said urllib's two sentences about "an infinite loop"."""
    counter = itertools.count()
    loop = f"{web.url}/loop"
    web.fallback = lambda h: send(h, b"", 302, "text/plain", Location=f"/loop?n={next(counter)}") \
        if h.path.startswith("/loop") else send(h, b"no", 404, "text/plain")
    web.routes["/ftp"] = lambda h: send(h, b"", 302, "text/plain",
                                        Location="ftp://reader:secret@example.com/x")
    web.routes["/auth"] = lambda h: send(h, b"", 302, "text/plain", Location=web.url.replace(
        "http://", "http://reader:secret@") + "/moved")
    web.serve("/moved", "application/rss+xml", builders.rss(
        builders.item("خبر بعد التحويل", web.url + "/n/1", f"<p>{LONG}</p>")))
    path = write_config([{"name": n, "type": "rss", "url": f"{web.url}/{n}"}
                         for n in ("loop", "ftp", "auth")])
    assert main(["ingest", "--config", str(path)]) == 0
    out = capsys.readouterr()
    failed = [line for line in out.err.splitlines() if line.startswith("source failed")]
    assert failed == [
        f"source failed (retried next run): feed 'loop' ({loop}): redirected more than 10 "
        "times, or in a loop",
        f"source failed (retried next run): feed 'ftp' ({web.url}/ftp): redirected to "
        "ftp://example.com/x: link scheme ftp is not allowed (only http and https)"]
    assert "1 new" in out.err and "secret" not in out.out + out.err
    assert "Authorization" not in str(web.requests)


def test_a_feed_title_as_long_as_a_page_is_cut_as_a_name(web: WebServer,
                                                         write_config: ConfigFactory) -> None:
    """A 250 kB channel title was stored whole as the outlet and printed on every line about
    its articles."""
    entry = builders.item("خبر", web.url + "/n/1", f"<p>{LONG}</p>")
    web.serve("/feed", "application/rss+xml", builders.rss(entry, title="قناة " * 50_000))
    cfg, store = feed_store(write_config, web.url + "/feed")
    (art,) = store.articles(ingest(cfg, store).added)
    assert art.outlet is not None and len(art.outlet) == 100 and art.outlet.endswith("قناة…")


def test_a_few_nul_bytes_in_utf8_text_are_spaces_not_binary(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """One NUL byte in a UTF-8 text file (an editor's, an exporter's) lost the article as
    "binary data (NUL bytes), not text"; UTF-16 and binary files are still told apart."""
    found = decode(f"عنوان\n{GOOD}\x00{BODY}".encode(), "a.txt")
    assert found.text == f"عنوان\n{GOOD} {BODY}" and found.note == "1 NUL byte(s) read as spaces"
    assert decode(f"عنوان\n{GOOD}".encode("utf-16-le"), "b.txt").encoding == "utf-16-le"
    folder = folder_of(tmp_path / "in", {"a.txt": f"عنوان\n{GOOD}\x00{BODY}"})
    (tmp_path / "in" / "b.txt").write_bytes(bytes(range(256)) * 8)
    _, skipped, added = _folder_ingest(write_config, folder)
    assert added == 1 and skipped == [
        "a.txt: 1 NUL byte(s) read as spaces; the rest of the text is kept",
        "b.txt: skipped: binary data (NUL bytes), not text"]
