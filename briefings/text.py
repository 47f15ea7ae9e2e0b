"""Text normalisation, script detection, hashing, sentence splitting, and Arabic terms
(a light stemmer, stop words, the terms of a text) for grouping, summaries and answers."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from sentencex import segment

_TATWEEL = "\u0640"
# A tatweel used as a dash ("الرياضي ـ جدة") is a dash; one that joins a prefix to a number
# or a Latin word ("الـ23", "بالـSMS") keeps them apart; any other is elongation, dropped.
_TATWEEL_DASH = re.compile(r"(?:(?<=\s)|^)\u0640+(?=\s|$)", re.M)
# (from the first tatweel of a run that has a word character before it, the whole run: a
# run of 300,000 was re-read from each of its tatweels, for minutes)
_TATWEEL_JOIN = re.compile(r"(?:(?<=\w)(?<!\u0640)|(?<=\u0640)(?<!\w\u0640))\u0640++"
                           r"(?=[0-9\u0660-\u0669\u06f0-\u06f9A-Za-z])")
_BIDI_AND_ZW = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
             "\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad"),
    None,
)
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Line breaks other than \n and \r (vertical tab, form feed, the file/group/record separators,
# NEL, U+2028, U+2029: what str.splitlines breaks at) are line breaks, not characters to
# drop: dropped, they glued the words on either side into one ("سطر\u2028عمودي").
_LINE_BREAK = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Never text: tag characters (invisible ASCII look-alikes), noncharacters, and U+FFFD (the
# mark of bytes an earlier program could not decode; decode.py drops such bytes the same way).
_NOT_TEXT = re.compile("[\U000e0000-\U000e007f\ufdd0-\ufdef\ufffd"
                       + "".join(f"{chr(p * 0x10000 + 0xfffe)}{chr(p * 0x10000 + 0xffff)}"
                                 for p in range(17)) + "]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_NON_WORD = re.compile(r"[^\w\s]+")
_WORD = re.compile(r"\w+")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                       "ؤ": "و", "ئ": "ي"})
_ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


# Controls that stand between words (NUL from C exporters, the unit separator; the other
# separators are line breaks): a space, not nothing, which would glue two words into one
_SEPARATORS = {0x00: " ", 0x1F: " "}


def normalize(text: str) -> str:
    """NFC, presentation forms to base letters, no tatweel, no control/bidi characters (a
    NUL or a separator between words is a space); every kind of line break a "\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_BREAK.sub("\n", text)
    text = _NOT_TEXT.sub("", text)
    text = _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFC", text)
    if _TATWEEL in text:
        text = _TATWEEL_DASH.sub("-", text)
        text = _TATWEEL_JOIN.sub(" ", text).replace(_TATWEEL, "")
    text = text.translate(_BIDI_AND_ZW)
    text = _CONTROL.sub("", text.translate(_SEPARATORS))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines).strip()


def one_line(text: str | None) -> str | None:
    """A short field from outside (a title, an outlet, an author) normalised to one line,
    or None when nothing is left."""
    return (" ".join(normalize(text).split()) or None) if text else None


def fold(text: str) -> str:
    """An aggressive form for hashing and similarity: no diacritics, unified letters."""
    text = _DIACRITICS.sub("", normalize(text).lower()).translate(_FOLD)
    return " ".join(_NON_WORD.sub(" ", text).split())


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def content_hash(text: str) -> str:
    return hashlib.sha256(fold(text).encode("utf-8")).hexdigest()


