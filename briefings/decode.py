"""Bytes to text: UTF-8, UTF-16 and Windows-1256 (UTF-32 with a BOM), damaged UTF-8 repaired.

Order of evidence: a byte-order mark; then valid UTF-8 (text in a single-byte
charset is almost never valid UTF-8 once it has a few non-ASCII letters); then a
charset the HTTP response declares; then UTF-16 without a BOM (recognised by what
its characters look like); then UTF-8 with a few bad bytes or cut inside a
character at the end (the damage is dropped and a note says so); then
Windows-1256 if the result reads as text. Anything else is ``UnreadableArticle``:
never stored as garbage. A hand-rolled rule rather than charset-normalizer
because it measured better on these cases (see tests/test_encodings.py).
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, replace

from .decodecheck import clean_charrefs, cp1256_problem
from .errors import UnreadableArticle

log = logging.getLogger(__name__)

# UTF-32 first: its little-endian BOM (FF FE 00 00) begins with UTF-16's (FF FE), and a
# UTF-16 text never starts with U+0000.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
# C0/C1 controls other than whitespace: a few are noise, many mean "not this encoding".
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# What text of this project is made of: Latin (with accents), Arabic, punctuation.
_EXPECTED = re.compile(
    "[\t\n\r\f\v\x20-\x7e\u00a0-\u024f\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
    "\u2000-\u206f\u20a0-\u20bf\ufb50-\ufdff\ufe70-\ufeff]")
_XML_DECL = r"""^\s*(<\?xml[^>]*?encoding\s*=\s*)["']([A-Za-z0-9._:-]+)["']"""
_XML_DECL_BYTES = re.compile(_XML_DECL.encode("ascii"))
_XML_DECL_TEXT = re.compile(_XML_DECL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
MAX_BAD_SPOTS = 64  # more damage than this is not "a few bad bytes"


@dataclass(frozen=True)
class Decoded:
    """Text, the encoding it was read as, and what had to be repaired (for the report)."""

    text: str
    encoding: str
    note: str | None = None


def decode(data: bytes, where: str, declared: str | None = None) -> Decoded:
    """Decode ``data`` or raise UnreadableArticle; ``declared`` is an HTTP charset, if any."""
    if not data.strip(b" \t\r\n\f\v\x00"):
        return Decoded("", "ascii")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _with_bom(data[len(bom):], codec, where)
    utf8 = _strict(data, "utf-8")
    if utf8 is not None and b"\x00" not in data and _control_share(utf8) <= 0.1:
        if declared and _codec(declared) not in (None, "utf-8", "ascii") and not utf8.isascii():
            log.info("%s: declared %s, but the bytes are UTF-8: read as UTF-8", where, declared)
        return Decoded(utf8, "utf-8")
    stray = data.count(b"\x00")  # a few NULs in UTF-8 text (an editor's, a C exporter's)
    if utf8 is not None and 0 < stray <= min(MAX_BAD_SPOTS, len(data) // 100):
        text = utf8.replace("\x00", " ")  # (UTF-16 has one in every few bytes)
        if _control_share(text) <= 0.1:
            return Decoded(text, "utf-8", f"{stray} NUL byte(s) read as spaces")
    if declared:
        found = _declared(data, declared, where)
        if found is not None:
            return found
    utf16 = _utf16(data)
    if utf16 is not None:
        return utf16
    repaired = _repair_utf8(data)
    if repaired is not None:
        return repaired
    if b"\x00" in data:
        raise UnreadableArticle(f"{where}: binary data (NUL bytes), not text")
    text = data.decode("cp1256", errors="replace")
    # cp1256 maps nearly every byte: accept it only when the result looks like text.
    printable = sum(ch.isprintable() or ch.isspace() for ch in text) / len(text)
    letters = sum(ch.isalpha() for ch in text) / len(text)
    if "\ufffd" in text or printable < 0.97 or letters < 0.4:
        raise UnreadableArticle(f"{where}: binary data or an unknown encoding, not text "
                                f"(tried UTF-8, UTF-16 and Windows-1256)")
    problem = cp1256_problem(data, text)
    if problem:
        raise UnreadableArticle(f"{where}: not UTF-8, UTF-16 or Windows-1256 text ({problem})")
    log.info("%s: decoded as Windows-1256", where)
    return Decoded(text, "cp1256")


def decode_xml(data: bytes, where: str, declared: str | None = None) -> tuple[bytes, Decoded]:
    """A feed as UTF-8 bytes that say so in their XML declaration, and how it was read.

    feedparser reads damaged UTF-8, or UTF-8 under a wrong HTTP charset, as Windows-1252
    mojibake; decoding here first (HTTP charset, else the XML declaration, else detection)
    gives it only clean UTF-8."""
    if not declared:
        found = _XML_DECL_BYTES.search(data[:512])
        declared = found.group(2).decode("ascii") if found else None
    result = decode(data, where, declared)
    text = _XML_DECL_TEXT.sub(r'\1"utf-8"', result.text, count=1)
    # feedparser's fallback parser crashes on a reference to a surrogate or past U+10FFFF
    # (the whole feed would be lost for one entry): drop what no XML may contain
    text, dropped = clean_charrefs(text)
    if dropped:
        note = f"{dropped} invalid character reference(s) dropped"
        result = replace(result, note=f"{result.note}; {note}" if result.note else note)
    return text.encode("utf-8"), result


def html_charset(data: bytes) -> str | None:
    """The charset a page names in its ``<meta>`` tags, if any (for pages whose HTTP
    response names none)."""
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def decode_bytes(data: bytes, where: str) -> str:
    """Only the text of ``decode`` (repairs are logged, not reported)."""
    found = decode(data, where)
    if found.note:
        log.warning("%s: %s", where, found.note)
    return found.text


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _control_share(text: str) -> float:
    return len(_CONTROL.findall(text)) / max(len(text), 1)


def _expected_share(text: str) -> float:
    return len(_EXPECTED.findall(text)) / max(len(text), 1)


@dataclass(frozen=True)
class _Repaired:
    text: str
    bad: int = 0  # bytes dropped inside the text
    spots: int = 0  # places where they were (adjacent bad bytes are one spot)
    tail: int = 0  # bytes of a character cut at the end, dropped


def _repair(data: bytes, codec: str) -> _Repaired | None:
    """Decode, dropping bad bytes; None when there are too many places to repair."""
    parts: list[str] = []
    pos = bad = spots = 0
    while True:
        try:
            parts.append(data[pos:].decode(codec))
            return _Repaired("".join(parts), bad, spots)
        except UnicodeDecodeError as exc:
            parts.append(data[pos:pos + exc.start].decode(codec))
            if exc.end >= len(data) - pos:  # the damage runs to the end: a cut character
                return _Repaired("".join(parts), bad, spots, len(data) - pos - exc.start)
            spots += exc.start > 0 or pos == 0
            bad += exc.end - exc.start
            pos += exc.end
            if spots > MAX_BAD_SPOTS:
                return None


def _note(codec: str, fixed: _Repaired) -> str | None:
    name = codec.upper().replace("-LE", " LE").replace("-BE", " BE")
    notes = []
    if fixed.bad:
        notes.append(f"{fixed.bad} bad byte(s) dropped in {fixed.spots} place(s)")
    if fixed.tail:
        notes.append(f"cut inside a character at the end: the last {fixed.tail} byte(s) "
                     f"dropped")
    return f"damaged {name}: " + "; ".join(notes) if notes else None


def _with_bom(data: bytes, codec: str, where: str) -> Decoded:
    if codec == "utf-8":
        found = _repair_utf8(data, trust=True)
        assert found is not None  # trusted: never refused
        return Decoded(found.text, "utf-8-sig", found.note)
    fixed = _repair(data, codec)
    if fixed is None or _control_share(fixed.text) > 0.1:
        raise UnreadableArticle(f"{where}: invalid {codec.upper()} after its byte-order mark")
    return Decoded(fixed.text, codec, _note(codec, fixed))


def _declared(data: bytes, declared: str, where: str) -> Decoded | None:
    codec = _codec(declared)
    if codec is None:
        log.info("%s: unknown charset %r declared, detecting the encoding", where, declared)
        return None
    if codec == "utf-8":
        return _repair_utf8(data)
    if codec.startswith("utf-16"):
        return _utf16(data)
    text = _strict(data, codec)
    if text is None or _control_share(text) > 0.01:
        log.info("%s: not valid %s as declared, detecting the encoding", where, declared)
        return None
    if codec == "cp1256" and cp1256_problem(data, text):
        log.info("%s: declared %s, but does not read as Windows-1256", where, declared)
        return None
    if codec in _LATIN and _arabic_share(data.decode("cp1256", errors="replace")) > 0.5:
        # an old server default (Apache's AddDefaultCharset ISO-8859-1) over Arabic text
        log.info("%s: declared %s, but reads as Windows-1256 Arabic", where, declared)
        return None
    return Decoded(text, codec)


_LATIN = {"iso8859-1", "iso8859-15", "cp1252", "ascii"}
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")


def _arabic_share(text: str) -> float:
    """Arabic letters among all letters."""
    letters = sum(ch.isalpha() for ch in text)
    return len(_ARABIC_LETTER.findall(text)) / letters if letters else 0.0


def _utf16(data: bytes) -> Decoded | None:
    """UTF-16 without a BOM: the byte order whose characters look like text, if either does."""
    best: tuple[float, str, _Repaired] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        fixed = _repair(data, codec)
        if fixed is None or fixed.spots > 2 or not any(ch.isalpha() for ch in fixed.text):
            continue
        score = _expected_share(fixed.text)
        if best is None or score > best[0]:
            best = (score, codec, fixed)
    if best is None or best[0] < 0.9:
        return None
    return Decoded(best[2].text, best[1], _note(best[1], best[2]))


def _repair_utf8(data: bytes, trust: bool = False) -> Decoded | None:
    """UTF-8 with a few bad bytes, or cut mid-character: only if the rest is clearly UTF-8."""
    fixed = _repair(data, "utf-8")
    if fixed is None:
        return None
    if not trust and fixed.spots:
        multibyte = sum(not ch.isascii() for ch in fixed.text)
        # Windows-1256 Arabic decodes to almost no valid multi-byte characters; real
        # UTF-8 with a damaged byte or two has hundreds.
        if multibyte < 8 * fixed.spots or fixed.spots > max(4, multibyte // 50):
            return None
    if not trust and (b"\x00" in data or _control_share(fixed.text) > 0.1):
        return None
    return Decoded(fixed.text, "utf-8", _note("utf-8", fixed))
