"""Which story a new article belongs to: weighted term vectors and a two-part merge test.

Pure computation (numpy, no store): ``assign`` takes every article of the window in
order, the first ones already in stories, and gives each new one a story.

* A term's weight is ``(1 + log tf) * idf``, with the idf from the window's document
  frequencies: news vocabulary common across the window (results, quarter, meeting,
  minister) weighs little, what names one event (names, places, numbers, rare words)
  much. Headline terms count ``headline_weight`` times (a headline names its event).
* Similarities of the new article to every earlier one come from term postings (one
  ``bincount`` per article). Articles published more than ``time_scale_hours`` apart are
  less likely to report one event: past that, their similarity is divided by
  ``1 + (hours apart - scale) / scale`` (halved at twice the scale).
* The article joins the story it is most similar to on average (average link, so stories
  do not chain through one article each) only if that mean reaches ``threshold``, its
  best-matching member reaches ``best_threshold``, and it shares at least
  ``shared_terms`` identifying (rare) terms with that member: two companies' quarterly
  results share topic words, not names or numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Terms in at most this many articles always count as identifying: a small window (a new
# store, a quiet source) cannot tell names from topic words by their share of articles.
RARE_FLOOR = 10.0


@dataclass(frozen=True)
class Doc:
    head: Sequence[str]  # headline terms
    body: Sequence[str]  # body terms, in order
    hours: float | None = None  # publication (or ingest) time, hours since the epoch


@dataclass(frozen=True)
class Params:
    threshold: float = 0.2  # mean cosine to the story's members
    best_threshold: float = 0.5  # cosine to the best-matching member
    headline_weight: float = 4.0
    lead_terms: int = 40  # the body's first terms (the news lead) count lead_weight times
    lead_weight: float = 2.0
    shared_terms: int = 1  # identifying terms shared with the best-matching member
    rare_df: float = 0.02  # "identifying": in at most this share of the window's articles
    time_scale_hours: float = 24.0  # kept within this time apart, halved at twice it (0: off)


class Encoder:
    """Term ids (a vocabulary kept as long as the encoder) and raw weights of docs."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}

    def encode(self, d: Doc, p: Params) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, ``(1 + log tf)`` times the headline or lead weight) of one doc."""
        vocab = self.vocab
        counts: dict[int, float] = {}
        for t in d.body:
            i = vocab.setdefault(t, len(vocab))
            counts[i] = counts.get(i, 0.0) + 1.0
        head = {vocab.setdefault(t, len(vocab)) for t in d.head}
        lead = {vocab[t] for t in d.body[: p.lead_terms]}
        for i in head:
            counts[i] = counts.get(i, 0.0) + 1.0
        ids = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        boost = np.fromiter((p.headline_weight if i in head else
                             p.lead_weight if i in lead else 1.0 for i in counts),
                            dtype=np.float64, count=len(counts))
        return ids, (1.0 + np.log(tf)) * boost


@dataclass
class _Space:
    """Unit vectors as CSR rows (doc -> terms) and their postings (term -> docs)."""

    doc_ptr: np.ndarray
    doc_terms: np.ndarray
    doc_w: np.ndarray
    term_ptr: np.ndarray
    term_docs: np.ndarray
    term_w: np.ndarray
    rare: np.ndarray  # bool per term


def _space(rows: Sequence[tuple[np.ndarray, np.ndarray]], v: int, p: Params) -> _Space:
    n = len(rows)
    lengths = np.fromiter((len(r[0]) for r in rows), dtype=np.int64, count=n)
    doc_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=doc_ptr[1:])
    doc_terms = np.concatenate([r[0] for r in rows]) if n else np.zeros(0, np.int64)
    raw = np.concatenate([r[1] for r in rows]) if n else np.zeros(0)
    df = np.bincount(doc_terms, minlength=v).astype(np.float64)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    w = raw * idf[doc_terms]
    doc_of = np.repeat(np.arange(n), lengths)
    norms = np.sqrt(np.bincount(doc_of, w * w, minlength=n))
    w = w / np.where(norms > 0, norms, 1.0)[doc_of]
    order = np.argsort(doc_terms, kind="stable")  # by term, docs ascending within a term
    term_ptr = np.zeros(v + 1, dtype=np.int64)
    np.cumsum(df.astype(np.int64), out=term_ptr[1:])
    rare = df <= max(RARE_FLOOR, p.rare_df * n)
    return _Space(doc_ptr, doc_terms, w, term_ptr, doc_of[order], w[order], rare)


def _ranges(ptr: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Positions ptr[i]..ptr[i+1] of every i in ``items``, concatenated."""
    starts, ends = ptr[items], ptr[items + 1]
    sizes = ends - starts
    total = int(sizes.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
    return offsets + np.arange(total)


def assign(docs: Sequence[Doc], stories: Sequence[int | None], p: Params,
           encoded: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
           encoder: Encoder | None = None) -> list[tuple[int, float]]:
    """Stories for the docs whose entry in ``stories`` is None (the rest keep theirs).

    Existing docs come first. Returns (story, similarity) for each new doc in order; a
    new story is ``-(1 + index of its first doc)``. ``encoded`` are the docs already
    encoded by ``encoder`` (a caller that keeps them between calls saves that work)."""
    n = len(docs)
    if encoded is None or encoder is None:
        encoder = Encoder()
        encoded = [encoder.encode(d, p) for d in docs]
    space = _space(encoded, len(encoder.vocab), p)
    label_of: dict[int, int] = {}
    label = np.full(n, -1, dtype=np.int64)
    for i, s in enumerate(stories):
        if s is not None:
            label[i] = label_of.setdefault(s, len(label_of))
    ids = list(label_of)  # dense story label -> story id
    sizes = np.bincount(label[label >= 0], minlength=len(ids)).astype(np.float64)
    hours = np.array([d.hours if d.hours is not None else np.nan for d in docs])
    out: list[tuple[int, float]] = []
    for i in np.flatnonzero(label < 0).tolist():
        own = space.doc_terms[space.doc_ptr[i]:space.doc_ptr[i + 1]]
        own_w = space.doc_w[space.doc_ptr[i]:space.doc_ptr[i + 1]]
        pos = _ranges(space.term_ptr, own)
        weights = np.repeat(own_w, space.term_ptr[own + 1] - space.term_ptr[own])
        sims = np.bincount(space.term_docs[pos], weights * space.term_w[pos], minlength=n)
        if p.time_scale_hours > 0 and not math.isnan(hours[i]):
            apart = np.abs(np.nan_to_num(hours - hours[i], nan=0.0))
            sims = sims / (1.0 + np.maximum(apart - p.time_scale_hours, 0.0)
                           / p.time_scale_hours)
        k, sim = _choose(space, own, sims, label, sizes, p)
        if k < 0:
            k = len(ids)
            ids.append(-(1 + i))
            sizes = np.append(sizes, 0.0)
        label[i] = k
        sizes[k] += 1
        out.append((ids[k], round(sim, 4)))
    return out


def _choose(space: _Space, own: np.ndarray, sims: np.ndarray, label: np.ndarray,
            sizes: np.ndarray, p: Params) -> tuple[int, float]:
    """The story label to join, or -1; and the mean similarity to it (or the best mean)."""
    members = np.flatnonzero((label >= 0) & (sims > 0))
    if not len(members):
        return -1, 0.0
    mean = np.bincount(label[members], sims[members], minlength=len(sizes)) / \
        np.maximum(sizes, 1.0)
    rare_own: set[int] | None = None
    for k in np.argsort(-mean, kind="stable"):
        if mean[k] < p.threshold:
            break
        in_story = members[label[members] == k]
        best = int(in_story[np.argmax(sims[in_story])])
        if sims[best] < p.best_threshold:
            continue
        if p.shared_terms > 0:
            if rare_own is None:
                rare_own = set(own[space.rare[own]].tolist())
            other = space.doc_terms[space.doc_ptr[best]:space.doc_ptr[best + 1]]
            if len(rare_own.intersection(other.tolist())) < p.shared_terms:
                continue
        return int(k), float(mean[k])
    return -1, float(mean.max())
