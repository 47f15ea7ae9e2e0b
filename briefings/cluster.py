"""Group articles into stories (the decision itself is in ``storymatch``).

Incremental: each new article joins a story active in the last ``story_window_days``
(or one started by a new article before it) when it passes ``storymatch``'s merge test,
otherwise it starts a story. Story ids never change once given.

Each article's terms are derived once (``text.terms`` of its headline and of its body)
and stored with the article; a long-running process also keeps them, as term ids, in
memory between polls, so a poll costs numpy work over the window, not re-reading it.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from . import places
from .clock import utcnow
from .config import SummarizeConfig
from .store import Store
from .storymatch import Doc, Encoded, Encoder, Params, assign
from .text import ordinals, terms

log = logging.getLogger(__name__)

# Stored terms: VERSION, the headline's ordinals as ORDINAL + number, headline terms,
# HEAD_END, body terms. Terms are \w+ runs, so no marker can be a term; terms stored
# without this VERSION (an older stemmer or layout) are derived again.
VERSION = "~3"
ORDINAL = "#"
MAX_VOCABULARY = 1_000_000  # distinct terms a process remembers before starting afresh
HEAD_END = "|"


def article_doc_terms(headline: str, body: str) -> list[str]:
    """The stored form of an article's terms."""
    return [VERSION, *(f"{ORDINAL}{n}" for n in sorted(ordinals(headline))),
            *terms(headline, numbers=True), HEAD_END, *terms(body, numbers=True)]


def _split(stored: list[str]) -> tuple[list[str], list[str], frozenset[int]] | None:
    """(headline terms, body terms, headline ordinals) of stored terms, or None if stale."""
    if not stored or stored[0] != VERSION or HEAD_END not in stored:
        return None
    cut = stored.index(HEAD_END)
    head = stored[1:cut]
    marks = [t for t in head if t.startswith(ORDINAL)]
    ordinals = frozenset(int(t[len(ORDINAL):]) for t in marks if t[len(ORDINAL):].isdigit())
    return head[len(marks):], stored[cut + 1:], ordinals


@dataclass
class _Memo:
    """What a process keeps of a store's articles between polls (articles never change):
    their terms and time, and their encoded vectors for the parameters last used."""

    docs: dict[int, Doc] = field(default_factory=dict)
    encoder: Encoder = field(default_factory=Encoder)
    encoded: dict[int, Encoded] = field(default_factory=dict)
    params: Params | None = None

    def encode(self, article_ids: Sequence[int], p: Params
               ) -> list[Encoded]:
        if p != self.params:
            self.encoded.clear()
            self.params = p
        for a in article_ids:
            if a not in self.encoded:
                self.encoded[a] = self.encoder.encode(self.docs[a], p)
        return [self.encoded[a] for a in article_ids]

    def keep(self, article_ids: Iterable[int]) -> None:
        """Forget articles that left the window (and the vocabulary when it grew large)."""
        keep = set(article_ids)
        self.docs = {a: d for a, d in self.docs.items() if a in keep}
        self.encoded = {a: e for a, e in self.encoded.items() if a in keep}
        if len(self.encoder.vocab) > MAX_VOCABULARY:
            self.encoder, self.encoded = Encoder(), {}


_MEMO: weakref.WeakKeyDictionary[Store, _Memo] = weakref.WeakKeyDictionary()


def article_docs(store: Store, article_ids: Sequence[int]) -> dict[int, Doc]:
    """Each article's terms and time: remembered, stored, or derived once and stored."""
    memo = _MEMO.setdefault(store, _Memo())
    missing = [a for a in article_ids if a not in memo.docs]
    if missing:
        stored = store.article_terms(missing)
        split = {a: _split(t) if t is not None else None for a, t in stored.items()}
        stale = [a for a, s in split.items() if s is None]
        if stale:
            derived = {a: article_doc_terms(ss[0].text_src if ss else "",
                                            " ".join(s.text_src for s in ss[1:]))
                       for a, ss in store.sentences(stale).items()}
            store.save_terms(derived)
            split.update((a, _split(t)) for a, t in derived.items())
        for art in store.articles(missing):
            head, body, ordinals = split.get(art.id) or ([], [], frozenset())
            when = art.published or art.ingested_at
            memo.docs[art.id] = Doc(head, body, when.timestamp() / 3600, ordinals,
                                    places.named(art.headline or ""), places.held(head + body))
    return {a: memo.docs[a] for a in article_ids if a in memo.docs}


def params(cfg: SummarizeConfig) -> Params:
    return Params(threshold=cfg.story_similarity, best_threshold=cfg.story_best_similarity,
                  headline_weight=cfg.story_headline_weight,
                  lead_terms=cfg.story_lead_terms, lead_weight=cfg.story_lead_weight,
                  shared_terms=cfg.story_shared_terms, rare_df=cfg.story_rare_share,
                  link_threshold=cfg.story_link_similarity, link_terms=cfg.story_link_terms,
                  time_scale_hours=cfg.story_time_scale_hours)


def group(store: Store, article_ids: Iterable[int], cfg: SummarizeConfig) -> dict[int, int]:
    """Give every article among ``article_ids`` a story; return article id -> story id."""
    ids = list(article_ids)
    new = store.unassigned_articles(ids)
    if new:
        existing = store.story_members_since(utcnow() - timedelta(days=cfg.story_window_days))
        order = [*existing, *(a for a in new if a not in existing)]
        docs = article_docs(store, order)
        order = [a for a in order if a in docs]
        stories = [existing.get(a) for a in order]
        p = params(cfg)
        memo = _MEMO[store]
        result = assign([docs[a] for a in order], stories, p, memo.encode(order, p),
                        memo.encoder)
        fresh = [a for a, s in zip(order, stories, strict=True) if s is None]
        store.assign_stories([(a, s, sim) for a, (s, sim) in zip(fresh, result, strict=True)])
        memo.keep(order)
        log.info("grouped %d new article(s) into stories", len(fresh))
    return store.stories_of(ids)
