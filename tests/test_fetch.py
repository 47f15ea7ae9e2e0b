"""Fetching feeds and pages against hostile servers on 127.0.0.1 started by the tests:
slow ones, huge ones, links and redirects to other schemes, pages that keep failing,
charsets only the HTTP header names."""

from __future__ import annotations

import base64
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote

import pytest

from briefings import config
from briefings.ingest import ingest
from briefings.store import Store
from briefings.uri import to_uri

from .builders import BODY, ConfigFactory, feed_config, item, rss
from .builders import page as article_page
from .fakes.web import WebServer, drip, redirect, send

LONG = "".join(f"<p>{BODY.replace('أمس', day)}</p>" for day in ("أمس", "اليوم", "غدا", "الأحد"))
SECRET = "سر محلي لا يجوز أن يقرأه أحد"


def page(text: str = LONG) -> str:
    return article_page(text)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port that only records whether anyone connected (an 'ftp server')."""
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock
    sock.close()


def connected(sock: socket.socket) -> bool:
    sock.settimeout(0.2)
    try:
        conn, _ = sock.accept()
    except TimeoutError:
        return False
    conn.close()
    return True


def stored_text(store: Store) -> str:
    arts = store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))
    sents = store.sentences([a.id for a in arts])
    return " ".join([a.headline for a in arts] + [s.text_src for v in sents.values() for s in v])


# -- the deadline -------------------------------------------------------------

@pytest.mark.parametrize("phase", ["headers", "body"])
def test_slow_loris_server_cannot_hold_a_fetch_past_its_deadline(
        phase: str, web: WebServer, write_config: ConfigFactory) -> None:
    body = rss(item("خبر", f"{web.url}/a", LONG)).encode()
    head = f"HTTP/1.0 200 OK\r\nContent-Type: application/rss+xml\r\n" \
           f"Content-Length: {len(body)}\r\n\r\n".encode()
    if phase == "headers":
        web.routes["/feed"] = drip(web, head + body)
    else:
        def route(h: BaseHTTPRequestHandler) -> None:
            h.connection.sendall(head)
            drip(web, body)(h)
        web.routes["/feed"] = route
    cfg = feed_config(write_config, f"{web.url}/feed", fetch_timeout=1)
    store = Store(cfg.db_path)
    start = time.monotonic()
    report = ingest(cfg, store)
    elapsed = time.monotonic() - start
    assert elapsed < 8  # the deadline is 1 s; the server would hold it for 20 s
    assert len(report.failed_sources) == 1
    assert "took longer than 1 s (ingest.fetch_timeout)" in report.failed_sources[0]
    assert store.article_count() == 0


# -- the size cap -------------------------------------------------------------

def test_oversized_feed_is_a_source_failure_not_a_silent_cut(
        web: WebServer, write_config: ConfigFactory) -> None:
    # cut at 10 MB, the first entries would parse and be stored with health "ok"
    padding = "<!-- " + "x" * 10_500_000 + " -->"
    web.serve("/feed", "application/rss+xml",
                 rss(item("خبر", f"{web.url}/a", LONG)).replace("</channel>",
                                                                   padding + "</channel>"))
    cfg = feed_config(write_config, f"{web.url}/feed")
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert store.article_count() == 0
    assert len(report.failed_sources) == 1
    assert "larger than 10 MB (ingest.max_fetch_bytes)" in report.failed_sources[0]
    health = {r.name: r for r in store.sources_health()}["feed"]
    assert "larger than 10 MB" in (health.last_error or "")


def test_size_cap_without_content_length_for_feeds_and_pages(
        web: WebServer, write_config: ConfigFactory) -> None:
    big = rss(item("خبر", f"{web.url}/a", LONG + "<p>" + "ـ" * 40_000 + "</p>"))
    web.routes["/big-feed"] = lambda h: send(h, big.encode(), 200, "application/rss+xml",
                                             length=False)
    huge_page = page(LONG * 40).encode()
    web.routes["/huge"] = lambda h: send(h, huge_page, 200, "text/html", length=False)
    web.serve("/feed", "application/rss+xml", rss(
        item("خبر طويل", f"{web.url}/huge"), item("خبر كامل", f"{web.url}/full", LONG)))
    cfg = config.load(write_config(sources=[
        {"name": "big", "type": "rss", "url": f"{web.url}/big-feed"},
        {"name": "feed", "type": "rss", "url": f"{web.url}/feed"}],
        ingest={"max_fetch_bytes": 30_000}))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert len(report.failed_sources) == 1 and "'big'" in report.failed_sources[0]
    assert "larger than 30 kB (ingest.max_fetch_bytes)" in report.failed_sources[0]
    # the page over the cap is that entry's problem; the rest of its feed is stored
    assert [a.url for a in store.articles(report.added)] == [f"{web.url}/full"]
    assert any(f"{web.url}/huge" in line and "larger than 30 kB" in line
               for line in report.skipped)


# -- only http and https ------------------------------------------------------

def test_feed_links_to_other_schemes_are_never_read_nor_stored(
        web: WebServer, listener: socket.socket, write_config: ConfigFactory,
        tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text(page(f"<p>{SECRET}</p>{LONG}"), encoding="utf-8")
    ftp = f"ftp://127.0.0.1:{listener.getsockname()[1]}/secret.html"
    data = "data:text/html;base64," + base64.b64encode(page(f"<p>{SECRET}</p>{LONG}")
                                                       .encode()).decode()
    web.serve("/feed", "application/rss+xml", rss(
        item("ملف", secret.as_uri()), item("ملف بحروف كبيرة", "FILE://" + str(secret)),
        item("ملف مع نص كامل", secret.as_uri() + "?full", LONG),
        item("اف تي بي", ftp), item("بيانات", data), item("سكربت", "javascript:alert(1)"),
        item("خبر عادي", f"{web.url}/ok", LONG)))
    cfg = feed_config(write_config, f"{web.url}/feed", fetch_timeout=2)
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert [a.url for a in store.articles(report.added)] == [f"{web.url}/ok"]
    assert SECRET not in stored_text(store)
    assert not connected(listener)
    skipped = "\n".join(report.skipped)
    assert skipped.count("skipped: link scheme file is not allowed (only http and https)") == 3
    for scheme in ("ftp", "data", "javascript"):
        assert f"link scheme {scheme} is not allowed" in skipped


def test_redirects_to_other_schemes_are_refused(
        web: WebServer, listener: socket.socket, write_config: ConfigFactory,
        tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text(page(f"<p>{SECRET}</p>{LONG}"), encoding="utf-8")
    ftp = f"ftp://127.0.0.1:{listener.getsockname()[1]}/secret.html"

    web.routes["/to-ftp"] = redirect(ftp)
    web.routes["/to-file"] = redirect(secret.as_uri())
    web.routes["/to-page"] = redirect("/page")
    web.serve("/page", "text/html; charset=utf-8", page())
    web.serve("/feed", "application/rss+xml", rss(
        item("الى اف تي بي", f"{web.url}/to-ftp"), item("الى ملف", f"{web.url}/to-file"),
        item("تحويل عادي", f"{web.url}/to-page")))
    cfg = feed_config(write_config, f"{web.url}/feed", fetch_timeout=2)
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not connected(listener)
    assert SECRET not in stored_text(store)
    assert [a.url for a in store.articles(report.added)] == [f"{web.url}/to-page"]
    skipped = "\n".join(report.skipped)
    assert f"redirected to {ftp}: link scheme ftp is not allowed" in skipped
    assert "link scheme file is not allowed" in skipped


def test_feed_body_naming_a_local_file_is_not_opened(
        web: WebServer, write_config: ConfigFactory, tmp_path: Path) -> None:
    local = tmp_path / "local.xml"
    local.write_text(rss(item(SECRET, "http://example.invalid/x", LONG)), encoding="utf-8")
    web.serve("/feed", "application/rss+xml", str(local))  # feedparser would open it
    cfg = feed_config(write_config, f"{web.url}/feed")
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert store.article_count() == 0 and len(report.failed_sources) == 1
    assert "not a feed" in report.failed_sources[0]


# -- pages that fail: backoff ---------------------------------------------------

def test_failed_page_is_not_fetched_again_while_backing_off(
        web: WebServer, write_config: ConfigFactory) -> None:
    web.serve("/broken", "text/plain", "boom", status=500)
    web.serve("/feed", "application/rss+xml", rss(item("خبر", f"{web.url}/broken"),
                                                     item("خبر كامل", f"{web.url}/ok", LONG)))
    cfg = feed_config(write_config, f"{web.url}/feed")
    store = Store(cfg.db_path)
    first = ingest(cfg, store)
    assert web.requests.count("/broken") == 1 and len(first.added) == 1
    lines = [line for line in first.skipped if "/broken" in line]
    assert len(lines) == 1 and "HTTP 500" in lines[0] and "next try in 15 min" in lines[0]
    second = ingest(cfg, store)
    assert web.requests.count("/feed") == 2
    assert web.requests.count("/broken") == 1  # backing off: not requested again
    assert not [line for line in second.skipped if "/broken" in line]  # reported once
    failure = store.url_failure(f"{web.url}/broken")
    assert failure is not None and failure.failures == 1 and "HTTP 500" in failure.last_error


def test_backoff_doubles_gives_up_and_success_forgets(cfg: config.Config, store: Store) -> None:
    from briefings.fetch import PageBackoff

    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    pages = PageBackoff(store, now=lambda: clock[0])
    url = "http://example.invalid/page"
    assert pages.waiting(url) is None
    waits = []
    for _ in range(6):
        assert pages.waiting(url) is None  # due
        waits.append(pages.failed(url, "HTTP 503"))
        assert pages.waiting(url) is not None
        record = store.url_failure(url)
        assert record is not None
        if record.next_try_at is not None:
            clock[0] = record.next_try_at
    assert waits[:3] == ["attempt 1 of 6, next try in 15 min",
                         "attempt 2 of 6, next try in 30 min",
                         "attempt 3 of 6, next try in 1 h"]
    assert waits[-1] == "gave up after 6 failed attempts"
    clock[0] += timedelta(days=10)
    assert pages.waiting(url) is not None  # given up: never again
    other = "http://example.invalid/other"
    pages.failed(other, "timeout")
    clock[0] += timedelta(hours=1)
    pages.succeeded(other)
    assert store.url_failure(other) is None


# -- charsets -------------------------------------------------------------------

def test_charset_named_only_by_the_http_header_is_honoured(
        web: WebServer, write_config: ConfigFactory) -> None:
    iso_page = page(f"<p>{BODY}</p><p>{BODY.replace('أمس', 'اليوم')}</p>")
    web.serve("/iso", "text/html; charset=ISO-8859-6", iso_page.encode("iso-8859-6"))
    meta_page = iso_page.replace("<head>", '<head><meta charset="ISO-8859-6">')
    meta_page = meta_page.replace("أمس", "الاثنين")
    web.serve("/meta", "text/html", meta_page.encode("iso-8859-6"))
    feed_1256 = rss(item("عنوان بترميز ويندوز", f"{web.url}/w", LONG),
                    item("خبر", f"{web.url}/iso"), item("خبر آخر", f"{web.url}/meta"),
                    encoding="")
    web.serve("/feed", "application/rss+xml; charset=windows-1256",
                 feed_1256.encode("cp1256"))
    cfg = feed_config(write_config, f"{web.url}/feed")
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    arts = {a.url: a for a in store.articles(report.added)}
    assert arts[f"{web.url}/w"].headline == "عنوان بترميز ويندوز"
    for path in ("/iso", "/meta"):
        art = arts[web.url + path]
        text = " ".join(s.text_src for s in store.sentences([art.id])[art.id])
        assert "اشتباكات نشبت بين القوات المحلية" in text


# -- https ----------------------------------------------------------------------

def test_https_fetch_verifies_and_a_stalled_tls_handshake_meets_the_deadline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import ssl
    import subprocess

    from briefings.errors import FetchError
    from briefings.fetch import http_fetcher

    # a TLS server that drips a handshake record one byte every 0.5 s (at most 20 s)
    stalled = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip_handshake() -> None:
        conn, _ = stalled.accept()
        with contextlib.suppress(OSError), conn:
            for byte in b"\x16\x03\x03\x40\x00" + bytes(35):
                if stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(0.5)

    threading.Thread(target=drip_handshake, daemon=True).start()
    fetch = http_fetcher(1, "test")
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"took longer than 1 s"):
        fetch(f"https://127.0.0.1:{stalled.getsockname()[1]}/feed")
    assert time.monotonic() - start < 8
    stop.set()
    stalled.close()

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    web = WebServer()
    web.serve("/page", "text/html; charset=windows-1256", page().encode("cp1256"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    web.httpd.socket = context.wrap_socket(web.httpd.socket, server_side=True)
    url = web.url.replace("http:", "https:") + "/page"
    try:
        with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            http_fetcher(2, "test")(url)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        resp = http_fetcher(2, "test")(url)
    finally:
        web.close()
    assert resp.charset == "windows-1256" and resp.data == page().encode("cp1256")


def test_damaged_or_mislabelled_feeds_are_read_without_mojibake(
        web: WebServer, write_config: ConfigFactory) -> None:
    lying = rss(item("عنوان بترويسة كاذبة", f"{web.url}/l", LONG)).encode()
    web.serve("/lying", "application/rss+xml; charset=windows-1256", lying)
    good = rss(item("عنوان خبر سليم", f"{web.url}/d", LONG.replace("أمس", "البارحة"))).encode()
    cut = good.index("سليم".encode())
    web.serve("/damaged", "application/rss+xml", good[:cut] + b"\xff" + good[cut:])
    web.serve("/utf16", "text/xml", rss(item("عنوان بترميز آخر", f"{web.url}/u", LONG.replace(
        "أمس", "الخميس")), encoding="").encode("utf-16-le"))
    cfg = config.load(write_config(sources=[
        {"name": name, "type": "rss", "url": f"{web.url}/{name}"}
        for name in ("lying", "damaged", "utf16")]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not report.failed_sources
    heads = sorted(a.headline for a in store.articles(report.added))
    assert heads == ["عنوان بترميز آخر", "عنوان بترويسة كاذبة", "عنوان خبر سليم"]
    assert "Ø" not in stored_text(store) and "ط§" not in stored_text(store)
    assert any(f"{web.url}/damaged: damaged UTF-8: 1 bad byte(s) dropped" in line
               for line in report.skipped)


# -- IRIs: Arabic (and other non-ASCII) links ----------------------------------

def test_arabic_feed_and_page_urls_are_fetched_and_stored_as_written(
        web: WebServer, write_config: ConfigFactory) -> None:
    """Arabic news sites put Arabic in their paths: the request carries the percent-encoded
    UTF-8 (RFC 3987), the stored link stays as the feed wrote it (what the reader clicks)."""
    arabic = f"{web.url}/أخبار/خبر-عاجل"
    spaced = f"{web.url}/خبر ثان?ق=ع"
    moved = f"{web.url}/نقل"
    web.serve(quote("/عربي/rss"), "application/rss+xml", rss(
        item("خبر عاجل", arabic), item("خبر ثان", spaced), item("خبر منقول", moved)))
    web.serve(quote("/أخبار/خبر-عاجل"), "text/html; charset=utf-8", page())
    web.serve(quote("/خبر ثان") + "?" + quote("ق") + "=" + quote("ع"),
              "text/html; charset=utf-8", page(LONG.replace("اليوم", "الاثنين")))
    # a Location header in raw UTF-8 (http.client reads header bytes as Latin-1)
    target = "/مكان/جديد".encode().decode("latin-1")
    web.routes[quote("/نقل")] = redirect(target)
    web.serve(quote("/مكان/جديد"), "text/html; charset=utf-8",
              page(LONG.replace("اليوم", "الثلاثاء")))
    cfg = feed_config(write_config, f"{web.url}/عربي/rss", fetch_timeout=5)
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert not report.failed_sources and not report.skipped
    assert sorted(a.url or "" for a in store.articles(report.added)) == sorted(
        [arabic, spaced, moved])
    assert quote("/أخبار/خبر-عاجل") in web.requests and quote("/مكان/جديد") in web.requests
    assert store.has_url(arabic) and store.url_failure(arabic) is None
    assert "مقدمة قصيرة" not in stored_text(store)  # the full pages, not the teasers


@pytest.mark.parametrize(("iri", "uri"), [
    ("http://h/أ b?q=ع#ف", "http://h/%D8%A3%20b?q=%D8%B9#%D9%81"),
    ("http://h/%D8%A3x?a=1&b=%2F;c", "http://h/%D8%A3x?a=1&b=%2F;c"),  # escapes kept
    ("https://www.example.com/a/b?x=1&y=[2]", "https://www.example.com/a/b?x=1&y=[2]"),
    (" http://h/x? ", "http://h/x?"),  # a URI as it is (no "normalising")
    ("http://u:p@مثال.com:8080/ص", "http://u:p@xn--mgbh0fb.com:8080/%D8%B5"),
    ("http://[::1]:80/ع", "http://[::1]:80/%D8%B9"),
])
def test_iri_to_uri(iri: str, uri: str) -> None:
    assert to_uri(iri) == uri
