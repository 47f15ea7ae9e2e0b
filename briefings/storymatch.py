"""Which story a new article belongs to: weighted term vectors and a merge test.

Pure computation (numpy, no store): ``assign`` takes every article of the window in
order, the first ones already in stories, and gives each new one a story.

* A term's weight is ``(1 + log tf) * idf``, with the idf from the window's document
  frequencies: news vocabulary common across the window (results, quarter, meeting,
  minister) weighs little, what names one event (names, places, numbers, rare words)
  much. Headline terms count ``headline_weight`` times (a headline names its event), the
  lead's (the body's first ``lead_terms``) ``lead_weight`` times. A window of fewer than
  ``PRIOR_DOCS`` articles gets the idf of that many: two articles cannot tell a name from
  a topic word by how many of them use it (with a window's own idf, two reports of one
  event would weigh the words they share least).
* Similarities of the new article to every earlier one come from term postings (one
  ``bincount`` per article). Articles published more than ``time_scale_hours`` apart are
  less likely to report one event: past that, their similarity is divided by
  ``1 + (hours apart - scale) / scale`` (halved at twice the scale).
* The article joins the story it is most similar to on average (average link, so stories
  do not chain through one article each) only if that mean reaches ``threshold`` and its
  best-matching member passes one of two tests:

  - close wording: similarity ``best_threshold`` and ``shared_terms`` identifying (rare)
    terms shared anywhere: two companies' quarterly results share topic words, not names
    or numbers;
  - the same facts in other words: similarity ``link_threshold`` and ``link_terms``
    identifying terms in both articles' headline or lead, one of them in both headlines
    (a paraphrase keeps the who and where; a lookalike keeps only the what).

  Neither passes when the two headlines number different steps of one kind of thing
  ("first" vs "second" relief plane): ``Doc.ordinals`` are disjoint; nor when they say it
  happens in different places (a cable to Egypt and one to Oman, a fire in Jeddah and one
  in Taif): both headlines name places (``Doc.places``), none the same, and neither
  article names a place the other's headline does (``Doc.held``). Two sides of one event
  pass (Iraq's vice president accuses Riyadh / Riyadh answers Baghdad): each article names
  the other's place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Terms in at most this many articles always count as identifying for the close-wording
# test: a small window (a new store, a quiet source) cannot tell names from topic words by
# their share of articles. The other-words test, which asks for less similarity, takes in
# small windows only terms of no more articles than the two compared.
RARE_FLOOR = 10.0
LINK_FLOOR = 2.0
# A window of fewer articles weighs terms as if it had this many (see the module doc).
PRIOR_DOCS = 10
HEAD, LEAD, BODY = 2, 1, 0  # where a term of a doc is (its first place)


@dataclass(frozen=True)
class Doc:
    head: Sequence[str]  # headline terms
    body: Sequence[str]  # body terms, in order
    hours: float | None = None  # publication (or ingest) time, hours since the epoch
    ordinals: frozenset[int] = frozenset()  # "first", "second"... in the headline
    places: frozenset[str] = frozenset()  # places the headline names (``places.named``)
    held: frozenset[str] = frozenset()  # places the article names (``places.held``)


@dataclass(frozen=True)
class Params:
    threshold: float = 0.2  # mean cosine to the story's members
    best_threshold: float = 0.5  # cosine to the best-matching member
    headline_weight: float = 4.0
    lead_terms: int = 50  # the body's first terms (the news lead) count lead_weight times
    lead_weight: float = 2.0
    shared_terms: int = 1  # identifying terms shared with the best-matching member
    link_threshold: float = 0.3  # ... or this cosine to it and, in headlines and leads,
    link_terms: int = 3  # this many identifying terms shared, one in both headlines
    rare_df: float = 0.02  # "identifying": in at most this share of the window's articles
    time_scale_hours: float = 24.0  # kept within this time apart, halved at twice it (0: off)


Encoded = tuple[np.ndarray, np.ndarray, np.ndarray]  # term ids, raw weights, zones


class Encoder:
    """Term ids (a vocabulary kept as long as the encoder), raw weights and zones of docs."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}

    def encode(self, d: Doc, p: Params) -> Encoded:
        """Term ids, ``(1 + log tf)`` times the headline or lead weight, and where each
        term is (HEAD, LEAD or BODY) of one doc."""
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
        zone = np.fromiter((HEAD if i in head else LEAD if i in lead else BODY
                            for i in counts), dtype=np.int8, count=len(counts))
        boost = np.array([1.0, p.lead_weight, p.headline_weight])[zone]
        return ids, (1.0 + np.log(tf)) * boost, zone


