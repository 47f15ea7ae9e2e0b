"""Links as feeds and pages write them (IRIs: Arabic paths are common): which may be
fetched or stored at all (``disallowed``, ``link_problem``), the URIs a request needs, and
the form that may be stored and shown (``public``: no password)."""

from __future__ import annotations

import re
import urllib.parse

from .text import printable

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


ALLOWED_SCHEMES = ("http", "https")
# Characters no link may hold: controls (a line break in a link forges a line where it is
# printed), line separators, and the direction controls that make a link read as another
# ("/\u202egpj.exe" shows as "/exe.jpg"). Spaces and non-ASCII letters are fine (IRIs).
_NOT_IN_LINK = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e"
                          "\u2066-\u2069\ufeff]")


def link_problem(url: str) -> str | None:
    """Why ``url``, as a feed or a file gives it, may not be fetched or stored as a link
    (``disallowed``, or characters no link holds), or None when it may. (Not for a
    redirect's Location: http.client reads a UTF-8 one as Latin-1, C1 characters and all,
    and urllib encodes it back.)"""
    if _NOT_IN_LINK.search(url.strip()):
        return "link has control or text-direction characters"
    return disallowed(url)


def disallowed(url: str) -> str | None:
    """Why ``url`` may not be fetched (not http or https), or None when it may."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018  (a ValueError for a port past 65535 or not a number)
    except ValueError as exc:  # http://[::1 (an unclosed IPv6 address), http://host:99999/
        return f"not a valid link: {type(exc).__name__}: {printable(' '.join(str(exc).split()))}"
    if (scheme := parts.scheme.lower()) in ALLOWED_SCHEMES:
        return None if parts.hostname else "not a valid link: no host name"
    if not scheme:
        return "link has no scheme (only http and https are allowed)"
    return f"link scheme {scheme} is not allowed (only http and https)"


def public(url: str) -> str:
    """``url`` without the user name and password it may carry (http://user:secret@host/x
    -> http://host/x): links are stored, printed and logged, and a password must not be.
    (urllib would not send them anyway: it takes "user:secret@host" for the host.)"""
    if "@" not in url:
        return url
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
