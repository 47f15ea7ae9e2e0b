"""The BPE half of the model kit: learn BPE merges (subword-nmt's format, version 0.2) and
tokenise text as argostranslate's ``BPETokenizer`` does (sacremoses, then ``bpe.model``).

Argos packages built from OPUS-MT models carry a ``bpe.model`` instead of a
``sentencepiece.model``; the kit builds such a package to test that path end to end.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise


def _moses(lang: str, texts: Iterable[str]) -> list[list[str]]:
    from sacremoses.normalize import MosesPunctNormalizer
    from sacremoses.tokenize import MosesTokenizer

    tok, norm = MosesTokenizer(lang), MosesPunctNormalizer(lang)
    return [tok.tokenize(norm.normalize(t)) for t in texts if t.strip()]


def learn_bpe(texts: Iterable[str], merges: int, lang: str = "ar") -> str:
    """``bpe.model`` text: the ``merges`` most frequent symbol pairs, merged greedily."""
    words = Counter(w for sent in _moses(lang, texts) for w in sent)
    vocab = {(*w[:-1], w[-1] + "</w>"): n for w, n in words.items() if w}
    codes = []
    for _ in range(merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for word, n in vocab.items():
            for pair in pairwise(word):
                pairs[pair] += n
        if not pairs:
            break
        best, count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        if count < 2:
            break
        codes.append(best)
        vocab = {_merge(word, best): n for word, n in vocab.items()}
    return "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in codes)


def _merge(word: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    out, i = [], 0
    while i < len(word):
        if i < len(word) - 1 and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def segment(codes: str, texts: Iterable[str], lang: str) -> list[list[str]]:
    """The pieces argostranslate's BPETokenizer gives for each text."""
    from argostranslate.apply_bpe import BPE

    bpe = BPE(io.StringIO(codes))
    return [bpe.segment_tokens(sent) for sent in _moses(lang, texts)]


def vocabulary(pieces: Iterable[list[str]]) -> list[str]:
    """<unk>, <s>, </s>, then the pieces, most frequent first."""
    counts = Counter(p for sent in pieces for p in sent)
    return ["<unk>", "<s>", "</s>", *(p for p, _ in counts.most_common())]
