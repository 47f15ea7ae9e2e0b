"""Checks behind ``decode``: does a Windows-1256 reading look like Arabic text, and XML
character references that no XML parser should be handed.

Windows-1256 maps almost every byte to some character, so any byte string "decodes".
Text in another legacy encoding (KOI8-R, GB18030, Windows-1255, Latin-1 German...) comes
out as Arabic letters mixed with symbols and Latin accents, and UTF-8 Arabic read as
Windows-1256 is the familiar ``ط§ظ„`` mojibake. Real Arabic has a shape these lack: its
words are Arabic letters (with diacritics after a letter, ة and ى only at a word's end)
or Latin words. Measured on the 11,427 SaudiNewsNet articles of ../shared (re-encoded as
Windows-1256) the share of such words was never below 0.88; the other encodings above gave
0.00 to 0.71. UTF-8 Arabic has a byte signature (D8/D9 followed by a continuation byte that
Windows-1256 shows as a symbol): real Windows-1256 Arabic had at most 3 of them per
article, a UTF-8 sentence has dozens.
"""

from __future__ import annotations

import re

MIN_WORD_SHARE = 0.8
MAX_UTF8_SIGNS = 8

_LETTERS = frozenset(map(chr, [*range(0x621, 0x63B), *range(0x641, 0x64B),
                               0x67E, 0x686, 0x698, 0x6A9, 0x6AF]))
_MARKS = frozenset(map(chr, [*range(0x64B, 0x653), 0x640]))  # diacritics, tatweel
_END_ONLY = frozenset("ةى")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàâçèéêëîïôùûüœ")
_DIGITS = frozenset("0123456789٠١٢٣٤٥٦٧٨٩%")
_EDGES = ("\"'()[]{}<>.,;:!?-–—_/\\|*#@&+=~`^$“”‘’«»،؛؟…•·"
          "\u200c\u200d\u200e\u200f\xa0")
_INNER = re.compile(r"[-/.]")
_MARKUP = re.compile(r"<[^<>]{0,1000}>|&#?[A-Za-z0-9]{1,10};")
# D8/D9 + a byte that is a letter in UTF-8 but a symbol in Windows-1256 (not …, quotes,
# dashes, NBSP, ، « » ؛ ؟, which follow ط/ظ in real Windows-1256 text)
_UTF8_SIGN = re.compile(rb"[\xd8\xd9][\x80-\x84\x86-\x90\x95\x98-\x9f\xa2-\xaa\xac-\xb9\xbc-\xbe]")


def _word_ok(word: str) -> bool | None:
    """True for an Arabic or Latin word, False for a jumble, None for ASCII (no evidence)."""
    word = word.strip(_EDGES)
    if not word or word.isascii():
        return None
    for part in _INNER.split(word):
        if not part or all(c in _LATIN or c in _DIGITS for c in part):
            continue
        if not all(c in _LETTERS or c in _MARKS or c in _DIGITS for c in part):
            return False
        if part[0] in _MARKS or any(c in _END_ONLY for c in part.rstrip("".join(_MARKS))[:-1]):
            return False
    return True


def cp1256_problem(data: bytes, text: str) -> str | None:
    """Why ``text`` (``data`` read as Windows-1256) is not Windows-1256 text, or None."""
    signs = len(_UTF8_SIGN.findall(data))
    if signs >= MAX_UTF8_SIGNS:
        return f"UTF-8 mixed with another encoding: {signs} UTF-8 letters among other bytes"
    words = _MARKUP.sub(" ", text).split()  # HTML and XML: tags touch words
    verdicts = [v for v in map(_word_ok, words) if v is not None]
    share = (sum(verdicts) + 1) / (len(verdicts) + 1)
    if share < MIN_WORD_SHARE:
        return (f"another encoding: read as Windows-1256, only {share:.0%} of its words are "
                f"Arabic or Latin")
    return None


# -- XML character references ------------------------------------------------------------
_REF = r"&#(?:[xX]0*([0-9A-Fa-f]+)|0*([0-9]+));"
_CHARREF = re.compile(_REF)


def _value(hex_digits: str | None, digits: str | None) -> int:
    """The code point, or -1 when it is too large to be one (without parsing a huge number)."""
    text = hex_digits or digits or "0"
    if len(text) > 8:
        return -1
    return int(text, 16) if hex_digits else int(text)


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD \
        or 0x10000 <= code <= 0x10FFFF


def clean_charrefs(text: str) -> tuple[str, int]:
    """Numeric character references an XML parser must refuse (surrogates, NUL and other
    control characters, code points past U+10FFFF) dropped; a UTF-16 surrogate pair written
    as two references (``&#55357;&#56832;``, common from buggy CMSs) joined into one.
    Returns the text and how many references were dropped."""
    if "&#" not in text:
        return text, 0
    out: list[str] = []
    dropped = pos = 0
    refs = list(_CHARREF.finditer(text))
    skip = False
    for i, m in enumerate(refs):
        if skip:
            skip = False
            continue
        out.append(text[pos:m.start()])
        pos = m.end()
        code = _value(m[1], m[2])
        after = refs[i + 1] if i + 1 < len(refs) else None
        if 0xD800 <= code <= 0xDBFF and after is not None and after.start() == m.end():
            low = _value(after[1], after[2])
            if 0xDC00 <= low <= 0xDFFF:
                out.append(f"&#{0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)};")
                pos, skip = after.end(), True
                continue
        if _xml_char(code):
            out.append(m[0])
        else:
            dropped += 1
    out.append(text[pos:])
    return "".join(out), dropped
