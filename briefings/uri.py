"""Links as feeds and pages write them (IRIs: Arabic paths are common) made into the URIs a
request needs."""

from __future__ import annotations

import re
import urllib.parse

# What may stay as it is in a URI (RFC 3986 unreserved and reserved characters, and "%":
# existing escapes are kept, and a lone "%" is left alone as browsers do). Everything else
# (non-ASCII letters, spaces, controls, quotes...) is percent-encoded as UTF-8.
_NOT_URI = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _escape(part: str) -> str:
    return _NOT_URI.sub(lambda m: urllib.parse.quote(m.group(0), safe=""), part)


def to_uri(url: str) -> str:
    """The URI to request for ``url``, which may be an IRI (RFC 3987) as feeds and pages write
    them: non-ASCII characters and spaces in the path, query and fragment percent-encoded as
    UTF-8, a non-ASCII host name IDNA-encoded; existing escapes and reserved characters are
    kept, so a URL with nothing to escape is unchanged (an ASCII one may still have a space
    or a "|" escaped). ValueError when the host cannot be encoded."""
    url = url.strip()
    if url.isascii() and not _NOT_URI.search(url):
        return url  # a URI already: as it is
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii() or _NOT_URI.search(netloc):
        userinfo, at, hostport = netloc.rpartition("@")
        host, port = hostport, ""
        if not hostport.endswith("]"):  # not an IPv6 literal: host[:port]
            head, colon, tail = hostport.rpartition(":")
            if colon and tail.isdigit():
                host, port = head, colon + tail
        if not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError as exc:
                raise ValueError(f"host name {host!r} cannot be encoded ({exc})") from None
        netloc = _escape(userinfo) + at + host + port
    return urllib.parse.urlunsplit((parts.scheme, netloc, _escape(parts.path),
                                    _escape(parts.query), _escape(parts.fragment)))
