"""Terms for answering questions: what is indexed of a sentence, what counts in a question.

Every word is indexed (no stop list: a question about "the second plane" or "Thursday"
needs words a stop list drops); weighting by rarity keeps common words from counting.
Arabic words are reduced to their stem (``STEMMER``, the one place that names the
stemmer); word forms the stemmer leaves apart (a verb and its noun, ستلزم / الزامي,
or two spellings of a foreign name, برمنغهام / برمنجهام) meet through ``root``: a
root-like key (NLTK's rule-based ISRI root stemmer, no data files) that the ranking
uses as a weaker match, between stems that also share letters (``similar``).
English words are reduced with the Snowball English stemmer (rule-based, no data).

``signature()`` changes whenever any of this would produce other terms (a new stemmer
included), so terms stored with an older signature are made again. Each word's stem is
stored too, so a question whose words the sentences had needs no stemmer (nor its import).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import re
import tokenize
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .answer_flags import flags
from .answer_kinds import bare
from .text import fold

VERSION = "3"  # bump when the rules below change (3: verdict words are outcomes);
# ``answer_flags`` and the stemmer are covered by their code


STEMMER = "briefings.text"  # the module whose stem() stems Arabic
FLAGS = "briefings.answer_flags"  # the module whose flags() are stored with the terms


def arabic_stem(word: str) -> str:
    """The stem of one (folded) Arabic word: the project's Arabic stemmer."""
    return str(importlib.import_module(STEMMER).stem(word))


@lru_cache(maxsize=200_000)
def _stem_ar(word: str) -> str:
    return arabic_stem(word) if _ARABIC.fullmatch(word) else word


@lru_cache(maxsize=200_000)
def _stem_en(word: str) -> str:
    return str(_english().stem(word))


@lru_cache(maxsize=1)
def _english() -> Any:
    from nltk.stem.snowball import EnglishStemmer  # rule-based, no NLTK data

    return EnglishStemmer()


_ARABIC = re.compile("[\u0621-\u064a]+")
_EN_WORD = re.compile(r"[a-z0-9]+")


def sentence_terms(text: str, arabic: bool) -> list[str]:
    """The indexed terms of one sentence, in order."""
    return analyse(text, arabic)[0].split()


# Words that make a question a question ("what is happening in...") or only hold it
# together (prepositions, pronouns, particles): left out of questions, never of sentences.
QUESTION_WORDS = frozenset(fold(w) for w in (
    "ماذا ما من متى أين اين كيف لماذا لما هل كم بكم أي اي ماهو ماهي يحدث حدث يجري جرى "
    "تحدث حصل يحصل عن بشأن حول أخبار اخبار خبر آخر اخر جديد أخبرني اخبرني قل هناك الآن الان "
    "في إلى الى على مع منذ حتى عند لدى بين خلال قبل بعد ضد دون عبر نحو و أو ثم أم بل لكن لا لم "
    "لن إن أن ان إذا اذا لو قد كان كانت يكون تكون هو هي هم هن هما أنا نحن أنت هذا هذه ذلك "
    "تلك هؤلاء الذي التي الذين اللذين اللتين اللواتي كل بعض غير أيضا ايضا فقط كما مثل به بها "
    "له لها فيه فيها منه منها عليه عليها إليه اليه اللذان اللتان عما مما فيما حين حينما "
    "عندما بينما حيث لأن لان كي لكي إذ "
    "what who whom whose when where why how which happen happened happening going tell "
    "me news latest about there now is are was were did does do any anything the a an of "
    "in on at to for by with from and or but not no it its this that these those be been "
    "has have had will would can could should into over after before than as please").split())


def question_words(text: str, arabic: bool) -> list[str]:
    """The words of a question that count (folded), each once, in order."""
    kept = " ".join(w for w in fold(text).split() if bare(w) not in QUESTION_WORDS)
    return list(dict.fromkeys(_words(kept, arabic)))


