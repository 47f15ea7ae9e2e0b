"""The watched-folder reader: the article files under a source's folder (.txt, .md,
.json, .jsonl, .html), each read only as far as an article can be stored; special files,
links out of the folder and folders too deep are reported, never opened.

Like every reader it yields ``RawArticle``s and reports what it could not use through
``problems`` (one line each), so one bad file never stops the others.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from .decode import decode, html_charset
from .errors import SourceError, UnreadableArticle
from .feedtext import html_to_text
from .fetch import size_text
from .jsonfile import articles_from_json
from .models import RawArticle
from .sources import Problems, article_from_html, describe

SUFFIXES = {".txt", ".md", ".json", ".jsonl", ".html", ".htm"}
JSON = {".json", ".jsonl"}  # JSON Lines is read whatever the name says (``jsonfile``)

MAX_DEPTH = 32  # folder levels under a source's folder; deeper ones are reported, not read


TEXT_BYTES_PER_CHAR = 4  # a .txt/.md file is read up to this many bytes per ingest.max_chars


def read_folder(source: str, folder: Path, problems: Problems, *, max_chars: int,
                max_bytes: int, max_json_bytes: int) -> Iterator[RawArticle]:
    """The articles of the files under ``folder``. A .txt/.md file (one article) is read up to
    ``TEXT_BYTES_PER_CHAR * max_chars`` bytes (ingest.max_chars: more is never stored) and
    the cut is reported; an .html file larger than ``max_bytes`` (ingest.max_fetch_bytes, as
    for a fetched page) is skipped; a .json file (many articles) is read whole, and skipped
    when larger than ``max_json_bytes`` (ingest.max_json_bytes: a cut would break it)."""
    try:
        is_dir = stat.S_ISDIR(os.stat(folder).st_mode)
    except OSError as exc:  # missing, a link that loops or leads nowhere, a name too long
        what = "does not exist" if exc.errno == errno.ENOENT else \
            "is a link that loops" if exc.errno == errno.ELOOP else \
            f"cannot be read ({exc.strerror or describe(exc)})"
        raise SourceError(f"source {source!r}: folder {location(folder)} {what}") from None
    if not is_dir:
        raise SourceError(f"source {source!r}: folder {location(folder)} is not a folder")
    if not os.access(folder, os.R_OK | os.X_OK):  # the whole source, not one item of it
        raise SourceError(f"source {source!r}: folder {location(folder)} is not readable "
                          "(Permission denied)")
    for path in _files(folder, problems):
        where = location(path)
        try:
            suffix = path.suffix.lower()
            html = suffix in {".html", ".htm"}
            text_cap = TEXT_BYTES_PER_CHAR * max_chars if suffix in {".txt", ".md"} else None
            whole, option = (max_bytes, "max_fetch_bytes") if html else \
                (max_json_bytes, "max_json_bytes") if suffix in JSON else (None, "")
            data, size = _read_file(path, whole or text_cap)
            if whole and size > whole:
                problems.add(where, f"skipped: larger than {size_text(whole)} "
                             f"(ingest.{option}): {size_text(size)}")
                continue
            if text_cap and size > text_cap:
                data = _cut(data, text_cap)
                problems.add(where, f"article cut: only its first {size_text(len(data))} of "
                             f"{size_text(size)} read ({TEXT_BYTES_PER_CHAR} bytes per "
                             "character of ingest.max_chars)")
            found = decode(data, where, html_charset(data) if html else None)
            text = found.text
            if found.note:
                problems.add(where, f"{found.note}; the rest of the text is kept")
            if suffix in JSON:
                yield from articles_from_json(source, Path(where), text, problems)
            elif html:
                yield article_from_html(source, where, text)
            else:
                if suffix == ".md":
                    text = strip_markdown(text)
                yield RawArticle(source=source, location=where, text=text)
        except UnreadableArticle as exc:
            problems.add(where, f"skipped: {exc}".replace(f"{where}: ", ""))
        except OSError as exc:  # unreadable (mode 000), or gone since the folder was listed
            problems.add(where, f"skipped: not readable ({exc.strerror or describe(exc)})")
        except Exception as exc:  # one file never stops the folder
            problems.add(where, f"skipped: {describe(exc)}")


def _read_file(path: Path, limit: int | None) -> tuple[bytes, int]:
    """The file's bytes (the first ``limit + 1`` of them when limited) and its size. Opened
    only when it is a regular file, and then without blocking (checked again once open): a
    named pipe put in its place after the folder was listed would block the run (opening it
    waits for a writer)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise UnreadableArticle(f"not a regular file ({_kind(mode)})")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableArticle(f"not a regular file ({_kind(st.st_mode)})")
        want = st.st_size if limit is None else min(st.st_size, limit) + 1
        chunks: list[bytes] = []
        got = 0
        while limit is None or got <= limit:
            chunk = os.read(fd, max(want - got, 0) or 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks), max(st.st_size, got)
    finally:
        os.close(fd)


