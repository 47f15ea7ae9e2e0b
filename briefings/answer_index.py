"""The answer index: the window's sentences by term, in numpy arrays, kept next to the store.

Each sentence's terms are made once and stored (``answer_terms``); the index is built from
them and saved as ``<store file>.answers.npz``, which every process reuses until a sentence
is added or translated (or a day passes): a question asked from the command line loads
arrays instead of reading and stemming every sentence of the last days. One side per
language: the Arabic sentences, and the English ones (translations, English articles).
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import threading
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from . import answer_terms as terms
from .store import Store

log = logging.getLogger(__name__)

LASTS = timedelta(days=1)  # an index built for a window serves it while it moves this far
FORMAT = 1  # of the cache file


@dataclass
class Side:
    """One language's sentences: per-sentence arrays and a term -> sentences inverted index."""

    sid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    art: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    time: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))  # article's
    length: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    flags: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    vocab: list[str] = field(default_factory=list)  # sorted
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    docs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    tf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    roots: list[str] = field(default_factory=list)  # root keys, sorted
    root_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # -1: none

    def __post_init__(self) -> None:
        n = len(self.sid)
        self.n = n
        self.art_ids, self.art_idx = np.unique(self.art, return_inverse=True)
        same = np.zeros(n, bool)
        if n > 1:  # sentences come by id: an article's are consecutive, in position order
            same[1:] = (self.art[1:] == self.art[:-1]) & (self.pos[1:] == self.pos[:-1] + 1)
        self.prev = np.where(same, np.arange(n) - 1, n)  # n: no neighbour (a padded 0)
        self.next = np.full(n, n)
        self.next[:-1][same[1:]] = np.arange(1, n)[same[1:]]
        self.by_root = np.argsort(self.root_of, kind="stable")
        self.root_start = np.searchsorted(self.root_of[self.by_root],
                                          np.arange(len(self.roots) + 1))

    @property
    def ids(self) -> list[int]:
        return [int(s) for s in self.sid]

    def term_id(self, term: str) -> int:
        i = bisect.bisect_left(self.vocab, term)
        return i if i < len(self.vocab) and self.vocab[i] == term else -1

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.offsets[term_id], self.offsets[term_id + 1]
        return self.docs[a:b], self.tf[a:b]

    def relatives(self, term: str, least: float) -> list[int]:
        """Other terms of the same root that share at least ``least`` of their letter pairs."""
        key = terms.root(term)
        r = bisect.bisect_left(self.roots, key) if key else len(self.roots)
        if r == len(self.roots) or self.roots[r] != key:
            return []
        ids = self.by_root[self.root_start[r]:self.root_start[r + 1]]
        return [int(i) for i in ids if self.vocab[i] != term
                and terms.similar(self.vocab[i], term) >= least]


def build(rows: Sequence[tuple[int, int, int, float, str, int]], old: Side | None) -> Side:
    """A side from (sentence id, article id, position, time, terms, flags) rows by id;
    ``old`` lends the root keys of terms it knows (they cost a stemmer call each)."""
    if not rows:
        return Side()
    split = [r[4].split() for r in rows]
    lengths = np.fromiter(map(len, split), np.int64, len(split))
    words = list(chain.from_iterable(split))
    vocab = sorted(set(words))
    number = {t: i for i, t in enumerate(vocab)}
    ids = np.fromiter(map(number.__getitem__, words), np.int64, len(words))
    n = len(rows)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys, tf = np.unique(ids * n + doc, return_counts=True)
    term = keys // n
    known: dict[str, str] = {}
    if old is not None and len(old.root_of):
        known = {t: old.roots[r] if r >= 0 else "" for t, r in zip(old.vocab, old.root_of,
                                                                    strict=True)}
    keyed = [known[t] if t in known else terms.root(t) for t in vocab]
    roots = sorted(set(keyed) - {""})
    root_number = {k: i for i, k in enumerate(roots)}
    return Side(
        sid=np.fromiter((r[0] for r in rows), np.int64, n),
        art=np.fromiter((r[1] for r in rows), np.int64, n),
        pos=np.fromiter((r[2] for r in rows), np.int32, n),
        time=np.fromiter((r[3] for r in rows), np.float64, n),
        length=lengths.astype(np.float32),
        flags=np.fromiter((r[5] for r in rows), np.uint8, n),
        vocab=vocab, offsets=np.searchsorted(term, np.arange(len(vocab) + 1)).astype(np.int64),
        docs=(keys % n).astype(np.int32), tf=np.minimum(tf, 65535).astype(np.uint16),
        roots=roots, root_of=np.array([root_number.get(k, -1) for k in keyed], np.int32))