def question_stems(text: str, arabic: bool, known: dict[str, str] | None = None
                   ) -> dict[str, str]:
    """The words of a question that count (folded), in order, with their stems."""
    known = known or {}
    stem = _stem_ar if arabic else _stem_en
    return {w: known.get(w) or stem(w) for w in question_words(text, arabic)}


_SKELETON = str.maketrans({"غ": "ج", "ق": "ج"})


def skeleton(word: str) -> str:
    """A (folded) foreign name's consonants, ج for غ/ق, no long vowels or hamza: two
    spellings of one name meet (جيزان / جازان، برمنغهام / برمنجهام)."""
    return re.sub("[اويىء]", "", word.translate(_SKELETON))


@lru_cache(maxsize=400_000)
def root(term: str) -> str:
    """A root-like key of an Arabic stem ('' for other terms): verbs and nouns of one root
    share it; a long word the root stemmer cannot reduce (most often a foreign name) keeps
    its consonants (ج for غ/ق, no long vowels), so two spellings meet (جيزان / جازان)."""
    if not _ARABIC.fullmatch(term) or len(term) < 3:
        return ""
    if term.endswith("و") and len(term) >= 4:  # a past plural's و (صححوا: the stem keeps it)
        term = term[:-1]
    key = str(_isri().stem(term))
    if len(key) < 5 and len(term) >= 5 and re.search("[اوي]", key):
        key = term  # a long word the root stemmer could not reduce: most often a name
    if len(key) >= 5:
        key = skeleton(key)
    return key


@lru_cache(maxsize=1)
def _isri() -> Any:
    from nltk.stem.isri import ISRIStemmer  # rule-based, no NLTK data

    return ISRIStemmer()


_VOWELS = re.compile("(?<=.)[اوي](?=.)")  # long vowels inside a word (patterns move them)


def similar(a: str, b: str) -> float:
    """Dice similarity of the letter pairs of two terms without their inner long vowels
    (0 to 1): يعاقب / عقوبه and يتاجر / اتجار share most, مساعد / سعود little."""
    a, b = _VOWELS.sub("", a), _VOWELS.sub("", b)
    x = {a[i:i + 2] for i in range(len(a) - 1)} or {a}
    y = {b[i:i + 2] for i in range(len(b) - 1)} or {b}
    return 2 * len(x & y) / (len(x) + len(y))


def _words(folded: str, arabic: bool) -> list[str]:
    found = folded.split() if arabic else _EN_WORD.findall(folded)
    return [w for w in found if len(w) > 1 or w.isdigit()]


def analyse(text: str, arabic: bool, stems: dict[str, str] | None = None) -> tuple[str, int]:
    """A sentence's stored form: its terms (space-separated) and its flags. ``stems``
    collects each word's stem (kept so that questions need no stemmer: see ``ask``)."""
    folded = fold(text)
    stem = _stem_ar if arabic else _stem_en
    words_ = _words(folded, arabic)
    found = [stem(w) for w in words_]
    if stems is not None:
        stems.update(zip(words_, found, strict=True))
    return " ".join(found), flags(text, folded)


@lru_cache(maxsize=1)
def signature() -> str:
    """Changes when stored terms would come out differently: these rules, the Arabic
    stemmer's module and ``answer_flags`` (their tokens: not comments nor blank lines),
    NLTK (English stems, roots). Made without loading a stemmer."""
    try:
        nltk = version("nltk")
    except PackageNotFoundError:
        nltk = "?"
    code = "\x00".join(_tokens(module) for module in (STEMMER, FLAGS))
    return hashlib.sha256(f"{VERSION}|{nltk}|{code}".encode()).hexdigest()[:16]


def _tokens(module: str) -> str:
    source = Path(str(importlib.import_module(module).__file__)).read_bytes()
    return "\x00".join(t.string for t in tokenize.tokenize(io.BytesIO(source).readline)
                       if t.type not in (tokenize.COMMENT, tokenize.NL))
