"""Round 13, second pass of hostile input on ingestion: what test_hostile_round13 and the
earlier rounds did not try. Each test failed on the code before its fix."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from briefings import config
from briefings.decode import decode
from briefings.feedtext import html_to_text
from briefings.ingest import ingest
from briefings.store import Store
from briefings.uri import disallowed

from . import builders
from .builders import BODY, ConfigFactory, feed_store, folder_of
from .fakes.web import WebServer

GOOD = ("أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة جدة بسعة خمسمئة سرير. "
        "وقال الوزير إن المستشفى سيخدم سكان المنطقة الغربية ويضم أقساما تخصصية حديثة.")
LONG = " ".join([BODY] * 5)  # well over ingest.full_text_below: no page is fetched


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_a_utf32_text_with_its_bom_is_read(codec: str) -> None:
    """Its BOM FF FE 00 00 begins with UTF-16's: the file was refused as "invalid UTF-16-LE
    after its byte-order mark"."""
    found = decode(("\ufeff" + f"خبر\n{GOOD}").encode(codec), "a.txt")
    assert found.text == f"خبر\n{GOOD}" and found.encoding == codec and found.note is None


def test_table_cells_are_words_apart() -> None:
    """"<td>خلية</td><td>١٢٣</td>" was stored as one word, "خلية١٢٣"."""
    text = html_to_text("<table><caption>جدول</caption><tr><td>خلية</td><td>١٢٣</td></tr>"
                        "<tr><th>عمود</th><th>آخر</th></tr></table>")
    assert [line.split() for line in text.splitlines() if line.strip()] == [
        ["جدول"], ["خلية", "١٢٣"], ["عمود", "آخر"]]


def test_a_linked_page_that_is_no_html_is_one_line(web: WebServer, write_config: ConfigFactory,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """trafilatura logged two errors of its own ("parsed tree length: 0, wrong data type or
    not valid HTML", "empty HTML tree: URL") beside the page's report line."""
    web.serve("/plain", "text/plain", "hello")
    web.serve("/json", "application/json", '{"a": 1}')
    web.serve("/feed", "application/rss+xml", builders.rss(
        builders.item("نص", f"{web.url}/plain"), builders.item("json", f"{web.url}/json")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    with caplog.at_level(logging.WARNING):
        report = ingest(cfg, store)
    assert len(report.skipped) == 2 and all(
        "full text not fetched: no article text found on the page" in line
        for line in report.skipped)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("trafilatura")] == []


def test_a_huge_number_in_one_json_element_costs_no_other(write_config: ConfigFactory,
                                                          tmp_path: Path) -> None:
    """A 5000-digit number (Python converts at most 4300) lost the whole file: "skipped:
    ValueError: Exceeds the limit (4300 digits) … use sys.set_int_max_str_digits()"."""
    text = ('[{"title": "رقم", "content": ' + json.dumps(GOOD) + ', "date": ' + "9" * 5000
            + '}, {"title": ' + "1" * 5000 + ', "content": ' + json.dumps(f"{GOOD} {BODY}")
            + "}]")
    folder = folder_of(tmp_path / "in", {"a.json": text})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert len(report.added) == 2 and report.skipped == []
    assert [a.published for a in store.articles(report.added)] == [None, None]


def test_a_json_element_without_a_text_field_says_so(write_config: ConfigFactory,
                                                     tmp_path: Path) -> None:
    """A wrapper object, paragraphs as a list or a capitalised key were "skipped: empty
    article (no letters in the text after cleaning)", and a url in such an element was a
    second line about it."""
    folder = folder_of(tmp_path / "in", {
        "a.json": json.dumps({"articles": [{"title": "مغلف", "content": GOOD}]}),
        "b.json": json.dumps([{"title": "فقرات", "content": GOOD.split(". "),
                               "url": "javascript:x"}, {"Title": "كبير", "CONTENT": GOOD}]),
        "c.txt": f"خبر جيد\n{GOOD}\n"})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    report = ingest(cfg, Store(cfg.db_path))
    assert len(report.added) == 1 and report.items_skipped == 3
    reasons = sorted(line.split(": ", 1)[1] for line in report.skipped)
    assert reasons == [
        "skipped: no article text (no content, text or body string; its keys: 'Title', "
        "'CONTENT')",
        "skipped: no article text (no content, text or body string; its keys: 'articles')",
        "skipped: no article text (no content, text or body string; its keys: 'title', "
        "'content', 'url')"]


def test_an_entry_link_that_resolves_to_the_feed_is_no_link(web: WebServer,
                                                            write_config: ConfigFactory) -> None:
    """feedparser resolves <link>http://</link> against the feed: the entry was stored as
    the feed's own URL, and a second such entry was "already stored" and lost."""
    web.serve("/feed", "application/rss+xml", builders.rss(
        builders.item("خبر أول", "http://", f"<p>{LONG}</p>"),
        builders.item("خبر ثان", "http://", f"<p>{GOOD} {LONG}</p>")))
    cfg, store = feed_store(write_config, web.url + "/feed")
    report = ingest(cfg, store)
    arts = store.articles(report.added)
    assert [(a.location, a.url) for a in arts] == [(f"{web.url}/feed#entry-0", None),
                                                    (f"{web.url}/feed#entry-1", None)]
    assert report.duplicates == 0


def test_a_link_with_an_impossible_port_or_no_host_is_no_link(write_config: ConfigFactory,
                                                              tmp_path: Path) -> None:
    """http://host:99999/ and http:///path were stored as the article's link."""
    assert disallowed("http://127.0.0.1:99999/x") == \
        "not a valid link: ValueError: Port out of range 0-65535"
    assert disallowed("http:///x") == disallowed("http://") == "not a valid link: no host name"
    assert disallowed("http://مثال.إختبار/خبر") is None
    folder = folder_of(tmp_path / "in", {"a.json": json.dumps(
        [{"title": "منفذ", "content": GOOD, "url": "http://example.com:99999/a"}])})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert [a.url for a in store.articles(report.added)] == [None]
    assert report.skipped == [f"{folder}/a.json#0: url http://example.com:99999/a not used: "
                              "not a valid link: ValueError: Port out of range 0-65535; the "
                              "article is kept without a link"]
