"""Round 13 of hostile input on ingestion: the cases the earlier rounds did not try.

Each test failed on the code before its fix. Feeds come from the loopback server, stores
are real SQLite files in tmp_path.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from briefings import config
from briefings.errors import FetchError
from briefings.fetch import http_fetcher
from briefings.ingest import ingest
from briefings.store import Store
from briefings.text import normalize

from . import builders
from .builders import BODY, ConfigFactory, feed_store, folder_of
from .fakes.web import WebServer, send

GOOD = ("أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة جدة بسعة خمسمئة سرير. "
        "وقال الوزير إن المستشفى سيخدم سكان المنطقة الغربية ويضم أقساما تخصصية حديثة.")
LONG = " ".join([BODY] * 5)  # well over ingest.full_text_below: no page is fetched


def _texts(store: Store, ids: list[int]) -> dict[str, str]:
    """Each stored article's headline -> its whole stored text (headline and sentences)."""
    arts = store.articles(ids)
    sents = store.sentences([a.id for a in arts])
    return {a.headline: "\n".join(s.text_src for s in sents[a.id]) for a in arts}


def test_feed_fields_are_read_as_their_type_says(web: WebServer, write_config: ConfigFactory
                                                  ) -> None:
    """Text fields were cut from a "<" to the next ">" (a title "3 < 5 و 7 > 2" became
    "3 2"), and a body with entities but no tag kept them ("&quot;الوضع&quot;"); a body
    escaped twice kept its "<p>" tags as text."""
    atom = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f'<title>t</title><id>urn:f</id><updated>2015-07-23T10:00:00Z</updated>'
            f'<entry><title type="text">مؤشر 3 &lt; 5 و 7 &gt; 2</title><id>urn:e</id>'
            f'<link href="{web.url}/a"/><updated>2015-07-23T10:00:00Z</updated>'
            f'<summary type="text">قال المتحدث إن &lt;&lt;عاجل&gt;&gt; نسبة 3 &lt; 5 في المئة. '
            f'{LONG}</summary></entry></feed>')
    web.serve("/atom", "application/atom+xml", atom)
    escaped = LONG.replace("أمس.", "أمس &quot;الخميس&quot; &amp; اليوم.")
    twice = "".join(f"&amp;lt;p&amp;gt;{BODY}&amp;lt;/p&amp;gt;" for _ in range(5))
    rss = builders.rss(
        f"<item><title>خبر بكيانات</title><link>{web.url}/b</link>"
        f"<description>{escaped.replace('&', '&amp;')}</description></item>"
        f"<item><title>خبر مزدوج</title><link>{web.url}/c</link>"
        f"<description>{twice}</description></item>"
        f"<item><title>خبر فيه سكربت</title><link>{web.url}/d</link><description><![CDATA["
        f"<script>var x = 'SCRIPT';</script><p>{LONG.replace('أمس', 'الليلة')}</p>]]>"
        f"</description></item>")
    web.serve("/rss", "application/rss+xml", rss)
    cfg = config.load(write_config([{"name": "atom", "type": "rss", "url": f"{web.url}/atom"},
                                    {"name": "rss", "type": "rss", "url": f"{web.url}/rss"}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    texts = _texts(store, report.added)
    assert set(texts) == {"مؤشر 3 < 5 و 7 > 2", "خبر بكيانات", "خبر مزدوج", "خبر فيه سكربت"}
    assert "قال المتحدث إن <<عاجل>> نسبة 3 < 5 في المئة." in texts["مؤشر 3 < 5 و 7 > 2"]
    assert 'أمس "الخميس" & اليوم.' in texts["خبر بكيانات"]
    assert "&" not in texts["خبر مزدوج"] and "<" not in texts["خبر مزدوج"]
    assert BODY.split(". ")[0] + "." in texts["خبر مزدوج"]
    assert "SCRIPT" not in texts["خبر فيه سكربت"]


def test_names_from_outside_are_stored_on_one_line_without_controls(
        web: WebServer, write_config: ConfigFactory, tmp_path: Path) -> None:
    """A JSON title with line breaks, an outlet with an ESC sequence (printed raw by the dry
    run: it cleared the terminal), an author with U+2028, a feed title on three lines."""
    item = {"title": "عنوان\nسطر ثان\u2028ثالث", "content": GOOD, "url": "https://example.com/1",
            "source": "سبق\x1b[2J", "author": "كاتب\u2029الخبر\x85"}
    folder = folder_of(tmp_path / "in", {"a.json": json.dumps(item)})
    web.serve("/rss", "application/rss+xml", builders.rss(
        builders.item("خبر\n   على\r\nسطرين", f"{web.url}/x", f"<p>{LONG}</p>"),
        title="الزمان\n\x1b[31mالجديدة"))
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)},
                                    {"name": "rss", "type": "rss", "url": f"{web.url}/rss"}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    arts = {a.url: a for a in store.articles(report.added)}
    json_art, feed_art = arts["https://example.com/1"], arts[f"{web.url}/x"]
    assert json_art.headline == "عنوان سطر ثان ثالث"
    assert json_art.outlet == "سبق[2J" and json_art.byline == "كاتب الخبر"
    assert feed_art.headline == "خبر على سطرين" and feed_art.outlet == "الزمان [31mالجديدة"
    with sqlite3.connect(cfg.db_path) as db:
        samples = [o for (o,) in db.execute("SELECT outlet FROM outlet_samples")]
    assert samples and not any("\x1b" in o or "\n" in o for o in samples)


def test_line_breaks_of_every_kind_and_characters_that_are_not_text() -> None:
    """U+2028, U+2029, NEL, VT and FF were dropped, gluing the words around them; tag
    characters, noncharacters and U+FFFD went into the store and to the model."""
    assert normalize("سطر\u2028عمودي\u2029فقرة\x85تالية\x0bعمود\x0cصفحة") == \
        "سطر\nعمودي\nفقرة\nتالية\nعمود\nصفحة"
    assert normalize("إن\U000e0041\U000e0042 الو\ufffdضع\uffff\ufdd0\U0010fffe مستقر") == \
        "إن الوضع مستقر"


def test_a_folder_article_with_line_separators_is_stored_as_lines(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "in", {"a.txt": f"خبر عاجل\u2028{GOOD}\u2029{BODY}"})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    [article] = store.articles(ingest(cfg, store).added)
    assert article.headline == "خبر عاجل"
    texts = [s.text_src for s in store.sentences([article.id])[article.id]]
    assert texts[1] == GOOD.split(". ")[0] + "." and not any("\u2028" in t or "\u2029" in t
                                                            for t in texts)


def test_a_link_that_cannot_be_one_is_not_stored(web: WebServer, write_config: ConfigFactory,
                                                  tmp_path: Path) -> None:
    """A JSON url "javascript:…", "/relative", "file:…", with a line break (a forged line in
    the dry run) or a bidi override was stored and shown as the article's link; now the
    article is kept without it, reported. A feed link with a bidi override is skipped like
    any link that cannot be fetched."""
    urls = ["javascript:alert(1)", "/relative/path", "file:///etc/passwd",
            "http://example.com/a\nINFO: fake", "http://example.com/\u202egpj.exe"]
    items = [{"title": f"خبر {i}", "content": f"{GOOD} رقم {i}.", "url": url}
             for i, url in enumerate(urls)]
    folder = folder_of(tmp_path / "in", {"a.json": json.dumps(items)})
    web.serve("/rss", "application/rss+xml", builders.rss(
        builders.item("خبر معكوس", f"{web.url}/\u202egpj", f"<p>{LONG}</p>")))
    web.routes["/%E2%80%AEgpj"] = lambda h: send(h, b"<html></html>", ctype="text/html")
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)},
                                    {"name": "rss", "type": "rss", "url": f"{web.url}/rss"}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    arts = store.articles(report.added)
    assert len(arts) == 5 and all(a.url is None for a in arts)
    reasons = [line.split(": ", 1)[1] for line in report.skipped]
    assert reasons[:3] == [
        "url javascript:alert(1) not used: link scheme javascript is not allowed (only http "
        "and https); the article is kept without a link",
        "url /relative/path not used: link has no scheme (only http and https are allowed); "
        "the article is kept without a link",
        "url file:///etc/passwd not used: link scheme file is not allowed (only http and "
        "https); the article is kept without a link"]
    assert "http://example.com/a\\nINFO: fake not used: link has control" in reasons[3]
    assert "\\u202egpj.exe not used" in reasons[4]
    assert report.skipped[5] == (f"{web.url}/\\u202egpj: skipped: link has control or "
                                 "text-direction characters")