_ARRAYS = ("sid", "art", "pos", "time", "length", "flags", "offsets", "docs", "tf", "root_of")


def _text(items: list[str]) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode("utf-8"), np.uint8)


def _items(blob: np.ndarray) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def save(path: Path, key: dict[str, Any], sides: dict[bool, Side]) -> None:
    """Write the cache file whole (a temporary file renamed over it); a failure is logged."""
    data: dict[str, Any] = {"key": np.frombuffer(json.dumps(key).encode(), np.uint8)}
    for arabic, side in sides.items():
        p = "ar_" if arabic else "en_"
        data.update({p + name: getattr(side, name) for name in _ARRAYS})
        data[p + "vocab"], data[p + "roots"] = _text(side.vocab), _text(side.roots)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **data)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("answer index not saved to %s (%s): the next process builds it again",
                    path, exc.strerror)
        tmp.unlink(missing_ok=True)


def load(path: Path) -> tuple[dict[str, Any], dict[bool, Side]] | None:
    """The cache file's key and sides; None when it is missing or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as f:
            key = json.loads(f["key"].tobytes())
            if key.get("format") != FORMAT:
                return None
            sides = {}
            for arabic in (True, False):
                p = "ar_" if arabic else "en_"
                sides[arabic] = Side(**{name: f[p + name] for name in _ARRAYS},
                                     vocab=_items(f[p + "vocab"]), roots=_items(f[p + "roots"]))
            return key, sides
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("answer index %s unreadable (%s): building it again", path, exc)
        return None


def cache_path(store: Store) -> Path:
    return store.path.with_name(store.path.name + ".answers.npz")


def make_terms(store: Store, since: datetime) -> int:
    """Store the answer terms of the window's sentences that have none (or whose English
    is newer than theirs); the number of sentences done."""
    rows = store.sentences_needing_terms(since)
    if len(rows) > 1000:
        log.info("making question-answering terms of %d sentences (once)", len(rows))
    out = []
    for sid, src, en, language, seq, stored in rows:
        arabic = language == "ar"
        src_terms = stored if stored is not None else \
            " ".join(terms.sentence_terms(src, True)) if arabic else None
        flags = terms.passage_flags(src) if arabic else 0
        if en is not None:
            flags |= terms.passage_flags(en) << 2
        en_terms = " ".join(terms.sentence_terms(en, False)) if en is not None else None
        out.append((sid, src_terms, en_terms, seq, flags))
        if len(out) == 5000:
            store.save_answer_terms(out)
            out = []
    store.save_answer_terms(out)
    return len(rows)


class Index:
    """The answer index of one store, brought up to date before each question."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # callers hold it around refresh + ranking
        self.sides: dict[bool, Side] = {True: Side(), False: Side()}
        self.key: dict[str, Any] = {}

    def _fresh(self, key: dict[str, Any], want: dict[str, Any], since: datetime) -> bool:
        if not key or {k: key.get(k) for k in want} != want:
            return False
        built = datetime.fromisoformat(key["since"])
        return built <= since <= built + LASTS

    def refresh(self, store: Store, since: datetime) -> None:
        """Make the index cover the store's window from ``since``: as it is, from the cache
        file, or built again from the stored terms (making the missing ones first)."""
        signature = terms.signature()
        if store.answer_meta("terms") != signature:
            store.reset_answer_terms(signature)
        store_id = store.answer_meta("store")
        if store_id is None:
            store_id = uuid.uuid4().hex
            store.set_answer_meta("store", store_id)
        want = {"format": FORMAT, "store": store_id, "terms": signature,
                "state": list(store.answer_state())}
        if self._fresh(self.key, want, since):
            return
        path = cache_path(store)
        cached = load(path)
        if cached is not None and self._fresh(cached[0], want, since):
            self.key, self.sides = cached
            return
        make_terms(store, since)
        times = {a: t.timestamp() for a, t in store.article_times(since).items()}
        ar: list[tuple[int, int, int, float, str, int]] = []
        en: list[tuple[int, int, int, float, str, int]] = []
        for sid, art, pos, src, english, flags in store.answer_index_rows(since):
            when = times.get(art, 0.0)
            if src is not None:
                ar.append((sid, art, pos, when, src, flags & 3))
            if english is not None:
                en.append((sid, art, pos, when, english, flags >> 2))
        old = cached[1] if cached is not None else self.sides
        self.sides = {True: build(ar, old[True]), False: build(en, old[False])}
        self.key = {**want, "since": since.isoformat()}
        save(path, self.key, self.sides)
