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

from .text import fold

VERSION = "3"  # bump when the rules below change (3: verdict words are outcomes)


STEMMER = "briefings.text"  # the module whose stem() stems Arabic


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


_ATTACHED = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")  # a conjunction or preposition
_ATTACHABLE = frozenset(fold(w) for w in (  # question words and particles that take one:
    # not every QUESTION_WORD (folded إلى، لدى، على are also the ends of والي "governor",
    # بالي "Bali", ولدي "my son", فعلي "actual"), nor هو/هم (لهو "amusement", وهم "illusion")
    "ماذا متى أين اين كيف لماذا لما هل كم أي اي ماهو ماهي ما من عن في مع لا هذا هذه ذلك "
    "تلك الذي التي الذين").split())


def _bare(word: str) -> str:
    """The question word or particle under an attached conjunction or preposition
    (بماذا، ومتى، وما، بأي), else the word itself."""
    for p in _ATTACHED:
        if word.startswith(p) and word[len(p):] in _ATTACHABLE:
            return word[len(p):]
    return word


def question_words(text: str, arabic: bool) -> list[str]:
    """The words of a question that count (folded), each once, in order."""
    kept = " ".join(w for w in fold(text).split() if _bare(w) not in QUESTION_WORDS)
    return list(dict.fromkeys(_words(kept, arabic)))


def question_terms(text: str, arabic: bool, known: dict[str, str] | None = None
                   ) -> list[str]:
    """The terms of a question that count, each once, in order; ``known`` gives the stems
    of words the sentences had (the stemmer is only run, and loaded, for the others)."""
    return list(dict.fromkeys(question_stems(text, arabic, known).values()))


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


# -- what kind of answer a question wants ---------------------------------------------

