"""The text of a feed entry's fields (title, author, body) as a reader sees it.

feedparser gives each field with its type: ``text/plain`` is text already (unescaped: a
title "3 < 5" is three, less than, five), ``text/html`` is markup whose tags and entities
are not text. Markup is read with an HTML parser as a browser does, not by deleting
everything between a "<" and the next ">": "3 < 5 و 7 > 2" and «<<عاجل>>» are text, an
entity is unescaped whether or not the field has a tag (a description "&quot;الوضع&quot;"
is «"الوضع"»), and script or style contents are never text. A body whose markup was
escaped twice (a feed that shows "<p>" to its readers) is unwrapped once more.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_BREAKS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table blockquote section article "
    "figure figcaption header footer pre hr caption".split())
# Cells of a table row: words apart, on the row's line ("<td>خلية</td><td>١٢٣</td>").
_CELLS = frozenset(("td", "th"))
_HIDDEN = frozenset("script style template noscript".split())
# Common tags still in the text once the markup was read: the feed escaped its HTML twice.
_LEFT_MARKUP = re.compile(r"</?(?:p|br|div|span|a|b|i|em|strong|img|ul|ol|li|h[1-6]|"
                          r"blockquote|figure|iframe)(?:\s[^<>]{0,500})?/?>", re.I)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BREAKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in _BREAKS:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _read(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment: tags out (block tags as line breaks), entities in."""
    text = _read(fragment)
    if _LEFT_MARKUP.search(text):  # escaped twice: its "<p>" was text after one reading
        text = _read(text)
    return text


def _is_plain(detail: Any) -> bool:
    kind = detail.get("type") if isinstance(detail, dict) else None
    return isinstance(kind, str) and kind.lower() == "text/plain"


def field_text(value: Any, detail: Any = None) -> str:
    """A field's text; ``detail`` is feedparser's ``*_detail`` (its type) when known."""
    if not isinstance(value, str):
        return ""
    return value if _is_plain(detail) else html_to_text(value)


def one_line(value: Any, detail: Any = None) -> str | None:
    """A short field (title, author) as one line of text, or None when it has none."""
    return " ".join(field_text(value, detail).split()) or None


def entry_body(entry: Any) -> str:
    """The entry's longest content, else its summary, as text."""
    contents = [c for c in entry.get("content") or () if isinstance(c, dict)
                and isinstance(c.get("value"), str)]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        if best["value"]:
            return field_text(best["value"], best)
    return field_text(entry.get("summary"), entry.get("summary_detail"))
