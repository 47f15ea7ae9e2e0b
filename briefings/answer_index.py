"""The answer index: the window's sentences by term, in numpy arrays, kept next to the store.

Each sentence's terms are made once and stored (``answer_terms``); the index is built from
them and saved as ``<store file>.answers``, which every process reuses until a sentence
is added or translated (or a day passes): a question asked from the command line loads
arrays instead of reading and stemming every sentence of the last days. One side per
language: the Arabic sentences, and the English ones (translations, English articles).
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from . import answer_terms as terms
from .store import Store

log = logging.getLogger(__name__)

LASTS = timedelta(days=1)  # an index built for a window serves it while it moves this far
FORMAT = 2  # of the cache file


MAX_TERM = 48  # bytes (UTF-8) of the longest term indexed: longer "words" are noise


def _bytes(items: Sequence[str]) -> np.ndarray:
    return np.array([t.encode("utf-8") for t in items], dtype=f"S{MAX_TERM}") if items \
        else np.zeros(0, f"S{MAX_TERM}")


@dataclass
class Side:
    """One language's sentences: per-sentence arrays and a term -> sentences inverted index
    (sorted UTF-8 terms, so a lookup is a binary search in a memory-mapped file)."""

    sid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    art: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    time: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))  # article's
    length: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    flags: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    vocab: np.ndarray = field(default_factory=lambda: _bytes([]))  # sorted
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    docs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    tf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    roots: np.ndarray = field(default_factory=lambda: _bytes([]))  # root keys, sorted
    root_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # -1: none
    by_root: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # term ids
    root_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))

    def __post_init__(self) -> None:
        n = self.n = len(self.sid)
        # Sentences come by id, so an article's sentences are consecutive, in position order,
        # and article ids never decrease.
        starts = np.ones(n, bool)
        starts[1:] = self.art[1:] != self.art[:-1]
        self.art_ids = self.art[starts]
        self.art_idx = np.cumsum(starts) - 1
        same = ~starts
        if n:
            same[1:] &= self.pos[1:] == self.pos[:-1] + 1
        self.prev = np.where(same, np.arange(n) - 1, n)  # n: no neighbour (a padded 0)
        self.next = np.full(n, n)
        self.next[:-1][same[1:]] = np.arange(1, n)[same[1:]]

    @property
    def ids(self) -> list[int]:
        return [int(s) for s in self.sid]

    def _find(self, table: np.ndarray, text: str) -> int:
        key = text.encode("utf-8")
        if not key or len(key) > MAX_TERM or not len(table):
            return -1
        i = int(np.searchsorted(table, key))
        return i if i < len(table) and table[i] == key else -1

    def term_id(self, term: str) -> int:
        return self._find(self.vocab, term)

    def term(self, term_id: int) -> str:
        return bytes(self.vocab[term_id]).decode("utf-8")

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.offsets[term_id], self.offsets[term_id + 1]
        return self.docs[a:b], self.tf[a:b]

    def relatives(self, term: str, least: float) -> list[int]:
        """Other terms of the same root that share at least ``least`` of their letter pairs."""
        own = self.term_id(term)
        if own >= 0:  # its root was found when the index was built
            r = int(self.root_of[own])
        else:
            key = terms.root(term)
            r = self._find(self.roots, key) if key else -1
        if r < 0:
            return []
        ids = self.by_root[self.root_start[r]:self.root_start[r + 1]]
        return [int(i) for i in ids if i != own and terms.similar(self.term(i), term) >= least]


def build(rows: Sequence[tuple[int, int, int, float, str, int]], old: Side | None) -> Side:
    """A side from (sentence id, article id, position, time, terms, flags) rows by id;
    ``old`` lends the root keys of terms it knows (they cost a stemmer call each)."""
    if not rows:
        return Side()
    split = [r[4].split() for r in rows]
    lengths = np.fromiter(map(len, split), np.int64, len(split))
    words = list(chain.from_iterable(split))
    every = sorted(set(words))
    encoded = [t.encode("utf-8") for t in every]
    vocab = [t for t, b in zip(every, encoded, strict=True) if len(b) <= MAX_TERM]
    number = dict.fromkeys(every, -1)
    number.update((t, i) for i, t in enumerate(vocab))
    ids = np.fromiter(map(number.__getitem__, words), np.int64, len(words))
    n = len(rows)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    kept = ids >= 0  # longer "words" are left out
    keys, tf = np.unique(ids[kept] * n + doc[kept], return_counts=True)
    term = keys // n
    known: dict[bytes, bytes] = {}
    if old is not None and len(old.root_of):
        old_roots = old.roots.tolist()
        known = {t: old_roots[r] if r >= 0 else b"" for t, r in zip(
            old.vocab.tolist(), old.root_of.tolist(), strict=True)}
    keyed = [known[b] if b in known else terms.root(t).encode("utf-8")
             for t, b in zip(every, encoded, strict=True) if len(b) <= MAX_TERM]
    roots = sorted(set(keyed) - {b""})
    root_number = {k: i for i, k in enumerate(roots)}
    root_of = np.array([root_number.get(k, -1) for k in keyed], np.int32)
    by_root = np.argsort(root_of, kind="stable")
    return Side(
        sid=np.fromiter((r[0] for r in rows), np.int64, n),
        art=np.fromiter((r[1] for r in rows), np.int64, n),
        pos=np.fromiter((r[2] for r in rows), np.int32, n),
        time=np.fromiter((r[3] for r in rows), np.float64, n),
        length=lengths.astype(np.float32),
        flags=np.fromiter((r[5] for r in rows), np.uint8, n),
        vocab=np.array([b for b in encoded if len(b) <= MAX_TERM], dtype=f"S{MAX_TERM}"),
        offsets=np.searchsorted(term, np.arange(len(vocab) + 1)).astype(np.int64),
        docs=(keys % n).astype(np.int32), tf=np.minimum(tf, 65535).astype(np.uint16),
        roots=np.array(roots, dtype=f"S{MAX_TERM}") if roots else _bytes([]),
        root_of=root_of, by_root=by_root,
        root_start=np.searchsorted(root_of[by_root], np.arange(len(roots) + 1)))


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
    for sid, src, en, language, seq, stored, stored_flags in rows:
        if stored is not None:  # only its English is new
            src_terms, flags = stored, stored_flags & 3
        elif language == "ar":
            src_terms, flags = terms.analyse(src, True, stems["ar"])
        else:
            src_terms, flags = None, 0
        en_terms = None
        if en is not None:
            en_terms, en_flags = terms.analyse(en, False, stems["en"])
            flags |= en_flags << 2
        out.append((sid, src_terms, en_terms, seq, flags))
        if len(out) == 5000:
            store.save_answer_terms(out, stems)
            out, stems = [], {"ar": {}, "en": {}}
    store.save_answer_terms(out, stems)
    return len(rows)


def _insert(old: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted union of two sorted unique arrays, and where each item of ``old`` and of
    ``new`` lands in it (no sort of the big one: the few new items are inserted)."""
    at = np.searchsorted(old, new)
    there = at < len(old)
    there[there] = old[at[there]] == new[there]
    added, places = new[~there], at[~there]
    union = np.insert(old, places, added)
    old_to = np.arange(len(old)) + np.searchsorted(places, np.arange(len(old)), side="right")
    new_to = np.empty(len(new), np.int64)
    new_to[~there] = places + np.arange(len(added))
    new_to[there] = old_to[at[there]]
    return union, old_to, new_to