NUMBER, TIME, RESULT = 1, 2, 4  # flags of a sentence: it holds a number / a time
# expression / a match, contest or trial's outcome (won, lost, drew, a score, a verdict)
FLAG_BITS = 3  # bits of one language's flags where both are stored in one integer
_NUMBER_WORDS = frozenset(fold(w) for w in (
    "واحد واحدة اثنان اثنين اثنتين ثلاث ثلاثة اربع اربعة خمس خمسة ست ستة سبع سبعة ثمان ثماني "
    "ثمانية تسع تسعة عشر عشرة عشرون عشرين ثلاثون ثلاثين اربعون اربعين خمسون خمسين ستون ستين "
    "سبعون سبعين ثمانون ثمانين تسعون تسعين مئة مائة مئات مائتين مئتين مئتا الف الفا الاف "
    "مليون ملايين مليار مليارات نصف ربع ثلث عشرات "
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred hundreds thousand thousands million millions billion half dozen").split())
_TIME_WORDS = frozenset(fold(w) for w in (
    "امس اليوم غدا الليلة صباح مساء ظهر عصر فجر الاحد الاثنين الثلاثاء الاربعاء الخميس "
    "الجمعة السبت يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر "
    "ديسمبر كانون شباط اذار نيسان ايار حزيران تموز ايلول تشرين محرم صفر ربيع جمادى رجب "
    "شعبان رمضان شوال القعدة الحجة الاسبوع الشهر العام السنة المقبل القادم الماضي الحالي "
    "الجاري مطلع منتصف نهاية بداية اواخر اوائل "
    "yesterday today tomorrow tonight morning evening night monday tuesday wednesday "
    "thursday friday saturday sunday january february march april may june july august "
    "september october november december week month year next last ago").split())
_RESULT_WORDS = frozenset(fold(w) for w in (
    "فاز فازت يفوز تفوز فوز فوزه فوزها الفوز تغلب تغلبت يتغلب خسر خسرت يخسر خسارة خسارته "
    "هزم هزمت يهزم هزيمة انتصر انتصرت انتصار تعادل تعادلت يتعادل اكتسح اكتسحت توج توجت "
    "بهدف بهدفين بثلاثة بأربعة بثلاثية برباعية بخماسية بثنائية هدفين أهداف الأهداف "
    "won win wins beat beats defeated defeats lost loses drew draw victory defeat "
    "scored goal goals "
    # a trial's outcome: a verdict, a sentence, an acquittal (with_proclitics adds بالسجن...)
    "حكم حكمت يحكم احكام قضت تقضي سجن بسجنه بسجنهم إعدام قصاص جلدة بجلده غرامة براءة برأت "
    "تبرئة أدانت إدانة مؤبد sentenced sentence convicted acquitted jailed fined verdict").split())
_SCORE = re.compile(r"(?<![\d/.:–-])\d{1,3}\s*[-–]\s*\d{1,3}(?![\d/.:–-])")  # 2-1, 88 - 74
_PROCLITICS = (*_ATTACHED, "وال", "بال", "لل", "ال")  # ... or the article


def with_proclitics(vocabulary: frozenset[str]) -> frozenset[str]:
    """The words with a conjunction, preposition or article attached (وأمس، بالخميس)."""
    out = set(vocabulary)
    for w in vocabulary:
        out.update(p + w for p in _PROCLITICS)
        if w.startswith("ال"):
            out.update(p + w[2:] for p in _PROCLITICS)
    return frozenset(out)


_NUMBER_FORMS = with_proclitics(_NUMBER_WORDS)
_TIME_FORMS = with_proclitics(_TIME_WORDS)
_RESULT_FORMS = with_proclitics(_RESULT_WORDS)
_DIGIT = re.compile(r"\d")


def _flags(text: str, folded: str) -> int:
    present = set(folded.split())
    result = RESULT if present & _RESULT_FORMS or _SCORE.search(text) else 0
    if _DIGIT.search(folded):
        return NUMBER | TIME | result  # dates and clock times are written in digits too
    return (NUMBER if present & _NUMBER_FORMS else 0) | (TIME if present & _TIME_FORMS else 0) \
        | result


def passage_flags(text: str) -> int:
    """NUMBER | TIME | RESULT: does the sentence hold a number, a time expression, an
    outcome."""
    return _flags(text, fold(text))


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
    return " ".join(found), _flags(text, folded)


def answer_type(question: str) -> int:
    """The flag a passage answering the question needs: NUMBER for "how many / how much",
    TIME for "when", RESULT for "who won / what was the result / the verdict", 0 for any other."""
    raw = fold(question).split()
    ws = [_bare(w) for w in raw]
    if "كم" in ws or " ".join(ws[:2]) in {"how many", "how much"} \
            or ("how" in ws and ("many" in ws or "much" in ws)) or _asks_for(ws, _NUMBER_NOUNS):
        return NUMBER
    if "متي" in ws or "when" in ws or _asks_for(ws, _WHEN_NOUNS) \
            or _asks_for(ws, _TIME_NOUNS, first=False, which=_WHICH_ONE):
        return TIME
    if set(ws) & _RESULT_QUESTION or "who won" in " ".join(ws) \
            or " ".join(raw[:2]) in _VERDICT_QUESTION or "what sentence" in " ".join(ws):
        return RESULT
    return 0


_WHICH = frozenset(fold(w) for w in "ما أي اي ماهو ماهي what which".split())
_WHICH_ONE = frozenset(fold(w) for w in "أي اي what which".split())  # "which day": not ما،
# since ما تاريخ is as often "what is the history of"
_FILLERS = frozenset(fold(w) for w in "هو هي is was are were the".split())  # ما هو عدد
_WHEN_NOUNS = frozenset(fold(w) for w in "موعد توقيت".split())  # "the date set for"
_TIME_NOUNS = frozenset(fold(w) for w in (  # also "history", "the national day", "Sunni"
    "تاريخ يوم شهر عام سنة ساعة وقت date day month year time").split())
_NUMBER_NOUNS = frozenset(fold(w) for w in (  # not عمر "age": also the name Omar
    "عدد قيمة حجم نسبة مبلغ سعر مدة number amount percentage price").split())


def _asks_for(words: list[str], nouns: frozenset[str], first: bool = True,
              which: frozenset[str] = _WHICH) -> bool:
    """Whether the question asks for a thing of this kind: one of ``nouns`` after "what /
    which" (في أي يوم، ما هو عدد، what is the price), or ``first`` (a keyword question:
    مدة العقد)."""
    for i, w in enumerate(words):
        if w.removeprefix("ال") not in nouns:
            continue
        if i == 0 and first:
            return True
        j = i - 1
        while j >= 0 and words[j] in _FILLERS:
            j -= 1
        if j >= 0 and words[j] in which:  # هو/هي only after ما: من هو عمر asks a who
            return True
    return False


_VERDICT_QUESTION = frozenset(fold(w) for w in (  # "what was the verdict / the sentence"
    "ما الحكم", "ما العقوبة", "ما عقوبة", "بماذا حكم", "بماذا حكمت", "بم حكم", "بم حكمت",
    "بماذا قضت", "ما حكم"))
_RESULT_QUESTION = frozenset(fold(w) for w in (
    "نتيجة نتيجه بنتيجة فاز يفوز فازت الفائز result results score").split())


@lru_cache(maxsize=1)
def signature() -> str:
    """Changes when stored terms would come out differently: these rules, the Arabic
    stemmer's module (its tokens: not its comments nor blank lines), NLTK (English stems,
    roots). Made without loading a stemmer."""
    try:
        nltk = version("nltk")
    except PackageNotFoundError:
        nltk = "?"
    source = Path(str(importlib.import_module(STEMMER).__file__)).read_bytes()
    code = "\x00".join(t.string for t in tokenize.tokenize(io.BytesIO(source).readline)
                       if t.type not in (tokenize.COMMENT, tokenize.NL))
    return hashlib.sha256(f"{VERSION}|{nltk}|{code}".encode()).hexdigest()[:16]
