"""JSON Feed (jsonfeed.org 1 and 1.1) is read as a feed, by the same rules as RSS and Atom:
over HTTP whatever its content type, and saved as a .json file in a watched folder.
Before, a JSON Feed failed its whole source as "not a feed (JSON, not RSS or Atom)", and a
saved one was skipped as "no article text"."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings import config
from briefings.ingest import ingest
from briefings.models import Article
from briefings.store import Store

from .builders import BODY, ConfigFactory, feed_store, fixture, folder_of, page
from .fakes.web import WebServer

LONG = " ".join([BODY] * 5)  # over ingest.full_text_below: no page is fetched
OTHER = " ".join(["أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة تبوك بسعة مئتي سرير. "
                  "وقال المتحدث باسم الوزارة إن المستشفى يخدم سكان المنطقة الشمالية كافة."] * 5)

THIRD = " ".join(["ارتفعت أسعار النفط في الأسواق العالمية بعد تراجع المخزونات الأمريكية. "
                  "وبلغ سعر البرميل أعلى مستوى له منذ شهرين."] * 5)


def _feed(name: str, base: str, **values: object) -> str:
    return fixture(f"feeds/{name}", base=base, long=LONG, other=OTHER, third=THIRD, **values)


def _stored(store: Store, ids: list[int]) -> list[tuple[Article, str]]:
    """Each article with its body (sentences after the headline) as one text."""
    sentences = store.sentences(ids)
    return [(a, " ".join(s.text_src for s in sentences[a.id] if s.position > 0))
            for a in store.articles(ids)]


@pytest.mark.parametrize("ctype", ["application/feed+json", "application/json", "text/plain"])
def test_a_json_feed_1_1_is_read_as_a_feed(web: WebServer, write_config: ConfigFactory,
                                           ctype: str) -> None:
    web.serve("/feed.json", ctype, _feed("jsonfeed-1.1.json", web.url))
    web.serve("/site/n/2", "text/html", page(LONG, title="3 < 5 في نتائج الفحص"))
    cfg, store = feed_store(write_config, web.url + "/feed.json")
    report = ingest(cfg, store)
    assert report.failed_sources == [] and report.items_skipped == 0, report
    got = _stored(store, report.added)
    assert [(a.url, a.location, a.headline, a.outlet) for a, _ in got] == [
        (f"{web.url}/n/1", f"{web.url}/n/1", "افتتاح مستشفى جديد في تبوك", "صحيفة <الاختبار>"),
        # relative to the home page; a teaser, so its page was fetched for the full text
        (f"{web.url}/site/n/2", f"{web.url}/site/n/2", "3 < 5 في نتائج الفحص",
         "صحيفة <الاختبار>"),
        (None, f"{web.url}/feed.json#entry-2", "خبر بلا رابط", "صحيفة <الاختبار>")]
    assert "/site/n/2" in web.requests and "/n/1" not in web.requests
    first, body = got[0]
    assert first.published == datetime(2015, 7, 23, 7, 0, tzinfo=UTC)
    assert first.byline == "محمد العلي, سارة"
    assert '"الوضع مستقر" قال المتحدث.' in body and "var x" not in body and "<p>" not in body
    assert got[1][0].published == datetime(2015, 7, 23, 8, 30, tzinfo=UTC)  # date_modified
    assert "القوات المحلية" in got[1][1]  # the page's text, not the teaser
    # read again: nothing new, every item is "already stored"
    again = ingest(cfg, store)
    assert again.added == [] and again.failed_sources == []


def test_a_json_feed_1_0_external_url_summary_and_author(web: WebServer,
                                                       write_config: ConfigFactory) -> None:
    web.serve("/old", "application/json", _feed("jsonfeed-1.0.json", web.url))
    cfg, store = feed_store(write_config, web.url + "/old")
    report = ingest(cfg, store)
    [(article, body)] = _stored(store, report.added)
    assert (article.url, article.headline, article.outlet, article.byline) == (
        f"{web.url}/elsewhere/17", "خبر منقول", "موقع قديم", "المحرر")
    assert article.published == datetime(2015, 7, 22, 23, 0, tzinfo=UTC)
    assert "القوات المحلية" in body


def test_a_hostile_json_feed_loses_only_its_bad_items(web: WebServer,
                                                      write_config: ConfigFactory) -> None:
    huge = "مقطع طويل جدا من النص. " * 130_000  # 3 MB of content_html
    web.serve("/h", "application/feed+json", _feed(
        "jsonfeed-hostile.json", web.url, huge=huge,
        private=web.url.replace("http://", "http://user:secret@")))
    cfg, store = feed_store(write_config, web.url + "/h")
    report = ingest(cfg, store)
    where = f"{web.url}/h#entry-"
    assert f"{where}0: skipped: not a JSON Feed item (str)" in report.skipped
    assert f"{where}1: skipped: title is not a string (int)" in report.skipped
    assert "javascript:alert(1): skipped: link scheme javascript is not allowed (only http " \
           "and https)" in report.skipped
    assert f"{where}3: skipped: a broken character escape in its url: no link that can be " \
           "followed" in report.skipped
    got = {a.url: (a, body) for a, body in _stored(store, report.added)}
    assert set(got) == {f"{web.url}/n/huge", f"{web.url}/n/nozone", f"{web.url}/n/secret",
                        f"{web.url}/n/good"}
    assert len(got[f"{web.url}/n/huge"][1]) <= cfg.ingest.max_chars  # cut, not refused
    assert got[f"{web.url}/n/nozone"][0].published == datetime(2015, 7, 23, 10, tzinfo=UTC)
    assert got[f"{web.url}/n/secret"][0].published is None  # a date that cannot be read
    assert got[f"{web.url}/n/good"][0].headline == "خبر سليم"  # the lone surrogate dropped
    assert "secret" not in "\n".join(report.skipped)
    assert report.failed_sources == []


def test_a_json_feed_without_items_fails_its_source_and_an_api_answer_is_no_feed(
        web: WebServer, write_config: ConfigFactory) -> None:
    web.serve("/noitems", "application/feed+json", json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": {"a": 1}}))
    web.serve("/empty", "application/feed+json", json.dumps(
        {"version": "https://jsonfeed.org/version/1", "title": "x", "items": []}))
    web.serve("/api", "application/json", json.dumps({"status": "ok", "items": []}))
    web.serve("/deep", "application/json", "[" * 100_000)
    web.serve("/cut", "application/feed+json", '{"version": "https://jsonfeed.org/version/1.1",'
              ' "items": [{"id": "1", "title": "خبر"')
    cfg = config.load(write_config([{"name": n, "type": "rss", "url": f"{web.url}/{n}"}
                                    for n in ("noitems", "empty", "api", "deep", "cut")]))
    report = ingest(cfg, Store(cfg.db_path))
    assert report.failed_sources == [
        f"feed 'noitems' ({web.url}/noitems): a JSON Feed without a list of items "
        "(items: dict)",
        f"feed 'api' ({web.url}/api): not a feed (JSON, but no JSON Feed: no jsonfeed.org "
        "version)",
        f"feed 'deep' ({web.url}/deep): not a feed (JSON nested too deeply to read "
        "(RecursionError))",
        report.failed_sources[-1]]
    assert report.failed_sources[-1].startswith(  # cut short: where it breaks
        f"feed 'cut' ({web.url}/cut): not a feed (JSON that cannot be read (Expecting ',' "
        "delimiter: line 1 column")


def test_a_json_feed_saved_in_a_watched_folder_is_read_as_its_items(
        tmp_path: Path, write_config: ConfigFactory) -> None:
    folder = folder_of(tmp_path / "in", {
        "feed.json": _feed("jsonfeed-1.1.json", "https://news.example"),
        "list.json": json.dumps([{"title": "قائمة", "content": LONG,
                                  "url": "https://news.example/list/1"}],
                                ensure_ascii=False)})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    got = sorted(((a.url, a.location.removeprefix(f"{folder}/"), a.headline, a.outlet)
                  for a in store.articles(report.added)), key=repr)
    assert got == [
        ("https://news.example/list/1", "list.json#0", "قائمة", "in"),  # as before
        ("https://news.example/n/1", "https://news.example/n/1",
         "افتتاح مستشفى جديد في تبوك", "صحيفة <الاختبار>"),
        # a teaser too short to be a text, and no page is fetched from a folder
        ("https://news.example/site/n/2", "https://news.example/site/n/2",
         "3 < 5 في نتائج الفحص", "صحيفة <الاختبار>"),
        (None, "feed.json#2", "خبر بلا رابط", "صحيفة <الاختبار>")], report.skipped
    assert report.skipped == ["https://news.example/site/n/2: kept as its headline alone: no "
                              "text (ingest.headline_only)"]


def test_links_that_cannot_be_read_lose_their_item_only_and_never_show_a_password(
        web: WebServer, write_config: ConfigFactory) -> None:
    """A home_page_url urllib cannot split ("http://[x") failed the whole feed; an item's
    url that it cannot split was reported with urllib's message, which quotes the address
    with its password."""
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "x",
            "home_page_url": "http://[x", "items": [
                {"id": "1", "url": "http://user:s3cr3t@ho\uff03st/a", "content_text": LONG},
                {"id": "2", "url": "n/2", "content_text": OTHER}]}
    web.serve("/f/feed", "application/feed+json", json.dumps(feed))
    cfg, store = feed_store(write_config, web.url + "/f/feed")
    report = ingest(cfg, store)
    assert report.failed_sources == []
    assert report.skipped == [f"{web.url}/f/feed#entry-0: skipped: its url cannot be read as "
                              "a link"]
    assert [a.url for a in store.articles(report.added)] == [f"{web.url}/f/n/2"]


def test_a_saved_json_feed_whose_items_share_one_link_keeps_each_of_them(
        tmp_path: Path, write_config: ConfigFactory) -> None:
    """Over HTTP, items that share a link (a feed giving each its home page) are each kept
    without it; a saved feed kept the first and dropped the others as "already stored"."""
    items = [{"id": str(i), "url": "https://ex.test/", "title": f"خبر رقم {i} من الموقع",
              "content_text": text} for i, text in enumerate((LONG, OTHER, THIRD))]
    folder = folder_of(tmp_path / "in", {"feed.json": json.dumps(
        {"version": "https://jsonfeed.org/version/1", "title": "x", "items": items},
        ensure_ascii=False)})
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert [(a.url, a.location.removeprefix(f"{folder}/"))
            for a in store.articles(report.added)] == [
        (None, "feed.json#0"), (None, "feed.json#1"), (None, "feed.json#2")]
    assert report.skipped == ["https://ex.test/: 3 different entries have this link: it is "
                              "none of theirs, they are kept without it"]
