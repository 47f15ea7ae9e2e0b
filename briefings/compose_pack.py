"""Packing rendered blocks into chat messages of at most 4096 characters, counted as
Telegram counts them: in UTF-16 code units (an emoji or a flag outside the BMP is 2).

Messages are packed from whole blocks (a story's heading, a bullet, a source line) so a
split never falls inside a tag. ``pack_pairs`` packs a message's HTML and its plain text
together, so that each HTML message has its own plain-text fallback, split in the same
places (measured by the longer of the two).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, zip_longest

LIMIT = 4096
Pair = tuple[str, str]  # the same block or message as (HTML, plain text)


def pack(header: list[str], stories: list[list[str]], limit: int = LIMIT) -> list[str]:
    """Greedy packing: stories start a new message when they do not fit; blocks never split."""
    pairs = pack_pairs([(h, h) for h in header], [[(b, b) for b in s] for s in stories], limit)
    return [html for html, _ in pairs]


def units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, Telegram's measure."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _len(pair: Pair) -> int:
    return max(units(pair[0]), units(pair[1]))


def _join(pairs: list[Pair], sep: str) -> Pair:
    return sep.join(p[0] for p in pairs), sep.join(p[1] for p in pairs)


def _then(current: Pair, piece: Pair) -> Pair:
    """``piece`` on a new line of ``current`` (which may already end with one)."""
    return tuple(c + ("" if c.endswith("\n") else "\n") + p  # type: ignore[return-value]
                 for c, p in zip(current, piece, strict=True))


def pack_pairs(header: list[Pair], stories: list[list[Pair]], limit: int = LIMIT
               ) -> list[Pair]:
    """``pack`` for blocks given both as HTML and as plain text."""
    messages: list[Pair] = []
    current = _join(header, "\n\n")
    header_only = bool(current[0])
    for blocks in stories:
        story = _join(blocks, "\n")
        if current[0] and _len(current) + 2 + _len(story) <= limit:
            current = (current[0] + "\n\n" + story[0], current[1] + "\n\n" + story[1])
            header_only = False
            continue
        if current[0] and (_len(story) <= limit or not header_only):
            messages.append(current)  # a story starts a message unless only the header
            current = ("", "")        # stands before one that must be split anyway
        elif current[0]:
            current = (current[0] + "\n", current[1] + "\n")
        header_only = False
        for block in blocks:  # a story longer than a message: split between blocks
            for piece in _fit(block, limit):
                if current[0] and _len(current) + 1 + _len(piece) <= limit:
                    current = _then(current, piece)
                else:
                    if current[0]:
                        messages.append(current)
                    current = piece
    if current[0]:
        messages.append(current)
    return messages


def _fit(block: Pair, limit: int) -> list[Pair]:
    """A block longer than a message is cut between its lines, else between words (the
    plain text in as many pieces as the HTML, its last piece taking any rest)."""
    if _len(block) <= limit:
        return [block]
    html, text = (_pieces(b, limit) for b in block)
    if len(text) > len(html):
        text = [*text[:len(html) - 1], "\n".join(text[len(html) - 1:])]
    return [(h, t) for h, t in zip_longest(html, text, fillvalue="")]


def _pieces(block: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in block.split("\n"):
        while units(line) > limit:
            room = bisect_right(list(accumulate(2 if ord(c) > 0xFFFF else 1 for c in line)),
                                limit)  # the characters that fit
            cut = line.rfind(" ", 0, room)
            cut = cut if cut > 0 else max(room, 1)
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        pieces.append(line)
    return pieces