def _cut(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes of a text file, cut after a line break when there is one in
    the second half, else not inside a character: a UTF-8 sequence, a UTF-16 code unit or
    surrogate pair. In UTF-16 only a whole code unit is a line break (0A 00 in UTF-16-LE):
    a 0A byte in the second half is no line break (U+060A, U+0A2A)."""
    order = _utf16_order(data)
    if order:
        return _cut_utf16(data, limit, order == "le")
    cut = data[:limit]
    end = cut.rfind(b"\n")
    if end >= limit // 2:
        return data[:end + 1]
    tail = 0
    while tail < 3 and len(cut) > tail and 0x80 <= cut[-1 - tail] < 0xC0:
        tail += 1  # UTF-8 continuation bytes
    if len(cut) > tail and cut[-1 - tail] >= 0xC0:  # a lead byte whose sequence is cut
        return cut[:-1 - tail]
    return cut


def _utf16_order(data: bytes) -> str | None:
    """"le" or "be" when ``data`` is UTF-16 text (by its BOM, or by where its NUL bytes sit:
    ASCII characters, spaces and line breaks among them, are 00 and one byte), else None."""
    if data.startswith(codecs.BOM_UTF16_LE):
        return "le"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "be"
    head = data[:4096]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd + even < 8 or min(odd, even) * 10 > odd + even:  # no NULs, or on both sides
        return None
    return "le" if odd > even else "be"


def _cut_utf16(data: bytes, limit: int, little: bool) -> bytes:
    cut = data[:limit // 2 * 2]
    unit = b"\n\x00" if little else b"\x00\n"
    end = cut.rfind(unit)
    while end > 0 and end % 2:  # a 0A byte of two code units: not a line break
        end = cut.rfind(unit, 0, end + 1)
    if end >= limit // 2:
        return data[:end + 2]
    if len(cut) >= 2 and 0xD8 <= cut[-1 if little else -2] <= 0xDB:  # half a surrogate pair
        return cut[:-2]
    return cut


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def location(path: Path) -> str:
    """The path as text that can be stored and shown: a file name that is not valid UTF-8
    keeps its odd bytes as escapes (\\xff) instead of failing as 'surrogates not allowed'."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", "backslashreplace")


def _files(folder: Path, problems: Problems) -> list[Path]:
    """Article files under ``folder``, sorted: walked without recursion, to MAX_DEPTH levels;
    links are followed only to files inside the folder (a link to /etc/passwd is not read)."""
    root = folder.resolve()
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError as exc:
            problems.add(location(here), f"skipped: folder not readable ({exc.strerror})")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 > MAX_DEPTH:
                        problems.add(location(path), f"skipped: more than {MAX_DEPTH} folder "
                                     "levels deep")
                    elif not entry.name.startswith("."):
                        stack.append((path, depth + 1))
                    continue
                if path.suffix.lower() not in SUFFIXES or entry.name.startswith("."):
                    continue
                if entry.is_symlink():
                    target = path.resolve()
                    if not target.is_relative_to(root):
                        problems.add(location(path), "skipped: a link to a file outside the "
                                     "source's folder")
                        continue
                mode = path.stat().st_mode  # never opened: opening a named pipe blocks
                if stat.S_ISREG(mode):
                    found.append(path)
                else:
                    problems.add(location(path), f"skipped: not a regular file ({_kind(mode)})")
            except RuntimeError:  # pathlib's "Symlink loop from ..."
                problems.add(location(path), "skipped: a link that loops")
            except OSError as exc:  # a link loop (ELOOP), a vanished file
                why = "a link that loops" if exc.errno == errno.ELOOP else \
                    f"not readable ({exc.strerror or describe(exc)})"
                problems.add(location(path), f"skipped: {why}")
    return sorted(found)


_MARKUP = re.compile(r"<(?:[A-Za-z][\w-]*[\s/>]|/[A-Za-z]|!--)")  # an HTML tag or comment


def strip_markdown(text: str) -> str:
    """The text of a markdown file: its marks out, and the HTML it may hold read as HTML
    (tags out, script and style never text, entities in; ``feedtext``)."""
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", text)  # autolinks: <https://…>
    if _MARKUP.search(text):
        text = html_to_text(text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", "", text, flags=re.M)
    text = re.sub(r"(?<!\\)\\$", "", text, flags=re.M)  # a hard line break: "line\"
    return re.sub(r"(\*\*|__|\*|_|`)", "", text)
