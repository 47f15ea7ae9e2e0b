"""One loopback HTTP server for feeds, pages and package indexes.

A route is a function that writes the whole response for one path; ``serve`` makes the
plain ones. Every request's path and User-Agent is recorded. Route builders give the
hostile behaviours the tests need: a slow-loris drip, a body cut short, a redirect, files
from a folder. A path without a route answers 404 (or goes to ``fallback`` when set).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Route = Callable[[BaseHTTPRequestHandler], None]


class WebServer:
    def __init__(self) -> None:
        self.requests: list[str] = []  # the paths asked for, in order
        self.agents: list[str] = []  # their User-Agent headers
        self.routes: dict[str, Route] = {}
        self.fallback: Route | None = None
        self.stop = threading.Event()  # set at close: slow routes give up
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                outer.agents.append(self.headers.get("User-Agent", ""))
                route = outer.routes.get(self.path, outer.fallback)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if route is None:
                        send(self, b"no", 404, "text/plain")
                    else:
                        route(self)  # (the client may give up, as it should)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def serve(self, path: str, ctype: str, body: str | bytes, status: int = 200) -> None:
        """Answer ``path`` with ``body`` (str goes out as UTF-8)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = lambda h: send(h, data, status, ctype)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def web_server() -> Iterator[WebServer]:
    server = WebServer()
    try:
        yield server
    finally:
        server.close()


def send(h: BaseHTTPRequestHandler, data: bytes, status: int = 200,
         ctype: str = "application/rss+xml", length: bool = True, **headers: str) -> None:
    """A whole response. Header names are given with "_" for "-"; Content-Length is the
    body's own unless given (or left out with ``length=False``)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    if length:
        named.setdefault("Content-Length", str(len(data)))
    for name, value in named.items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(data)


def drip(server: WebServer, data: bytes) -> Route:
    """A slow-loris server: one byte every 0.5 s (at most 40 bytes, so at most 20 s)."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.wfile.flush()
        for i in range(min(len(data), 40)):
            if server.stop.is_set():
                return
            h.connection.sendall(data[i:i + 1])
            time.sleep(0.5)
        h.close_connection = True

    return route


def cut_short(body: bytes, ctype: str = "application/rss+xml") -> Route:
    """Announces the whole body, sends two thirds of it, closes the connection."""
    return cut(body, 2, 3, ctype)


def cut(body: bytes, num: int, den: int, ctype: str = "application/rss+xml") -> Route:
    """Announces the whole body, sends ``num/den`` of it, closes the connection."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        send(h, body[: len(body) * num // den], 200, ctype, Content_Length=str(len(body)))

    return route


def redirect(to: str, status: int = 302) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        send(h, b"", status, "text/plain", Location=to)

    return route


def garbage(data: bytes) -> Route:
    """Not HTTP at all: ``data`` on the wire."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(data)

    return route


def files(root: Path) -> Route:
    """The files under ``root`` by path (404 for anything else)."""

    def route(h: BaseHTTPRequestHandler) -> None:
        path = (root / h.path.lstrip("/")).resolve()
        if path.is_relative_to(root.resolve()) and path.is_file():
            send(h, path.read_bytes(), 200, "application/octet-stream")
        else:
            send(h, b"no", 404, "text/plain")

    return route
