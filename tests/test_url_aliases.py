"""An outlet's same text under a second URL (migration 13): the URL is an alias of the stored
copy, known to feeds (its page is not fetched again) and to the quality benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.quality.__main__ import main as quality_main
from benchmarks.quality.evaluate import evaluate
from benchmarks.quality.labels import Labels, Question
from benchmarks.quality.run import ProductRun
from briefings import config
from briefings.ingest import ingest
from briefings.store import MIGRATIONS, Store, migrations
from briefings.store.migrations import schema_version

from .builders import clean_article as _article
from .builders import day_item, fixture, write_day
from .fakes.web import WebServer
from .test_dedup import older_store

FIRE = ("اندلع حريق كبير صباح اليوم في مستودع للأخشاب بحي الخمرة جنوب جدة، وباشرت فرق "
        "الدفاع المدني إخماده.\nوقال المتحدث الرسمي للدفاع المدني إن الحريق لم يسفر عن أي "
        "إصابات.\nوأوضح أن التحقيقات الأولية تشير إلى أن ماسا كهربائيا تسبب في الحريق.")
RAIN = ("هطلت أمطار غزيرة مساء أمس على مدينة أبها وأدت إلى جريان السيول في عدد من الأودية.\n"
        "ودعت المديرية العامة للدفاع المدني السكان إلى الابتعاد عن مجاري السيول.\n"
        "وتوقعت الأرصاد استمرار الأمطار الرعدية على مرتفعات عسير حتى نهاية الأسبوع.")
BASE = "http://example.sa/madina/fire"


def _item(url: str, outlet: str = "al-madina", content: str = FIRE,
          title: str = "حريق في مستودع للأخشاب جنوب جدة") -> dict[str, Any]:
    return day_item(outlet, url, title, content, "2015-07-25 10:00:00")


def test_same_text_under_a_second_url_is_an_alias_of_the_stored_copy(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    src = store.source_id("s", "folder", ".")
    first = store.add_article(src, _article("Okaz", "https://a/1?live"))
    assert first is not None
    assert store.add_article(src, _article("Okaz", "https://a/1?weekly")) is None
    assert store.has_url("https://a/1?weekly") and not store.has_url("https://a/1?daily")
    assert store.add_article(src, _article("Okaz", "https://a/1?weekly")) is None  # again
    other = store.add_article(src, _article("Sabq", "https://b/1"))  # another outlet: stored
    assert other not in (None, first)
    assert store.resolve_urls(["https://a/1?live", "https://a/1?weekly", "https://b/1",
                               "https://nowhere"]) == {
        "https://a/1?live": first, "https://a/1?weekly": first, "https://b/1": other}
    # an alias is never stored as an article of its own, even with other text
    assert store.add_article(src, _article("Okaz", "https://a/1?weekly", "نص آخر.")) is None
    with store.transaction() as db:  # the alias goes with its article
        db.execute("DELETE FROM articles WHERE id = ?", (first,))
    assert not store.has_url("https://a/1?weekly")
    store.close()


def test_folder_json_second_url_is_a_duplicate_and_known(cfg: config.Config, store: Store,
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "day"
    write_day(folder, [_item(f"{BASE}?live"), _item(f"{BASE}?weekly")])
    src = config.SourceConfig(name="day", type="folder", path=str(folder))
    report = ingest(cfg, store, [src])
    assert len(report.added) == 1 and report.duplicates == 1
    assert store.has_url(f"{BASE}?weekly")
    assert set(store.resolve_urls([f"{BASE}?live", f"{BASE}?weekly"]).values()) == \
        set(report.added)
    again = ingest(cfg, store, [src])
    assert again.added == [] and again.duplicates == 2  # both known by URL now


def test_feed_does_not_fetch_an_alias_page_again(web: WebServer, cfg: config.Config,
                                                 store: Store) -> None:
    web.serve("/feed.xml", "application/rss+xml",
              fixture("feeds/madina-aliases.xml", base=web.url))
    for v in ("live", "weekly"):
        web.serve(f"/fire?{v}", "text/html; charset=utf-8", fixture("pages/fire.html"))
    src = config.SourceConfig(name="madina", type="rss", url=f"{web.url}/feed.xml")
    first = ingest(cfg, store, [src])
    assert len(first.added) == 1 and first.duplicates == 1
    again = ingest(cfg, store, [src])
    assert again.added == [] and not again.failed_sources
    pages = [p for p in web.requests if p.startswith("/fire")]
    assert sorted(pages) == ["/fire?live", "/fire?weekly"]  # each fetched once


def test_migration_14_adds_aliases_to_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    at = MIGRATIONS.index(migrations._m013_url_aliases)
    old = older_store(at)(path)
    assert schema_version(old.db) == at
    src = old.source_id("s", "folder", ".")
    a = old.add_article(src, _article("Okaz", "https://a/1"))
    assert a and old.add_article(src, _article("Okaz", "https://a/2")) is None
    before = old.db.execute("SELECT * FROM articles").fetchall()
    old.close()
    store = Store(path)
    assert schema_version(store.db) == len(MIGRATIONS)
    assert store.db.execute("SELECT * FROM articles").fetchall() == before
    assert not store.has_url("https://a/2")  # dropped before aliases existed: not known
    assert store.add_article(src, _article("Okaz", "https://a/3")) is None
    assert store.has_url("https://a/3") and store.resolve_urls(["https://a/3"]) == {
        "https://a/3": a}
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    store.close()


def test_benchmark_counts_an_alias_in_its_stored_copys_story(tmp_path: Path) -> None:
    day = tmp_path / "day.json"
    rain = "http://example.sa/okaz/rain"
    write_day(tmp_path, [_item(f"{BASE}?live"), _item(f"{BASE}?weekly"),
                         _item(rain, "okaz", RAIN, "أمطار غزيرة وسيول في أبها")])
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "events.json").write_text(json.dumps([
        {"id": "fire", "urls": [f"{BASE}?live", f"{BASE}?weekly"], "key_terms": []},
        {"id": "rain", "urls": [rain], "key_terms": []}]), encoding="utf-8")
    (labels / "questions.json").write_text(json.dumps({"answerable": [], "unanswerable": []}),
                                           encoding="utf-8")
    out = tmp_path / "figures.json"
    assert quality_main(["--day", str(day), "--labels", str(labels), "--json", str(out)]) == 0
    f = json.loads(out.read_text(encoding="utf-8"))
    assert f["articles"]["url_aliases"] == 1
    g = f["grouping"]
    assert g["unstored_labelled"] == 0 and g["aliased_labelled"] == 1
    assert g["recall"] == 1.0  # was 0.667: the ?weekly URL was a singleton


def test_questions_count_an_alias_as_its_stored_article() -> None:
    live, weekly, rain = f"{BASE}?live", f"{BASE}?weekly", "http://example.sa/okaz/rain"
    run = ProductRun(items=3, dropped={}, url_article={live: 1, rain: 2}, aliases={weekly: live},
                     story_of={1: 10, 2: 20}, ranked=[10, 20], bullets=[],
                     answers={"أين الحريق؟": [live, rain]})
    labels = Labels(events=[], answerable=[Question("أين الحريق؟", frozenset({weekly}),
                                                    frozenset({weekly}))],
                    unanswerable=[], problems=[])
    q = evaluate(run, labels)["questions"]
    assert (q["hit1_strict"], q["hit3_strict"]) == (1.0, 1.0)