def _term_of(side: Side) -> np.ndarray:
    return np.repeat(np.arange(len(side.vocab)), np.diff(side.offsets))


def merge(a: Side, b: Side) -> Side:
    """``a`` with ``b``'s sentences added; a sentence in both is ``b``'s (its English was
    made again): ``a``'s copy stays in the arrays but out of every window."""
    if not b.n:
        return a
    time = np.array(a.time)
    time[np.isin(a.sid, b.sid)] = -np.inf
    vocab, ia, ib = _insert(a.vocab, b.vocab)
    count_a = np.zeros(len(vocab), np.int64)
    count_a[ia] = np.diff(a.offsets)
    count_b = np.zeros(len(vocab), np.int64)
    count_b[ib] = np.diff(b.offsets)
    offsets = np.zeros(len(vocab) + 1, np.int64)
    np.cumsum(count_a + count_b, out=offsets[1:])
    docs = np.empty(offsets[-1], np.int64)
    tf = np.empty(offsets[-1], np.uint16)
    for side, to, first in ((a, ia, offsets[:-1]), (b, ib, offsets[:-1] + count_a)):
        term = to[_term_of(side)]  # b's postings of a term go after a's
        within = np.arange(len(side.docs)) - np.repeat(side.offsets[:-1], np.diff(side.offsets))
        docs[first[term] + within] = side.docs + (a.n if side is b else 0)
        tf[first[term] + within] = side.tf
    roots, ra, rb = _insert(a.roots, b.roots)
    root_of = np.full(len(vocab), -1, np.int32)
    for side, to, moved in ((a, ia, ra), (b, ib, rb)):
        if len(moved):
            root_of[to] = np.where(side.root_of >= 0, moved[np.maximum(side.root_of, 0)], -1)
    arrays = {name: np.concatenate([getattr(a, name), getattr(b, name)])
              for name in ("sid", "art", "pos", "length", "flags")}
    arrays["time"] = np.concatenate([time, b.time])
    order = np.argsort(arrays["sid"], kind="stable")  # translations of older sentences
    if (order != np.arange(len(order))).any():
        arrays = {name: values[order] for name, values in arrays.items()}
        moved_to = np.empty(len(order), np.int64)
        moved_to[order] = np.arange(len(order))
        docs = moved_to[docs]
    by_root = np.argsort(root_of, kind="stable")
    return Side(**arrays, vocab=vocab, offsets=offsets, docs=docs.astype(np.int32), tf=tf,
                roots=roots, root_of=root_of, by_root=by_root,
                root_start=np.searchsorted(root_of[by_root], np.arange(len(roots) + 1)))


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
        state = list(store.answer_state())
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
        for sid, art, pos, src, english, flags in store.answer_index_rows(since, *after):
            when = times.get(art, 0.0)
            if src is not None and sid > after[0]:
                ar.append((sid, art, pos, when, src, flags & 3))
            if english is not None:
                en.append((sid, art, pos, when, english, flags >> 2))
        old = base[1] if base is not None else cached[1] if cached is not None else self.sides
        sides = {True: build(ar, old[True]), False: build(en, old[False])}
        if after != (0, 0) and base is not None:
            sides = {arabic: merge(base[1][arabic], side) for arabic, side in sides.items()}
            self.key = {**want, "since": base[0]["since"]}
        else:
            self.key = {**want, "since": since.isoformat()}
        self.sides = sides
        save(path, self.key, self.sides)
