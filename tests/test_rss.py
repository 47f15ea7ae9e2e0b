"""RSS/Atom sources against a feed server started on 127.0.0.1 by the test."""

from __future__ import annotations

from briefings import config
from briefings.ingest import ingest
from briefings.store import Store

from .builders import fixture
from .fakes.web import WebServer


def test_feed_with_teaser_fetch_and_a_failing_feed(web: WebServer, cfg: config.Config,
                                                   store: Store) -> None:
    web.serve("/feed.xml", "application/rss+xml", fixture("feeds/zaman.xml", base=web.url))
    web.serve("/teaser", "text/html; charset=utf-8", fixture("pages/teaser.html"))
    web.serve("/broken.xml", "text/plain", "boom", status=500)
    sources = [
        config.SourceConfig(name="broken", type="rss", url=f"{web.url}/broken.xml"),
        config.SourceConfig(name="zaman", type="rss", url=f"{web.url}/feed.xml"),
    ]
    report = ingest(cfg, store, sources)
    assert len(report.added) == 2
    assert len(report.failed_sources) == 1 and "broken" in report.failed_sources[0]
    arts = {a.url: a for a in store.articles(report.added)}
    full = arts[f"{web.url}/full"]
    assert full.outlet == "Azzaman" and full.published and full.published.year == 2016
    teaser = arts[f"{web.url}/teaser"]
    sents = store.sentences([teaser.id])[teaser.id]
    assert len(sents) >= 3 and "مقدمة قصيرة" not in " ".join(s.text_src for s in sents)
    assert all(ua.startswith("briefings/") for ua in web.agents)
    health = {r.name: r for r in store.sources_health()}
    assert health["broken"].last_error and health["zaman"].last_error is None
    assert health["zaman"].articles_added == 2
    # next poll: the broken feed is retried, known entries are not fetched again
    web.serve("/broken.xml", "application/rss+xml", fixture("feeds/zaman.xml", base=web.url))
    before = len(web.requests)
    again = ingest(cfg, store, sources)
    assert again.added == [] and not again.failed_sources
    fetched = web.requests[before:]
    assert "/teaser" not in fetched and "/broken.xml" in fetched
    assert {r.name: r for r in store.sources_health()}["broken"].last_error is None


def test_unreachable_feed_times_out(cfg: config.Config, store: Store) -> None:
    src = config.SourceConfig(name="down", type="rss", url="http://127.0.0.1:9/feed.xml")
    report = ingest(cfg, store, [src])
    assert report.added == [] and len(report.failed_sources) == 1
