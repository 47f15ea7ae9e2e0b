"""Summarize stage: pick each story's summary sentences on the Arabic originals.

sumy ranks the story's sentences (from all its articles) with an Arabic stemmer
and stop list; no NLTK data is needed because sumy is fed our own sentences.
Choosing on the originals means a digest only needs its chosen sentences
translated: the pipeline translates those first, the rest afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .cluster import stem, stop_words, terms
from .config import SummarizeConfig
from .errors import ConfigError
from .models import Sentence
from .text import words

SUMMARIZERS: dict[str, Callable[[], Any]] = {}


def register(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def deco(factory: Callable[[], Any]) -> Callable[[], Any]:
        SUMMARIZERS[name] = factory
        return factory
    return deco


@register("lexrank")
def _lexrank() -> Any:
    from sumy.summarizers.lex_rank import LexRankSummarizer
    return LexRankSummarizer(stem)


@register("lsa")
def _lsa() -> Any:
    from sumy.summarizers.lsa import LsaSummarizer
    return LsaSummarizer(stem)


@register("textrank")
def _textrank() -> Any:
    from sumy.summarizers.text_rank import TextRankSummarizer
    return TextRankSummarizer(stem)


@register("luhn")
def _luhn() -> Any:
    from sumy.summarizers.luhn import LuhnSummarizer
    return LuhnSummarizer(stem)


class _Tokenizer:
    """sumy's tokenizer interface over our own word splitter (folded Arabic)."""

    language = "arabic"

    @staticmethod
    def to_words(sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))


def rank(sentences: Sequence[str], engine: str = "lexrank") -> list[int]:
    """Indexes of ``sentences``, best first, as the named sumy summarizer rates them."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    if engine not in SUMMARIZERS:
        raise ConfigError("summarize.engine", f"unknown summarizer {engine!r} (expected one "
                                              f"of: {', '.join(sorted(SUMMARIZERS))})")
    if not sentences:
        return []
    summarizer = SUMMARIZERS[engine]()
    summarizer.stop_words = stop_words()
    tok = _Tokenizer()
    doc = ObjectDocumentModel([Paragraph([SumySentence(s, tok) for s in sentences])])
    ranking: list[Any] = []

    def capture(infos: list[Any]) -> list[Any]:  # sumy passes every sentence, best first
        ranking.extend(infos)
        return infos

    summarizer(doc, capture)
    return [info.order for info in ranking]


@dataclass(frozen=True)
class Pick:
    sentence: Sentence
    rank: int


def _similar(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def choose(story: dict[int, list[Sentence]], cfg: SummarizeConfig, count: int | None = None
           ) -> list[Sentence]:
    """The story's summary: ``count`` sentences from all its articles, no near-duplicates.

    ``story`` maps article id -> its sentences (position 0, the headline, is not a
    candidate). Each article's best sentence comes first, so every source is heard,
    then the rest by rank; a sentence too close to one already chosen is skipped.
    """
    count = count or cfg.sentences
    candidates = [s for ss in story.values() for s in ss
                  if s.position > 0 and len(s.text_src.split()) >= cfg.min_words]
    if not candidates:
        candidates = [s for ss in story.values() for s in ss if s.position > 0]
    order = rank([s.text_src for s in candidates], cfg.engine)
    ranked = [candidates[i] for i in order]
    first_of: dict[int, Sentence] = {}
    for s in ranked:
        first_of.setdefault(s.article_id, s)
    queue = list(first_of.values()) + [s for s in ranked if s not in first_of.values()]
    chosen: list[Sentence] = []
    chosen_terms: list[set[str]] = []
    for s in queue:
        t = set(terms(s.text_src))
        if any(_similar(t, other) >= cfg.duplicate_similarity for other in chosen_terms):
            continue
        chosen.append(s)
        chosen_terms.append(t)
        if len(chosen) == count:
            break
    return chosen
