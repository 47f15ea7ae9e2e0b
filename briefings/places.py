"""Places a question can fix: countries with their other names and adjectives, and the
cities and regions that belong to each (a built-in gazetteer of 135 countries,
``gazetteer.txt``; no data download).

A question that names a place ("the heat wave in Egypt", "a camel crash near Najran") is
answered only by an article about that place: another country's heat wave or another
city's crash is a near miss, the commonest confident wrong answer of a word-overlap
ranking. ``fixed(words)`` gives, for each question word that names a place, the stems an
article may hold to be about it: the place's own forms and adjectives and, for a country,
its cities'. Stems come from the answer index's stemmer (``answer_terms``), so the nisba
(المصري، الهندية) in an article meets the name in a question.

Left out on purpose: names that are common words as well (الخبر "the news" / al-Khobar,
صور "pictures" / Tyre, المدينة "the city" / Medina, المملكة "the kingdom", بنين "boys" /
Benin, ماليه "financial" / Malé, and names the stemmer reduces to a common word: ألبانيا
to بان "that", ألماتي to مات "died"), and names of more than one word (only their one-word
forms are listed: أبوظبي, not أبو ظبي).

A country's names and adjectives are one word for a question (``same_country``): "the
Afghan province" is answered by "in Afghanistan".

A capital that acts in a question ("the measure Manama took") stands for its country, and
a country for its capital: ``stands_for`` gives the other's stems, which the ranking
matches as a related form. Not where something happens ("drowned in Cairo"): there the
capital is a city.

Story grouping asks where a report happens: ``named(headline)`` gives the places an Arabic
headline names, ``held(stems)`` every place an article's terms hold (see ``storymatch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from . import answer_terms as terms
from .text import fold

# gazetteer.txt has one country per line: its names and adjectives, then "|" and its cities
# and regions (several spellings each, as the press writes them; "*" marks the capital,
# which also stands for its country: "Washington says"; "~" an adjective, which names no
# place in a question). The same in English after "||". An indented line goes on the one
# above.
GAZETTEER = Path(__file__).with_name("gazetteer.txt")


@lru_cache(maxsize=2)
def _lines(arabic: bool) -> list[str]:
    return [line.split("||")[0 if arabic else 1]
            for line in GAZETTEER.read_text("utf-8").strip().replace("\n    ", " ").splitlines()]


_DEFINITE = ("", "و", "ف", "ب", "ك", "وب", "فب", "وك")  # before a name's article: بالرياض
_INDEFINITE = (*_DEFINITE, "ل", "ول", "فل")  # before a name without one: لمصر، وبجدة


def _written(name: str) -> set[str]:
    """A name as Arabic text writes it (folded), a conjunction or preposition attached. A
    name listed with its article keeps it (الرياض، للرياض; رياض is "gardens", خرج "went
    out", هند a woman's name); ل does not go before a name that starts with ل (للحج is
    "for the Hajj", not Lahj)."""
    name = fold(name)
    if name.startswith("ال"):
        return {p + name for p in _DEFINITE} | {p + "لل" + name[2:] for p in ("", "و", "ف")}
    return {p + name for p in _INDEFINITE if not (p.endswith("ل") and name.startswith("ل"))}


@lru_cache(maxsize=2)
def _names(arabic: bool) -> dict[str, list[tuple[int, str]]]:
    """Each way a question may write a place's name (folded, a preposition attached) ->
    (line, the name as listed) of each place it names (عمان: Oman, and Jordan's capital).
    Only names are stemmed, and only those a question holds (``_place``)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for i, part in enumerate(_lines(arabic)):
        for w in part.replace("|", " ").split():
            if w[0] != "~":
                name = w.lstrip("*")
                for written in _written(name) if arabic else {name.lower()}:
                    out.setdefault(written, []).append((i, w))
    return out


@lru_cache(maxsize=512)
def _country(arabic: bool, line: int) -> frozenset[str]:
    """The stems of the country of ``line``: its names and adjectives."""
    country = _lines(arabic)[line].partition("|")[0]
    return frozenset().union(*(_forms(w.lstrip("~"), arabic) for w in country.split()))


@lru_cache(maxsize=512)
def _place(arabic: bool, line: int, name: str) -> frozenset[str]:
    """The stems an article about the place ``name`` of ``line`` holds: a country's own
    forms and adjectives and its cities'; a city's own; a capital's and its country's."""
    country, _, cities = _lines(arabic)[line].partition("|")
    own = _country(arabic, line)
    if name in country.split():
        return own.union(*(_forms(w.lstrip("*"), arabic) for w in cities.split()))
    return frozenset(_forms(name.lstrip("*"), arabic)) | (own if name[0] == "*" else set())


_GLUED = ("", "ب", "ل", "ك", "وب", "ول", "فب", "فل")  # prepositions the stemmer leaves
# on a word (it takes a bare one off none: one starts many names, بريطانيا، لبنان)


def _forms(name: str, arabic: bool) -> set[str]:
    """The stems of a name, and in Arabic of its forms with a preposition attached
    (بجدة، لمصر), which the stemmer leaves whole."""
    bare = name[2:] if arabic and name.startswith("ال") else name
    words = [p + bare if p else name for p in _GLUED] if arabic else [name]
    return {t for w in words for t in terms.sentence_terms(w, arabic)[:1] if len(t) > 2}


def fixed(stems: Mapping[str, str], arabic: bool) -> dict[str, frozenset[str]]:
    """The places a question fixes: of its (folded) words with their stems (``stems``),
    those that name one, by their stem -> the stems an article about the place holds (its
    own forms and adjectives; for a country, its cities'; for a capital, its country's).
    An adjective does not fix a place ("the American space agency" is not about America)."""
    names = _names(arabic)
    return {stem: frozenset().union(*(_place(arabic, i, name) for i, name in names[w]))
            for w, stem in stems.items() if w in names}


@lru_cache(maxsize=2)
def _countries_of(arabic: bool) -> dict[str, frozenset[int]]:
    """Each stem of a country's names and adjectives -> the lines of the countries it names."""
    out: dict[str, set[int]] = {}
    for line in range(len(_lines(arabic))):
        for stem in _country(arabic, line):
            out.setdefault(stem, set()).add(line)
    return {stem: frozenset(lines) for stem, lines in out.items()}


def same_country(stems: Mapping[str, str], arabic: bool) -> dict[str, frozenset[str]]:
    """Of a question's (folded) words with their stems, those naming a country by a name or
    an adjective, by stem -> the stems of all its names and adjectives, which the ranking
    matches as the word itself: the stemmer leaves some apart (الأفغانية / أفغانستان،
    الإماراتي / الإمارات، الأمريكي / الأميركي), yet "the Afghan province" asks about
    Afghanistan. A stem that names two countries names neither."""
    of = _countries_of(arabic)
    return {stem: _country(arabic, next(iter(lines)))
            for stem in stems.values() if len(lines := of.get(stem, frozenset())) == 1}


@lru_cache(maxsize=512)
def _counterpart(arabic: bool, line: int, name: str) -> frozenset[str]:
    """What a capital stands for and what stands for a country: a capital's country (its
    names and adjectives: أنقرة for تركيا، التركية), a country's capital; none for a city."""
    country, _, cities = _lines(arabic)[line].partition("|")
    if name in country.split():
        capitals = [w for w in cities.split() if w[0] == "*"]
        return frozenset().union(*(_forms(w[1:], arabic) for w in capitals))
    return _country(arabic, line) if name[0] == "*" else frozenset()


# Before a place, words that make it where something happens ("a boat sank in Cairo"), not
# who acts: there a capital is a city, and its country's other cities are near misses
_WHERE = frozenset(fold(w) for w in (
    "في الى إلى من داخل قرب خارج وسط شمال جنوب شرق غرب شمالي جنوبي شرقي غربي مدينة "
    "العاصمة in at near from to into").split())
_AT = ("ب", "وب", "فب")  # "in": بالقاهرة; not ل "for, to" (اتهامات للرياض: Saudi Arabia)


def stands_for(question: str, stems: Mapping[str, str], arabic: bool
               ) -> dict[str, frozenset[str]]:
    """Of a question's (folded) words with their stems, those naming a country, or a capital
    that acts, by stem -> the stems of the other: "what did Manama do" is answered by
    "Bahrain recalled its ambassador", a meeting "Turkey asked for" by "at Ankara's
    request". A capital where something happens (في القاهرة، بالرياض) stands for nothing;
    a country there still has its capital. Only the word before a name is read, so a
    capital after a noun ("Riyadh's rain", أمطار الرياض) counts as acting. A name of two
    places (عمان: Oman, and Jordan's capital) stands for neither."""
    names = _names(arabic)
    words = fold(question).split() if arabic else re.findall("[a-z]+", question.lower())
    out: dict[str, frozenset[str]] = {}
    for k, w in enumerate(words):
        if w not in names or w not in stems or len({i for i, _ in names[w]}) > 1:
            continue
        where = (k and words[k - 1] in _WHERE) or any(
            w.startswith(p) and w[len(p):] in names for p in _AT)
        found = frozenset().union(*(_counterpart(arabic, i, name) for i, name in names[w]
                                    if not (where and name[0] == "*")))
        if found:
            out[stems[w]] = out.get(stems[w], frozenset()) | found
    return out


# -- where a report happens (story grouping) --------------------------------------------

# Names a headline uses far more often as another word: "financial", "shame" (شرم برم)
_NOT_IN_HEADLINES = frozenset({"مالي", "شرم"})
_WORD = re.compile("[\u0621-\u064a]+")  # an Arabic word of a (folded) headline


def _key(line: int, name: str) -> str:
    """One key for a city or region whatever its spelling (برمنغهام / برمنجهام, جيزان /
    جازان): the skeleton of the name without its article."""
    return f"{line}:{terms.skeleton(fold(name.lstrip('*')).removeprefix('ال'))}"


@lru_cache(maxsize=1)
def _headline_names() -> dict[str, frozenset[str]]:
    """Each way a headline may write a place's name -> the place: a country (its line
    number), which its capital stands for too, or another city or region (``_key``).
    Adjectives name no place here (الرئيس المصري is a person, القطار الإسباني a train),
    except the feminine ones spelled as the country is: الأسهم السعودية names Saudi Arabia,
    as does any article about it."""
    out: dict[str, set[str]] = {}
    for i, part in enumerate(_lines(True)):
        country, _, cities = part.partition("|")
        names = [(w, str(i)) for w in country.split() if w[0] != "~"]
        names += [(w.lstrip("*"), str(i) if w[0] == "*" else _key(i, w))
                  for w in cities.split()]
        for name, place in names:
            if len(fold(name).removeprefix("ال")) >= 3 and fold(name) not in _NOT_IN_HEADLINES:
                for form in _written(name):
                    out.setdefault(form, set()).add(place)
    return {k: frozenset(v) for k, v in out.items()}


def named(headline: str) -> frozenset[str]:
    """The places an Arabic headline names (``_headline_names``); none for other text."""
    names = _headline_names()
    return frozenset().union(*(names.get(w, frozenset()) for w in _WORD.findall(fold(headline))))


@lru_cache(maxsize=1)
def _held() -> dict[str, frozenset[str]]:
    """Each stem of a place's name or adjective (a preposition attached or not) -> the
    places it names; a city's stems name its country too."""
    out: dict[str, set[str]] = {}
    for i, part in enumerate(_lines(True)):
        country, _, cities = part.partition("|")
        for w in country.split():
            for stem in _forms(w.lstrip("~"), True):
                out.setdefault(stem, set()).add(str(i))
        for w in cities.split():
            for stem in _forms(w.lstrip("*"), True):
                out.setdefault(stem, set()).update({str(i), _key(i, w)})
    return {k: frozenset(v) for k, v in out.items()}


def held(stems: Iterable[str]) -> frozenset[str]:
    """Every place an article whose terms are ``stems`` names, as ``named`` gives them. By
    stem, so a common word that stems like a name (خرج / الخرج) counts too: that only
    ever keeps two reports together, never splits them."""
    table = _held()
    return frozenset().union(*(table[t] for t in set(stems) if t in table))
