"""The answer index kept next to the store, and brought up to date before each question.

Each sentence's terms are made once and stored (``answer_terms`` table); the index built
from them is saved as ``<store file>.answers`` and memory-mapped by every process until a
sentence is added or translated, when only those are merged in; once a day it is built
again (dropping what left the window). A question asked from the command line thus maps
a file instead of reading and stemming every sentence of the last days.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import threading
import uuid
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from . import answer_flags
from . import answer_terms as terms
from .answer_index import Side, build, merge
from .store import Store

log = logging.getLogger(__name__)

LASTS = timedelta(days=1)  # an index built for a window serves it while it moves this far
FORMAT = 3  # of the cache file (3: new root keys: past plurals صححوا, names جيزان)
_ARRAYS = tuple(f.name for f in fields(Side))
MAGIC = b"briefings answer index\n"
ALIGN = 64


def save(path: Path, key: dict[str, Any], sides: dict[bool, Side]) -> None:
    """Write the cache file whole (a temporary file renamed over it); a failure is logged.
    Layout: MAGIC, an 8-byte header length, a JSON header (the key, each array's dtype,
    shape and offset), then the arrays, each at a multiple of ALIGN bytes."""
    arrays = {("ar_" if arabic else "en_") + name: np.ascontiguousarray(getattr(side, name))
              for arabic, side in sides.items() for name in _ARRAYS}
    table: dict[str, Any] = {}
    offset = 0
    for name, a in arrays.items():
        table[name] = [a.dtype.str, list(a.shape), offset]
        offset += -(-a.nbytes // ALIGN) * ALIGN
    header = json.dumps({"key": key, "arrays": table}).encode()
    start = -(-(len(MAGIC) + 8 + len(header)) // ALIGN) * ALIGN
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for name, a in arrays.items():
                f.seek(start + table[name][2])
                f.write(a.tobytes())
            f.truncate(start + offset)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("answer index not saved to %s (%s): the next process builds it again",
                    path, exc.strerror)
        tmp.unlink(missing_ok=True)


def load(path: Path) -> tuple[dict[str, Any], dict[bool, Side]] | None:
    """The cache file's key and sides, memory-mapped; None when missing or unreadable."""
    try:
        with open(path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if mm[:len(MAGIC)] != MAGIC:
            raise ValueError("not an answer index")
        size = int.from_bytes(mm[len(MAGIC):len(MAGIC) + 8], "little")
        head = json.loads(mm[len(MAGIC) + 8:len(MAGIC) + 8 + size])
        start = -(-(len(MAGIC) + 8 + size) // ALIGN) * ALIGN
        if head["key"].get("format") != FORMAT:
            return None

        def array(name: str) -> np.ndarray:
            dtype, shape, offset = head["arrays"][name]
            count = int(np.prod(shape))
            if not count:
                return np.zeros(shape, dtype)
            return np.frombuffer(mm, dtype, count, start + offset).reshape(shape)

        sides = {arabic: Side(**{n: array(("ar_" if arabic else "en_") + n) for n in _ARRAYS})
                 for arabic in (True, False)}
        return head["key"], sides
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("answer index %s unreadable (%s): building it again", path, exc)
        return None


_ONE = (1 << answer_flags.FLAG_BITS) - 1  # one language's flags in the stored integer


def cache_path(store: Store) -> Path:
    return store.path.with_name(store.path.name + ".answers")


def make_terms(store: Store, since: datetime) -> int:
    """Store the answer terms of the window's sentences that have none (or whose English
    is newer than theirs); the number of sentences done."""
    rows = store.sentences_needing_terms(since)
    if len(rows) > 1000:
        log.info("making question-answering terms of %d sentences (once)", len(rows))
    out = []
    stems: dict[str, dict[str, str]] = {"ar": {}, "en": {}}
    for row in rows:
        sid, src, en, seq, stored = row.id, row.text_src, row.text_en, row.seq, row.src_terms
        if stored is not None:  # only its English is new
            src_terms, flags = stored, row.flags & _ONE
        elif row.language == "ar":
            src_terms, flags = terms.analyse(src, True, stems["ar"])
        else:
            src_terms, flags = None, 0
        en_terms = None
        if en is not None:
            en_terms, en_flags = terms.analyse(en, False, stems["en"])
            flags |= en_flags << answer_flags.FLAG_BITS
        out.append((sid, src_terms, en_terms, seq, flags))
        if len(out) == 5000:
            store.save_answer_terms(out, stems)
            out, stems = [], {"ar": {}, "en": {}}
    store.save_answer_terms(out, stems)
    return len(rows)


class Index:
    """The answer index of one store, brought up to date before each question."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # callers hold it around refresh + ranking
        self.sides: dict[bool, Side] = {True: Side(), False: Side()}
        self.key: dict[str, Any] = {}

    @staticmethod
    def _usable(key: dict[str, Any], want: dict[str, Any], since: datetime) -> bool:
        """Built by these rules, for this store, for a window this one can still use."""
        if not key or any(key.get(k) != want[k] for k in ("format", "store", "terms")):
            return False
        built = datetime.fromisoformat(key["since"])
        return built <= since <= built + LASTS

    def refresh(self, store: Store, since: datetime) -> None:
        """Make the index cover the store's window from ``since``: as it is, from the cache
        file, with the sentences added (or translated) since it was made, or built again
        from the stored terms (once a day: it drops what left the window)."""
        signature = terms.signature()
        if store.answer_meta("terms") != signature:
            store.reset_answer_terms(signature)
        store_id = store.answer_meta("store")
        if store_id is None:
            store_id = uuid.uuid4().hex
            store.set_answer_meta("store", store_id)
        seen = store.answer_state()
        state = [seen.sentence_id, seen.seq]
        want = {"format": FORMAT, "store": store_id, "terms": signature, "state": state}
        if self._usable(self.key, want, since) and self.key["state"] == state:
            return
        path = cache_path(store)
        cached = load(path)
        if cached is not None and self._usable(cached[0], want, since) \
                and cached[0]["state"] == state:
            self.key, self.sides = cached
            return
        base = cached if cached is not None and self._usable(cached[0], want, since) else None
        if base is None and self._usable(self.key, want, since):
            base = self.key, self.sides
        make_terms(store, since)
        after = tuple(base[0]["state"]) if base is not None and \
            all(o <= n for o, n in zip(base[0]["state"], state, strict=True)) else (0, 0)
        times = {a: t.timestamp() for a, t in store.article_times(since).items()}
        ar: list[tuple[int, int, int, float, str, int]] = []
        en: list[tuple[int, int, int, float, str, int]] = []
        for row in store.answer_index_rows(since, *after):
            sid, art, pos, src, english, flags = (row.sentence_id, row.article_id, row.position,
                                                  row.src, row.en, row.flags)
            when = times.get(art, 0.0)
            if src is not None and sid > after[0]:
                ar.append((sid, art, pos, when, src, flags & _ONE))
            if english is not None:
                en.append((sid, art, pos, when, english, flags >> answer_flags.FLAG_BITS))
        old = base[1] if base is not None else cached[1] if cached is not None else self.sides
        sides = {True: build(ar, old[True]), False: build(en, old[False])}
        if after != (0, 0) and base is not None:
            sides = {arabic: merge(base[1][arabic], side) for arabic, side in sides.items()}
            self.key = {**want, "since": base[0]["since"]}
        else:
            self.key = {**want, "since": since.isoformat()}
        self.sides = sides
        save(path, self.key, self.sides)
