"""Redundancy between summary sentences that catches paraphrase, not only copies.

Two outlets rarely word a fact alike ("the largest relief ship reached Aden" / "Aden
port received the biggest aid ship"), and wire copy reaches bullets with small edits:
word-set Jaccard misses both, and it shrinks when one sentence is much longer than the
other. So sentences are compared as sets of character trigrams of their content words
(folded spelling, stop words out, the article and one-letter clitics stripped), which
morphological variants mostly share, with containment: the share of the smaller set
found in the larger, high when a sentence says little the other does not. No stemmer
is involved, so a change of stemmer does not move the threshold.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .text import stop_words, words

N = 3
_PREFIX = re.compile("^(?:[وف]?[بكل]?ال|[وف]?لل|[وفبلك])(?=...)")


def content_words(text: str) -> list[str]:
    """Folded words without stop words, numbers-only words, or leading article/clitics."""
    stops = stop_words()
    return [_PREFIX.sub("", w) for w in words(text)
            if w not in stops and len(w) > 1 and not w.isdigit()]


@lru_cache(maxsize=20_000)
def signature(text: str) -> frozenset[str]:
    """Character ``N``-grams of the content words, each word padded with spaces."""
    grams: set[str] = set()
    for w in content_words(text):
        padded = f" {w} "
        grams.update(padded[i:i + N] for i in range(max(1, len(padded) - N + 1)))
    return frozenset(grams)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / min(|a|, |b|): 1.0 when one sentence's n-grams are all in the other."""
    return held(a, b) if len(a) <= len(b) else held(b, a)


def held(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / |a|: the share of sentence a's n-grams that sentence b holds (1.0 when b
    says all that a says, and perhaps more)."""
    return len(a & b) / len(a) if a else 0.0
