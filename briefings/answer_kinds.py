"""What kind of answer a question wants.

A question asks for a number ("how many"), a time ("when", "which day"), or an outcome
("who won", "the verdict"): ``answer_type`` says which (the stored ``answer_flags`` of
each sentence say whether it holds one). A sentence that tells of something still to
come (``pending``: a future verb, "scheduled", "postponed") is a less sure answer to a
question that asks what came of it (``asks_done``). These rules apply when a question is
asked; nothing of them is stored.
"""

from __future__ import annotations

import re
from collections.abc import Container

from .answer_flags import ATTACHED, NUMBER, RESULT, TIME, with_proclitics
from .text import fold

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
            or " ".join(raw[:2]) in _VERDICT_QUESTION or "what sentence" in " ".join(ws) \
            or (" ".join(raw[:2]) in _VERDICTS and bool(set(raw) & _COURT)):
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
_VERDICTS = frozenset(fold(w) for w in ("ما الأحكام",))  # "what were the verdicts": only
# with a court's word (الأحكام is also a law's provisions; العقوبات most often sanctions)
_COURT = frozenset(fold(w) for w in (
    "صدرت صدر الصادرة الصادر أصدرت أصدرتها بحق المتهم المتهمين المدان المدانين المحكمة "
    "محكمة").split())
_RESULT_QUESTION = frozenset(fold(w) for w in (  # won, the winner, was crowned (champion)
    "نتيجة نتيجه بنتيجة فاز يفوز فازت الفائز توج توجت يتوج تتوج المتوج "
    "result results score").split())


_DONE_QUESTION = with_proclitics(frozenset(fold(w) for w in (  # "what came of / the results
    "أسفر أسفرت يسفر نتائج النتائج خرج خرجت هدفا "  # of"; "how many goals": a match
    "بلغ بلغت أحرز أحرزت حقق حققت "  # played; "how much did it reach / score / make"
    "outcome outcomes resulted results").split()))  # (a preview "awaits the results": no)


# Words that tell of something still to come. Some only in context: القادمة من is "arriving
# from", أكثر من المتوقع "more than expected", المقرر الخاص a UN rapporteur, so "scheduled"
# (and "likely") counts only as من المقرر / المقرر أن / المقررة اليوم (or another day),
# من المرجح / المرجح أن. "Likely" also guesses at a cause (من المرجح أن الحادث نجم عن),
# which then counts as still to come too; the Arabic only (English "likely" is left out).
_PENDING_WORDS = frozenset(fold(w) for w in (
    "سوف المقبل المقبلة القادم القادمة المرتقب المرتقبة المنتظر المنتظرة المتوقع المتوقعة "
    "متوقع يتوقع تتوقع يعتزم تعتزم يعتزمون غدا بانتظار تأجيل تأجيلها تأجيله أرجأت إرجاء "
    "سيتم ستتم سيصل ستصل سيظل ستظل سيقع ستقع "  # future verbs too short for _FUTURE
    "يترقب تترقب يترقبون ينتظر تنتظر ينتظرون "  # "awaits": the market awaits the results
    "will tomorrow upcoming scheduled postponed adjourned expected").split())
_PENDING_FORMS = with_proclitics(_PENDING_WORDS)
_ARRIVING = with_proclitics(frozenset(fold(w) for w in "القادم القادمة".split()))
_EXPECTED = with_proclitics(frozenset(fold(w) for w in "المتوقع المتوقعة متوقع expected".split()))
_THAN = frozenset(fold(w) for w in "من مما than as".split())
_SCHEDULED = with_proclitics(frozenset(fold(w) for w in (
    "مقرر المقرر المقررة مقررا مرجح المرجح").split()))
_FROM = frozenset(("من", "ومن", "فمن"))  # من المقرر، ومن المرجح
_SOON = frozenset(fold(w) for w in (  # a time after "scheduled": المقررة اليوم، المقرر غدا
    "اليوم غدا الليلة مساء صباح الأحد الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت").split())
_PAST = frozenset(fold(w) for w in "الماضي الماضية أمس".split())  # المقررة السبت الماضي
_AFTER = frozenset(fold(w) for w in "بعد وبعد فبعد".split())  # بعد غد "the day after tomorrow"
_FUTURE = re.compile("^[وف]?س([يتن][ء-ي]{3,})$")  # سـ on an imperfect verb: سيزور، وستلتقي
_OBJECT = re.compile("(ها|هما|هم|كم|نا)$")  # an object pronoun: سيجريها "will hold it" (not
# ه: it is also a folded ة, and سياسة would be يا + سه)


def _marked(words: list[str]) -> bool:
    """Whether the (folded) words hold a word that tells of something still to come."""
    for i, w in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        then = words[i + 2] if i + 2 < len(words) else ""
        if w in _SCHEDULED:
            if before in _FROM or after == "ان" or (after in _SOON and then not in _PAST):
                return True
        elif w == "غد":  # "the day after tomorrow"
            if before in _AFTER:
                return True
        elif w in _PENDING_FORMS and not (w in _ARRIVING and after == "من") \
                and not (w in _EXPECTED and before in _THAN and after != "ان"):
            return True
    return False


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
    return _marked(words) or any(v in known for w in words for v in _verbs(w))


def asks_done(question: str, known: Container[str]) -> bool:
    """Whether the question asks for the outcome of something (a result, a verdict, what a
    meeting came to): a sentence that tells of it as still to come does not answer it. A
    question that itself looks ahead ("the expected sentence", "who will win") does not."""
    if pending(question, known):
        return False
    words = {bare(w) for w in fold(question).split()}
    return answer_type(question) == RESULT or bool(words & _DONE_QUESTION)