@dataclass
class _Space:
    """Unit vectors as CSR rows (doc -> terms) and their postings (term -> docs)."""

    doc_ptr: np.ndarray
    doc_terms: np.ndarray
    doc_w: np.ndarray
    doc_zone: np.ndarray
    term_ptr: np.ndarray
    term_docs: np.ndarray
    term_w: np.ndarray
    rare: np.ndarray  # bool per term: identifying for the close-wording test
    distinct: np.ndarray  # ... for the other-words test


def _space(rows: Sequence[Encoded], v: int, p: Params) -> _Space:
    n = len(rows)
    lengths = np.fromiter((len(r[0]) for r in rows), dtype=np.int64, count=n)
    doc_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=doc_ptr[1:])
    doc_terms = np.concatenate([r[0] for r in rows]) if n else np.zeros(0, np.int64)
    raw = np.concatenate([r[1] for r in rows]) if n else np.zeros(0)
    zone = np.concatenate([r[2] for r in rows]) if n else np.zeros(0, np.int8)
    df = np.bincount(doc_terms, minlength=v).astype(np.float64)
    idf = np.log((1.0 + max(n, PRIOR_DOCS)) / (1.0 + df)) + 1.0
    w = raw * idf[doc_terms]
    doc_of = np.repeat(np.arange(n), lengths)
    norms = np.sqrt(np.bincount(doc_of, w * w, minlength=n))
    w = w / np.where(norms > 0, norms, 1.0)[doc_of]
    order = np.argsort(doc_terms, kind="stable")  # by term, docs ascending within a term
    term_ptr = np.zeros(v + 1, dtype=np.int64)
    np.cumsum(df.astype(np.int64), out=term_ptr[1:])
    rare = df <= max(RARE_FLOOR, p.rare_df * n)
    distinct = df <= max(LINK_FLOOR, p.rare_df * n)
    return _Space(doc_ptr, doc_terms, w, zone, term_ptr, doc_of[order], w[order], rare,
                  distinct)


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
           encoded: Sequence[Encoded] | None = None,
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
        k, sim = _choose(space, docs, i, sims, label, sizes, p)
        if k < 0:
            k = len(ids)
            ids.append(-(1 + i))
            sizes = np.append(sizes, 0.0)
        label[i] = k
        sizes[k] += 1
        out.append((ids[k], round(sim, 4)))
    return out


def _choose(space: _Space, docs: Sequence[Doc], i: int, sims: np.ndarray,
            label: np.ndarray, sizes: np.ndarray, p: Params) -> tuple[int, float]:
    """The story label to join, or -1; and the mean similarity to it (or the best mean)."""
    members = np.flatnonzero((label >= 0) & (sims > 0))
    if not len(members):
        return -1, 0.0
    mean = np.bincount(label[members], sims[members], minlength=len(sizes)) / \
        np.maximum(sizes, 1.0)
    for k in np.argsort(-mean, kind="stable"):
        if mean[k] < p.threshold:
            break
        in_story = members[label[members] == k]
        best = int(in_story[np.argmax(sims[in_story])])
        if _apart(docs[i], docs[best]):
            continue
        if _passes(space, i, best, float(sims[best]), p):
            return int(k), float(mean[k])
    return -1, float(mean.max())


def _apart(a: Doc, b: Doc) -> bool:
    """The headlines number different steps, or say it happens in different places."""
    if a.ordinals and b.ordinals and not a.ordinals & b.ordinals:
        return True
    return bool(a.places and b.places and not a.places & (b.places | b.held)
                and not b.places & a.held)


def _passes(space: _Space, i: int, j: int, sim: float, p: Params) -> bool:
    """The pair test of the module doc, for doc ``i`` and its story's best member ``j``."""
    if sim < min(p.best_threshold, p.link_threshold):
        return False
    a, b = slice(space.doc_ptr[i], space.doc_ptr[i + 1]), slice(space.doc_ptr[j],
                                                                space.doc_ptr[j + 1])
    terms_a, terms_b = space.doc_terms[a], space.doc_terms[b]
    if sim >= p.best_threshold:
        rare_a = terms_a[space.rare[terms_a]]
        if len(np.intersect1d(rare_a, terms_b, assume_unique=True)) >= p.shared_terms:
            return True
    if sim < p.link_threshold:
        return False
    # identifying terms of the headline or lead: rare in the window, not in the body only
    keep_a = space.distinct[terms_a] & (space.doc_zone[a] > BODY)
    keep_b = space.distinct[terms_b] & (space.doc_zone[b] > BODY)
    shared, at_a, at_b = np.intersect1d(terms_a[keep_a], terms_b[keep_b],
                                        assume_unique=True, return_indices=True)
    in_both_heads = (space.doc_zone[a][keep_a][at_a] == HEAD) & \
        (space.doc_zone[b][keep_b][at_b] == HEAD)
    return len(shared) >= max(p.link_terms, 1) and bool(in_both_heads.any())
