"""RSS/Atom sources against a feed server started on 127.0.0.1 by the test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from briefings import config
from briefings.ingest import ingest
from briefings.store import Store

BODY = ("قال مسؤولون إن اشتباكات نشبت بين القوات المحلية والمسلحين شرقي المدينة أمس. "
        "وأضاف متحدث أن القوات تستعد للتقدم نحو المدينة في الأيام المقبلة بعد وصول تعزيزات.")


class FeedServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.routes: dict[str, tuple[int, str, str]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append((self.path, self.headers.get("User-Agent", "")))
                status, ctype, body = outer.routes.get(self.path, (404, "text/plain", "no"))
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.close()


def rss(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>الزمان</title><link>{base}</link>
<item><title>خبر كامل في الخلاصة</title><link>{base}/full</link>
<pubDate>Tue, 10 May 2016 08:00:00 GMT</pubDate>
<description><![CDATA[<p>{BODY}</p><p>{BODY.replace("أمس", "اليوم")}</p><p>{BODY.replace(
    "المدينة", "العاصمة")}</p><p>{BODY.replace("القوات", "الوحدات")}</p>]]></description></item>
<item><title>خبر بمقدمة فقط</title><link>{base}/teaser</link>
<description>مقدمة قصيرة...</description></item>
</channel></rss>"""


PAGE = f"""<html><head><title>خبر بمقدمة فقط</title></head><body>
<nav>الرئيسية | أخبار | رياضة</nav><article><h1>خبر بمقدمة فقط</h1>
<p>{BODY}</p><p>{BODY.replace("أمس", "صباح اليوم")}</p></article>
<footer>جميع الحقوق محفوظة</footer></body></html>"""


def test_feed_with_teaser_fetch_and_a_failing_feed(server: FeedServer, cfg: config.Config,
                                                   store: Store) -> None:
    server.routes["/feed.xml"] = (200, "application/rss+xml", rss(server.url))
    server.routes["/teaser"] = (200, "text/html; charset=utf-8", PAGE)
    server.routes["/broken.xml"] = (500, "text/plain", "boom")
    sources = [
        config.SourceConfig(name="broken", type="rss", url=f"{server.url}/broken.xml"),
        config.SourceConfig(name="zaman", type="rss", url=f"{server.url}/feed.xml"),
    ]
    report = ingest(cfg, store, sources)
    assert len(report.added) == 2
    assert len(report.failed_sources) == 1 and "broken" in report.failed_sources[0]
    arts = {a.url: a for a in store.articles(report.added)}
    full = arts[f"{server.url}/full"]
    assert full.outlet == "Azzaman" and full.published and full.published.year == 2016
    teaser = arts[f"{server.url}/teaser"]
    sents = store.sentences([teaser.id])[teaser.id]
    assert len(sents) >= 3 and "مقدمة قصيرة" not in " ".join(s.text_src for s in sents)
    assert all(ua.startswith("briefings/") for _, ua in server.requests)
    health = {r.name: r for r in store.sources_health()}
    assert health["broken"].last_error and health["zaman"].last_error is None
    assert health["zaman"].articles_added == 2
    # next poll: the broken feed is retried, known entries are not fetched again
    server.routes["/broken.xml"] = (200, "application/rss+xml", rss(server.url))
    before = len(server.requests)
    again = ingest(cfg, store, sources)
    assert again.added == [] and not again.failed_sources
    fetched = [p for p, _ in server.requests[before:]]
    assert "/teaser" not in fetched and "/broken.xml" in fetched
    assert {r.name: r for r in store.sources_health()}["broken"].last_error is None


def test_unreachable_feed_times_out(cfg: config.Config, store: Store) -> None:
    src = config.SourceConfig(name="down", type="rss", url="http://127.0.0.1:9/feed.xml")
    report = ingest(cfg, store, [src])
    assert report.added == [] and len(report.failed_sources) == 1