def sentence_hash(text: str) -> str:
    """Cache key of a sentence: its normalised form, whitespace collapsed."""
    return hashlib.sha256(" ".join(normalize(text).split()).encode("utf-8")).hexdigest()[:32]


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """A name from outside (a file name, a URL) safe to print on one terminal line: control,
    line-break and bidi-override characters are shown escaped (\\n, \\x1b, \\u202e)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def has_letters(text: str) -> bool:
    """True when the text has at least one letter (of any script)."""
    return any(ch.isalpha() for ch in text)


def has_words(text: str) -> bool:
    """True when the text has a letter or a digit (of any script): something to search."""
    return any(ch.isalnum() for ch in text)


def latin_ratio(text: str) -> float:
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return latin / (arabic + latin) if arabic + latin else 0.0


MAX_WORDS = 50  # a longer sentence goes to the translation model in pieces of at most this
_CLAUSE_END = re.compile(r"(?<=[،؛;:,])\s+")


def split_sentences(text: str, language: str = "ar") -> list[str]:
    """Whole sentences: paragraphs first, then sentencex (rule-based, no model download).

    Sentences are stored whole, however long (Arabic news prose often runs a paragraph
    into one sentence joined by commas): a summary shows whole sentences only. The
    translate stage cuts a long one into model-sized pieces (``model_pieces``) and joins
    their translations back into that one sentence.
    """
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        # sentencex's pieces are consecutive substrings of the paragraph; whether those so
        # far end a sentence is read from their last words only (``_tail``), so a long run
        # of "د." pieces is joined in one pass
        pending: list[str] = []
        tail = ""
        for piece in segment(language, paragraph):
            pending.append(piece)
            tail = _tail(tail, piece)
            if _ends_sentence(" ".join(tail.split())):
                out.append(" ".join("".join(pending).split()))
                pending, tail = [], ""
        if rest := " ".join("".join(pending).split()):
            out.append(rest)
    return [s for s in out if _WORD.search(s)]


_TAIL = 200  # characters of a sentence read to tell whether it ends (its last two words)


def _tail(tail: str, piece: str) -> str:
    """The last words of ``tail`` and then ``piece`` (spaces collapsed) within ``_TAIL``
    characters, without a word the cut went through; a single word longer than that is
    read by its end."""
    words = piece.split()
    text = tail + (" " if piece[:1].isspace() else "") + " ".join(words) \
        + (" " if words and piece[-1:].isspace() else "")
    if len(text) <= _TAIL:
        return text
    cut = text[-_TAIL:]
    if text[-_TAIL - 1] == " " or " " not in cut.strip():
        return cut
    return cut[cut.index(" ") + 1:]


_SENTENCE_END = re.compile(r"[.!?؟…][\"'»”’›)\]}>]*$")
# "د." (doctor), "أ.د.", "م." (engineer), "ود." at a piece's end: a title before a name, not
# a sentence end; but "2015 م." and "1436 ه." (a year's era) may end one.
_ABBREVIATION = re.compile("^(?:و?[\u0621-\u064a]\\.)+$")


def _ends_sentence(piece: str) -> bool:
    """True when sentencex's pieces so far (their last words: the rest does not count) end a
    sentence: they end with sentence-final punctuation that is not a one-letter
    abbreviation. Inside a paragraph, sentencex also breaks before "(2)" or after "د."
    ("قال د. | محمد ..."): those pieces are joined to what follows."""
    if not _SENTENCE_END.search(piece):
        return False
    tokens = piece.split(" ")
    if _ABBREVIATION.match(tokens[-1]):
        return len(tokens) > 1 and tokens[-2].isdigit()
    return True


def model_pieces(sentence: str, max_words: int = MAX_WORDS) -> list[str]:
    """A sentence in pieces of at most ``max_words`` words, for the translation model only
    (models are trained on sentences; their cost and memory grow with length): cut at the
    clause punctuation nearest the middle, else between words. Joined with spaces the
    pieces give the sentence back (whitespace collapsed)."""
    return _cap(" ".join(sentence.split()), max_words)


def _cap(sentence: str, max_words: int) -> list[str]:
    words_ = sentence.split(" ")
    if len(words_) <= max_words:
        return [sentence]
    middle = len(sentence) // 2
    cuts = [m.end() for m in _CLAUSE_END.finditer(sentence)]
    cuts = [c for c in cuts if 0 < c < len(sentence)]
    if cuts:
        cut = min(cuts, key=lambda c: abs(c - middle))
        head, tail = sentence[:cut].strip(), sentence[cut:].strip()
    else:
        half = len(words_) // 2
        head, tail = " ".join(words_[:half]), " ".join(words_[half:])
    return _cap(head, max_words) + _cap(tail, max_words)


# Arabic terms for matching: a light stemmer, stop words, the terms of a text.
#
# The API is small on purpose (story grouping, summaries and answers share it):
#
# * ``stem(word)``: the light stem of one word (folded first, so raw words are fine);
# * ``terms(text)``: the stems of a text's content words, in order (stop words, one-letter
#   words and bare numbers left out); ``numbers=True`` keeps numbers of two digits or more;
# * ``stop_words()``: Arabic (folded) and English stop words;
# * ``ordinals(text)``: the ordinal numbers ("first" ... "tenth") a text names as words.
#
# The stemmer is a "light" one (in the manner of Larkey's Light10): it removes what is
# attached to a word, never touches the root pattern, and always leaves at least three
# letters, so it neither merges unrelated short words (Snowball takes سكان and سكاكا both to
# سكا) nor splits one word's forms (قانون / قانونا, أمريكا / الأمريكي / الأمريكية):
#
# 1. one layer of proclitics: the article ال with what may precede it (وال بال كال فال لل
#    ...), or else a bare conjunction و on a word of five letters or more. A bare ب/ك/ل/ف
#    is never removed: it starts too many stems (بريطانيا, لبنان, فلسطين), so بجدة keeps
#    its ب (the answer stage reads such forms of place names: ``places``). Known flaw: a
#    root's own و goes on five-letter words (وزارة -> زار, but الوزارة -> وزار);
# 2. one suffix, longest first: pronouns (ها هم هما هن كم ه), plurals and duals (ات ون ين
#    ان تين تان), the nisba (ي يه يين يون, so الأمريكي ~ أمريكا), ة (folded to ه) and the
#    tanween alef (قانونا -> قانون); then a nisba ي left under it (الأمريكية -> امريك).

MIN_STEM = 3  # letters a stem always keeps

# The article with what may precede it, longest first.
_ARTICLE = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
# suffix -> letters the stem must keep after removing it
_SUFFIXES: tuple[tuple[str, int], ...] = tuple(sorted((
    ("هما", 3), ("يين", 3), ("يون", 3), ("تين", 4), ("تان", 4),
    ("ها", 3), ("هم", 3), ("هن", 3), ("كم", 3), ("ات", 3), ("ون", 5), ("ين", 5),
    ("ان", 5), ("يه", 3), ("يا", 3),
    ("ه", 3), ("ي", 3), ("ا", 3),
), key=lambda kv: -len(kv[0])))
# Ordinal words (folded; masculine and feminine, bare or with the article) -> number.
_ORDINALS = {
    f"{article}{stem}{ending}": n
    for n, stem in enumerate(("اول", "ثاني", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن",
                              "تاسع", "عاشر"), start=1)
    for article in ("", "ال")
    for ending in (("", "ي") if n == 1 else ("", "ه"))
}
_NOT_ARABIC = re.compile("[^\u0621-\u064a]")
_DIGITS = str.maketrans({**{chr(0x0660 + d): str(d) for d in range(10)},
                         **{chr(0x06F0 + d): str(d) for d in range(10)}})


def _strip_prefix(word: str) -> str:
    for article in _ARTICLE:
        if word.startswith(article) and len(word) - len(article) >= MIN_STEM - 1:
            return word[len(article):]
    if word[:1] == "و" and len(word) - 1 >= MIN_STEM + 1:
        return word[1:]
    return word


def _strip_suffixes(word: str) -> str:
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            break
    # a nisba left under a plural or feminine ending: الأمريكيين -> امريكي -> امريك
    if word.endswith("ي") and len(word) - 1 >= MIN_STEM:
        word = word[:-1]
    return word


@lru_cache(maxsize=300_000)
def stem(word: str) -> str:
    """The light stem of one word (folded first: raw text words are fine)."""
    folded = "".join(fold(word).split()).translate(_DIGITS)
    if not folded or _NOT_ARABIC.search(folded):
        return folded  # Latin words, numbers, mixed tokens: as folded
    return _strip_suffixes(_strip_prefix(folded))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Arabic stop words (folded, and their stems) and English ones."""
    from sumy.utils import get_stop_words  # imports requests: 0.7 s, only when first used

    arabic = {fold(w) for w in get_stop_words("arabic")}
    return frozenset(arabic) | frozenset(get_stop_words("english"))


def terms(text: str, numbers: bool = False) -> list[str]:
    """Stems of the content words of ``text`` in order; numbers (2+ digits) if asked."""
    stops = stop_words()
    out = []
    for w in words(text):
        if w in stops or len(w) < 2:
            continue
        if w.isdigit():
            if numbers:
                out.append(w.translate(_DIGITS))
            continue
        out.append(stem(w))
    return out


def ordinals(text: str) -> frozenset[int]:
    """The ordinals a text names as words: "أول طائرة" -> {1}, "الطائرة الثالثة" -> {3}.
    Two headlines that number different steps (the first relief plane, the second) report
    two events of one kind."""
    return frozenset(n for w in words(text) if (n := _ORDINALS.get(w)) is not None)
