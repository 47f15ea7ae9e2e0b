"""RSS/Atom sources against a feed server started on 127.0.0.1 by the test."""

from __future__ import annotations

from briefings import config
from briefings.ingest import ingest
from briefings.store import Store

from .builders import ConfigFactory, fixture
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


def test_entries_whose_id_is_not_a_link_are_kept_without_an_invented_link(
        web: WebServer, write_config: ConfigFactory) -> None:
    """feedparser gives a guid or id as the entry's link: a tag:/urn: id made the entry be
    skipped (content lost), a bare number became http://host/12345. Such entries have no
    link; each is located at its own place in the feed, so reports say which one."""
    web.serve("/atom", "application/atom+xml", fixture("feeds/ids-atom.xml"))
    web.serve("/rss", "application/rss+xml", fixture("feeds/ids-rss.xml", base=web.url))
    cfg = config.load(write_config([{"name": "atom", "type": "rss", "url": f"{web.url}/atom"},
                                    {"name": "rss", "type": "rss", "url": f"{web.url}/rss"}],
                                   ingest={"full_text_below": 0}))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not report.failed_sources
    arts = {a.headline: a for a in store.articles(report.added)}
    atom, rss_url = f"{web.url}/atom", f"{web.url}/rss"
    linkless = {"خبر بمعرف tag": f"{atom}#entry-0", "خبر بمعرف urn": f"{atom}#entry-1",
                "خبر بمعرف رقمي": f"{atom}#entry-2", "خبر برقم": f"{rss_url}#entry-0",
                "خبر بمعرف غير دائم": f"{rss_url}#entry-2"}
    for headline, where in linkless.items():
        assert (arts[headline].url, arts[headline].location) == (None, where)
    # real links: a relative <link> resolved against the feed, an RSS permalink guid
    assert arts["خبر برابط نسبي"].url == f"{web.url}/relative/page"
    assert arts["خبر برابط دائم"].url == f"{web.url}/permalink?id=7&x=1"
    assert sorted(report.skipped) == [f"{atom}#entry-3: skipped: empty article (no letters in "
                                      "the text after cleaning)",
                                      f"{atom}#entry-4: skipped: empty article (no letters in "
                                      "the text after cleaning)"]
    assert not any("12345" in r or "not-a-page" in r for r in web.requests)