def test_a_chunked_body_that_stops_is_an_incomplete_response(
        web: WebServer, write_config: ConfigFactory) -> None:
    body = builders.rss(builders.item("خبر", f"{web.url}/1", f"<p>{LONG}</p>")).encode()

    def stops(h: BaseHTTPRequestHandler) -> None:  # the terminating 0-size chunk never comes
        h.close_connection = True
        half = body[: len(body) // 2]
        send(h, f"{len(half):x}\r\n".encode() + half + b"\r\n", length=False,
             Transfer_Encoding="chunked")

    web.routes["/feed"] = stops
    with pytest.raises(FetchError, match=r"^incomplete response: \d+ bytes, then the "
                                         r"connection closed early$"):
        http_fetcher(5, "test")(web.url + "/feed")
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    assert report.failed_sources == [f"feed 'feed' ({web.url}/feed): incomplete response: "
                                     f"{len(body) // 2} bytes, then the connection closed "
                                     "early"]


def test_a_page_without_text_is_one_line_not_two(write_config: ConfigFactory, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """trafilatura logged its own warning ("discarding data: None") beside the skip line."""
    folder = folder_of(tmp_path / "in", {
        "s.html": "<html><head><script>var a = 'نص';</script></head><body></body></html>",
        "ok.txt": f"خبر جيد\n{GOOD}\n"})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    with caplog.at_level(logging.WARNING):
        report = ingest(cfg, Store(cfg.db_path))
    assert len(report.added) == 1 and len(report.skipped) == 1
    assert [r.getMessage() for r in caplog.records if r.name.startswith("trafilatura")] == []


def test_a_huge_link_is_cut_in_its_report_line(web: WebServer,
                                               write_config: ConfigFactory) -> None:
    link = f"{web.url}/" + "x" * 100_000
    web.serve("/feed", "application/rss+xml", builders.rss(builders.item("خبر", link, "تشويق")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    [line] = ingest(cfg, store).skipped
    assert len(line) < 500 and line.startswith(f"{web.url}/xxx") and "…: full text not" in line
