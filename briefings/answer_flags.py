"""What a stored sentence holds for answers: a number, a time, an outcome.

Each sentence's flags (``NUMBER``, ``TIME``, ``RESULT``) are stored with its answer terms,
so "how many / when / who won" questions can prefer passages that hold one
(``answer_kinds.answer_type`` says which a question wants). ``answer_terms.signature``
covers this module's code: a change here makes the stored terms again.
"""

from __future__ import annotations

import re

from .text import fold

ATTACHED = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")  # a conjunction or preposition

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
_RESULT_WORDS = frozenset(fold(w) for w in (  # not فوز / الفوز / للفوز / win: as often a
    # hope (نطمع للفوز "we hope to win", في حال فوز "should X win"), nor حكم / الحكم (also the
    # referee, a rule, governance), أهداف (also aims) or أحكام (also a law's provisions). The
    # cost: "فوز الهلال على النصر" without a score, or "الحكم بالقتل", holds no outcome here
    "فاز فازت يفوز تفوز فوزه فوزها تغلب تغلبت يتغلب خسر خسرت يخسر خسارة خسارته "
    "هزم هزمت يهزم هزيمة انتصر انتصرت انتصار تعادل تعادلت يتعادل اكتسح اكتسحت توج توجت "
    "بهدف بهدفين بثلاثة بأربعة بثلاثية برباعية بخماسية بثنائية هدفين "
    "won wins beat beats defeated defeats lost loses drew draw victory defeat "
    "scored goal goals "
    # a trial's outcome: a verdict, a sentence, an acquittal (with_proclitics adds بالسجن...)
    "حكمت يحكم قضت تقضي سجن بسجنه بسجنهم إعدام قصاص جلدة بجلده غرامة براءة برأت "
    "تبرئة أدانت إدانة مؤبد sentenced sentence convicted acquitted jailed fined verdict").split())
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
