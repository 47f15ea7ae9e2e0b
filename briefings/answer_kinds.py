"""What kind of answer a question wants, and what kind a sentence holds.

A question asks for a number ("how many"), a time ("when", "which day"), or an outcome
("who won", "the verdict"): ``answer_type`` says which, and the stored ``flags`` of each
sentence say whether it holds one (``NUMBER``, ``TIME``, ``RESULT``). A sentence that tells
of something still to come (``pending``: a future verb, "scheduled", "postponed") does not
answer a question that asks what came of it (``asks_done``).

Sentence flags are stored with the answer terms: ``answer_terms.signature`` covers this
module's rules, so a change here makes them again.
"""

from __future__ import annotations

import re
from collections.abc import Container

from .text import fold

ATTACHED = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")  # a conjunction or preposition
_ATTACHABLE = frozenset(fold(w) for w in (  # question words and particles that take one:
    # not every QUESTION_WORD (folded إلى، لدى، على are also the ends of والي "governor",
    # بالي "Bali", ولدي "my son", فعلي "actual"), nor هو/هم (لهو "amusement", وهم "illusion")
    "ماذا متى أين اين كيف لماذا لما هل كم أي اي ماهو ماهي ما من عن في مع لا هذا هذه ذلك "
    "تلك الذي التي الذين").split())


def bare(word: str) -> str:
    """The question word or particle under an attached conjunction or preposition
    (بماذا، ومتى، وما، بأي), else the word itself."""
    for p in ATTACHED:
        if word.startswith(p) and word[len(p):] in _ATTACHABLE:
            return word[len(p):]
    return word


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
_PENDING_WORDS = frozenset(fold(w) for w in (
    "سوف مقرر المقرر المقررة مقررا المقبل المقبلة القادم القادمة المرتقب المرتقبة "
    "المنتظر المنتظرة المتوقع المتوقعة متوقع يتوقع تتوقع يعتزم تعتزم يعتزمون غدا "
    "بانتظار تأجيل تأجيلها تأجيله أجلت أرجأت إرجاء "
    "will tomorrow upcoming scheduled postponed adjourned expected").split())
_FUTURE = re.compile("^[وف]?س([يت][ء-ي]{3,})$")  # سـ on an imperfect verb: سيزور، وستلتقي
_SCORE = re.compile(r"(?<![\d/.:–-])\d{1,3}\s*[-–]\s*\d{1,3}(?![\d/.:–-])")  # 2-1, 88 - 74
_PROCLITICS = (*ATTACHED, "وال", "بال", "لل", "ال")  # ... or the article


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
_PENDING_FORMS = with_proclitics(_PENDING_WORDS)
_DIGIT = re.compile(r"\d")


def flags(text: str, folded: str) -> int:
    present = set(folded.split())
    result = RESULT if present & _RESULT_FORMS or _SCORE.search(text) else 0
    if _DIGIT.search(folded):
        return NUMBER | TIME | result  # dates and clock times are written in digits too
    return (NUMBER if present & _NUMBER_FORMS else 0) | (TIME if present & _TIME_FORMS else 0) \
        | result


def passage_flags(text: str) -> int:
    """NUMBER | TIME | RESULT: does the sentence hold a number, a time expression, an
    outcome."""
    return flags(text, fold(text))

def answer_type(question: str) -> int:
    """The flag a passage answering the question needs: NUMBER for "how many / how much",
    TIME for "when", RESULT for "who won / what was the result / the verdict", 0 for any other."""
    raw = fold(question).split()
    ws = [bare(w) for w in raw]
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


_DONE_QUESTION = frozenset(fold(w) for w in (  # "what came of / the results of"
    "أسفر أسفرت يسفر نتائج النتائج حصيلة خرج خرجت هدفا "  # "how many goals": a match played
    "outcome outcomes resulted results").split())


_OBJECT = re.compile("(ها|هما|هم|ه|كم|نا)$")  # an object pronoun: سيجريها "will hold it"


def _verbs(word: str) -> tuple[str, ...]:
    """The forms a future verb would have without its سـ (ستلتقي -> تلتقي; سيجريها -> يجريها,
    يجري), or () for a word that cannot be one."""
    m = _FUTURE.match(word)
    if m is None:
        return ()
    verb = m.group(1)
    bare_ = _OBJECT.sub("", verb)
    return (verb, bare_) if len(bare_) >= 3 and bare_ != verb else (verb,)


def unprefixed(text: str) -> list[str]:
    """What the words that may be future verbs are without their سـ: to be looked up among
    the stored words (``pending``)."""
    return [v for w in fold(text).split() for v in _verbs(w)]


def pending(text: str, known: Container[str]) -> bool:
    """Whether the text tells of something still to come: a word such as "scheduled",
    "next", "postponed", or a future verb, سـ on a word the stored sentences have
    (``known``): ستلتقي is, since تلتقي is a word; سيليرينا (a club) and سياسة are not."""
    words = fold(text).split()
    return bool(_PENDING_FORMS.intersection(words)) or any(
        v in known for w in words for v in _verbs(w))


def asks_done(question: str, known: Container[str]) -> bool:
    """Whether the question asks for the outcome of something (a result, a verdict, what a
    meeting came to): a sentence that tells of it as still to come does not answer it. A
    question that itself looks ahead ("the expected sentence", "who will win") does not."""
    if pending(question, known):
        return False
    words = {bare(w) for w in fold(question).split()}
    return answer_type(question) == RESULT or bool(words & _DONE_QUESTION)
