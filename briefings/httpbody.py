"""What an HTTP response's body really is: complete or cut short, compressed or not.

A server that closes the connection before sending its ``Content-Length`` leaves a body
that ``http.client`` hands over as if it were whole (a feed cut in the middle of an entry,
a page cut mid-sentence). A server may also compress a body we did not ask to be
compressed (a misconfigured CDN, a pre-compressed static file); gzip and deflate are
unpacked here, with the size cap applied to what they unpack to (a small "zip bomb" must
not become gigabytes). A gzip file served as it is, without Content-Encoding (a
``feed.xml.gz``), is known by its magic bytes and unpacked the same way.
"""

from __future__ import annotations

import zlib

from .errors import FetchError

COMPRESSED = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS,
              "deflate": zlib.MAX_WBITS}
GZIP_MAGIC = b"\x1f\x8b\x08"  # gzip's two magic bytes and its only method, deflate


def declared_length(value: str | None) -> int | None:
    """The Content-Length header as a number, None when absent or not a number."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 20 else None


def check_complete(size: int, length: int | None) -> None:
    """FetchError when fewer bytes arrived than the server announced."""
    if length is not None and size < length:
        raise FetchError(f"incomplete response: {size} of {length} bytes (the connection "
                         f"closed early)")


def unpack(data: bytes, encoding: str | None, max_bytes: int, too_large: str) -> bytes:
    """The body without its Content-Encoding (gzip, deflate); FetchError when the encoding
    is unknown, the data is damaged, or it unpacks to more than ``max_bytes``. A gzip file
    sent gzip-compressed (a .gz file the server compressed again) is unpacked to its text,
    each layer within the cap."""
    data = _unpack(data, encoding, max_bytes, too_large)
    for _ in range(MAX_LAYERS - 1):
        if not data.startswith(GZIP_MAGIC):
            break
        data = _unpack(data, "gzip", max_bytes, too_large)
    return data


MAX_LAYERS = 3  # of compression; text that still starts with gzip's magic then is binary


def _unpack(data: bytes, encoding: str | None, max_bytes: int, too_large: str) -> bytes:
    name = (encoding or "").strip().lower()
    if name in ("", "identity"):
        if not data.startswith(GZIP_MAGIC):
            return data
        name = "gzip"  # a .gz file served as it is
    if name not in COMPRESSED:
        raise FetchError(f"unsupported Content-Encoding {name[:40]!r}")
    wbits = COMPRESSED[name]
    try:
        return _inflate(data, wbits, max_bytes, too_large)
    except zlib.error:
        if name != "deflate":
            raise FetchError(f"damaged {name} body") from None
    try:  # "deflate" is often sent raw, without its zlib header
        return _inflate(data, -zlib.MAX_WBITS, max_bytes, too_large)
    except zlib.error:
        raise FetchError("damaged deflate body") from None


def _inflate(data: bytes, wbits: int, max_bytes: int, too_large: str) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, max_bytes + 1)
    if len(out) > max_bytes:
        raise FetchError(f"{too_large} once unpacked")
    if not inflater.eof:
        raise zlib.error("the compressed data ends early")
    return out
