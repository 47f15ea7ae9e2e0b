"""HTTP(S) fetching for feeds and pages: only http and https, a wall-clock deadline, a size cap.

``http_fetcher`` builds a urllib opener without the file, ftp and data handlers
and refuses redirects to any other scheme. Every request has one deadline
(``ingest.fetch_timeout``) across connecting, the headers and the whole body:
each socket operation waits at most until the deadline, and a watchdog shuts the
socket down when it passes, so a server dripping one byte at a time cannot hold a
fetch. A body over ``ingest.max_fetch_bytes`` is an error, never silently cut.
Links may be IRIs (Arabic paths are common): the request goes to their URI (``uri.to_uri``);
callers keep and store the link as written.

``PageBackoff`` remembers pages whose fetch failed (in the store) and says when
to try each again: 15 minutes, doubling, at most a day, giving up after 6 tries.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from .clock import utcnow
from .errors import FetchError
from .httpbody import check_complete, declared_length, unpack
from .store import UrlFailure
from .text import printable
from .uri import disallowed, public, to_uri

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    data: bytes
    content_type: str | None  # the Content-Type header
    charset: str | None  # its charset parameter

    def feed_headers(self, charset: str | None = None) -> dict[str, str]:
        """What feedparser needs to know about the response: its media type (with ``charset``
        instead of the server's, if given) and the base for relative links."""
        media = (self.content_type or "").split(";")[0].strip() or "application/xml"
        ctype = f"{media}; charset={charset}" if charset else (self.content_type or media)
        return {"content-location": self.url, "content-type": ctype}


Fetch = Callable[[str], Response]


def size_text(n: int) -> str:
    for unit, size in (("MB", 1_000_000), ("kB", 1000)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


class _Deadline:
    """One request's wall-clock limit; shuts its socket down when the time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def error(self) -> FetchError:
        return FetchError(f"took longer than {self.seconds:g} s (ingest.fetch_timeout)")

    def op_timeout(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise self.error()
        return remaining

    def attach(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shutdown()
        return sock

    def tighten(self) -> None:
        """Before a read: wait at most until the deadline."""
        with self._lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):  # closed once the body was read: fine
                    self._sock.settimeout(self.op_timeout())

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            # the plain socket's shutdown wakes a blocked read, TLS or not (closed: nothing to do)
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def finish(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sock = None


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        kwargs["timeout"] = deadline.op_timeout()
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = self._connect_socket

    def _connect_socket(self, address: tuple[str, int], timeout: float,
                        source_address: Any = None) -> socket.socket:
        sock = socket.create_connection(address, min(timeout, self._deadline.op_timeout()),
                                        source_address)
        return self._deadline.attach(sock)


class _HTTPSConnection(_HTTPConnection, http.client.HTTPSConnection):
    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # TCP (and a proxy tunnel), under the deadline
        host = getattr(self, "_tunnel_host", None) or self.host
        context: ssl.SSLContext = getattr(self, "_context")  # noqa: B009
        self.sock = context.wrap_socket(self.sock, server_hostname=host,
                                        do_handshake_on_connect=False)
        self._deadline.attach(self.sock)
        self.sock.do_handshake()


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        conn = functools.partial(_HTTPConnection, deadline=getattr(req, "deadline"))  # noqa: B009
        return self.do_open(conn, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__(context=ssl.create_default_context())

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        conn = functools.partial(_HTTPSConnection, deadline=getattr(req, "deadline"))  # noqa: B009
        return self.do_open(conn, req, context=self._context)  # type: ignore[attr-defined]


def _reason(reason: object, limit: int = 300) -> str:
    """One line: an exception with its type, or a server's reason phrase, whitespace squashed
    (urllib's redirect-loop message has line breaks), control characters escaped (a
    garbage status line), cut to ``limit`` characters."""
    text = printable(" ".join(str(reason).split()))
    if isinstance(reason, BaseException):
        text = f"{type(reason).__name__}: {text}" if text else type(reason).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """urllib follows redirects to ftp:// by default: only http and https here."""

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: Any) -> Any:
        target = headers.get("location") or headers.get("uri")
        if target:
            target = urllib.parse.urljoin(req.full_url, target.strip())
            why = disallowed(target)
            if why:
                fp.close()
                raise FetchError(f"redirected to {public(target)}: {why}")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        why = disallowed(newurl)
        if why:
            raise FetchError(f"redirected to {public(newurl)}: {why}")
        # a password in a redirect's Location is not sent (urllib took user:secret@host for
        # the host name and failed as "Name or service not known")
        new = super().redirect_request(req, fp, code, msg, headers, public(newurl))
        if new is not None:
            new.deadline = getattr(req, "deadline")  # type: ignore[attr-defined]  # noqa: B009
        return new


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(),
                    _HTTPHandler(), _HTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    _RedirectHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _basic(uri: str) -> str:
    """The Basic authorization of a URI's user name and password (percent-decoded)."""
    parts = urllib.parse.urlsplit(uri)
    pair = f"{urllib.parse.unquote(parts.username or '')}:" \
           f"{urllib.parse.unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def http_fetcher(timeout: float, user_agent: str, max_bytes: int = 10_000_000) -> Fetch:
    """A fetch function: the response of an http(s) URL, or FetchError saying why not."""
    opener = _opener()
    too_large = f"larger than {size_text(max_bytes)} (ingest.max_fetch_bytes)"

    def fetch(url: str) -> Response:
        why = disallowed(url)
        if why:
            raise FetchError(why)
        try:  # the URI of an IRI: Arabic paths are common (the stored link stays as given)
            uri = to_uri(url)
            req = urllib.request.Request(public(uri), headers={"User-Agent": user_agent,
                                                               "Accept": "*/*"})
        except ValueError as exc:
            raise FetchError(f"not a valid link: {_reason(exc)}") from None
        if uri != req.full_url:  # a feed behind a password (user:secret@host): Basic auth,
            req.add_unredirected_header("Authorization", _basic(uri))  # for this host only
        deadline = _Deadline(timeout)
        req.deadline = deadline  # type: ignore[attr-defined]
        try:
            with opener.open(req, timeout=timeout) as resp:
                length = declared_length(resp.headers.get("Content-Length"))
                if length is not None and length > max_bytes:
                    raise FetchError(f"{too_large}: {size_text(length)}")
                chunks: list[bytes] = []
                size = 0
                while size <= max_bytes:
                    deadline.tighten()
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                if deadline.expired:
                    raise deadline.error()
                if size > max_bytes:
                    raise FetchError(too_large)
                check_complete(size, length)
                data = unpack(b"".join(chunks), resp.headers.get("Content-Encoding"),
                              max_bytes, too_large)
                return Response(url=resp.geturl(), data=data,
                                content_type=resp.headers.get("Content-Type"),
                                charset=resp.headers.get_content_charset())
        except FetchError:
            raise
        except http.client.IncompleteRead as exc:  # a chunked body that stops
            raise FetchError(f"incomplete response: {len(exc.partial)} bytes, then the "
                             "connection closed early") from None
        except urllib.error.HTTPError as exc:
            exc.close()
            loop = str(exc.reason).startswith(_RedirectHandler.inf_msg)  # one line, not urllib's
            raise FetchError(f"redirected more than {_RedirectHandler.max_redirections} "
                             "times, or in a loop" if loop else  # urllib says two sentences
                             f"HTTP {exc.code} {_reason(exc.reason)}") from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            if deadline.expired or isinstance(reason, TimeoutError):
                raise deadline.error() from None
            raise FetchError(_reason(reason)) from None
        finally:
            deadline.finish()

    return fetch


# -- pages that failed: when to try again ---------------------------------

FIRST_DELAY = timedelta(minutes=15)
MAX_DELAY = timedelta(days=1)
GIVE_UP_AFTER = 6


def retry_delay(failures: int) -> timedelta | None:
    """Wait after the n-th failure in a row: 15 min, 30 min, 1 h... at most a day; None: give up."""
    if failures >= GIVE_UP_AFTER:
        return None
    return min(FIRST_DELAY * 2 ** (failures - 1), MAX_DELAY)


class FailureLog(Protocol):
    """Where failures are remembered (the Store)."""

    def url_failure(self, url: str) -> UrlFailure | None: ...

    def record_url_failure(self, url: str, error: str,
                           delay: Callable[[int], timedelta | None],
                           now: datetime | None = None) -> UrlFailure: ...

    def clear_url_failure(self, url: str) -> None: ...


def _wait_text(wait: timedelta) -> str:
    minutes = round(wait.total_seconds() / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes / 60:g} h"


class PageBackoff:
    """Pages are fetched again only when their backoff is over; success forgets the failures."""

    def __init__(self, failures: FailureLog, now: Callable[[], datetime] = utcnow) -> None:
        self.failures = failures
        self.now = now

    def waiting(self, url: str) -> UrlFailure | None:
        """The failure record if ``url`` must not be fetched now (backing off or given up)."""
        record = self.failures.url_failure(url)
        if record is None:
            return None
        if record.next_try_at is not None and record.next_try_at <= self.now():
            return None
        return record

    def failed(self, url: str, error: str) -> str:
        """Remember a failure; what happens next, for the report."""
        record = self.failures.record_url_failure(url, error, retry_delay, self.now())
        if record.next_try_at is None:
            return f"gave up after {record.failures} failed attempts"
        return (f"attempt {record.failures} of {GIVE_UP_AFTER}, next try in "
                f"{_wait_text(record.next_try_at - record.last_failed_at)}")

    def succeeded(self, url: str) -> None:
        if self.failures.url_failure(url) is not None:
            self.failures.clear_url_failure(url)
