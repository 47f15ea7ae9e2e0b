"""The answer index: the window's sentences by term, in numpy arrays.

One ``Side`` per language (the Arabic sentences; the English ones: translations and English
articles): per-sentence arrays, an inverted index from sorted UTF-8 terms, and the root
key of each term (for related word forms). ``build`` makes a side from stored terms;
``merge`` adds the sentences that came (or were translated) later without building again.
``answer_cache`` keeps sides in a file next to the store.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import answer_terms as terms

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
    # Terms are numbered as they come, so each distinct term is one string in memory (a
    # week's ~3 million term occurrences as strings took ~500 MB at the daily rebuild)
    seen: dict[str, int] = {}
    lengths = np.zeros(len(rows), np.int64)
    first = array("q")
    for i, r in enumerate(rows):
        split = r[4].split()
        lengths[i] = len(split)
        first.extend(seen.setdefault(t, len(seen)) for t in split)
    every = sorted(seen)
    encoded = [t.encode("utf-8") for t in every]
    vocab = [t for t, b in zip(every, encoded, strict=True) if len(b) <= MAX_TERM]
    number = dict.fromkeys(every, -1)
    number.update((t, i) for i, t in enumerate(vocab))
    renumber = np.fromiter(map(number.__getitem__, seen), np.int64, len(seen))
    ids = renumber[np.frombuffer(first, np.int64)] if len(first) else np.zeros(0, np.int64)
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
