"""Readable outlet names, in Arabic and English.

Articles name their outlet in many ways: a site slug (SaudiNewsNet's ``sabq``,
``3alyoum``), a masthead as printed (``عكاظ``), a feed's title, or a display name
chosen in the config. The store keeps what the article gave (mapped through
``ingest.outlets`` when the config names it); everything shown to a reader goes
through :class:`Outlets`, which knows both names of the SaudiNewsNet outlets and of
the common agencies, plus whatever ``ingest.outlets`` adds::

    ingest:
      outlets:
        الزمان: Azzaman                          # English display name only
        example: {ar: "مثال", en: "Example News"}  # both
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .text import fold


@dataclass(frozen=True)
class Outlet:
    ar: str  # the outlet's Arabic name (its own masthead)
    en: str  # its name for English readers


# SaudiNewsNet's `source` values (and the spellings of their sites' addresses).
SAUDINEWSNET: dict[str, Outlet] = {
    "3alyoum": Outlet("عين اليوم", "Ain Alyoum"),
    "aawsat": Outlet("الشرق الأوسط", "Asharq Al-Awsat"),
    "aleqtisadiya": Outlet("الاقتصادية", "Al Eqtisadiya"),
    "aleqt": Outlet("الاقتصادية", "Al Eqtisadiya"),
    "aljazirah": Outlet("الجزيرة", "Al Jazirah"),
    "almadina": Outlet("المدينة", "Al Madina"),
    "almarsd": Outlet("المرصد", "Al Marsad"),
    "alriyadh": Outlet("الرياض", "Al Riyadh"),
    "alwatan": Outlet("الوطن", "Al Watan"),
    "alweeam": Outlet("الوئام", "Al Weeam"),
    "alyaum": Outlet("اليوم", "Al Yaum"),
    "arreyadi": Outlet("الرياضي", "Arreyadi"),
    "arreyadiyah": Outlet("الرياضية", "Arriyadiyah"),
    "arriyadiyah": Outlet("الرياضية", "Arriyadiyah"),
    "okaz": Outlet("عكاظ", "Okaz"),
    "sabq": Outlet("سبق", "Sabq"),
    "spa": Outlet("واس", "Saudi Press Agency"),
    "was": Outlet("واس", "Saudi Press Agency"),
}
# Mastheads and agencies as printed in Arabic articles -> their English name.
PRINTED: dict[str, str] = {
    "الزمان": "Azzaman", "أخبار العرب": "Akhbar Al Arab", "الشرق الأوسط": "Asharq Al-Awsat",
    "الحياة": "Al Hayat", "عكاظ": "Okaz", "سبق": "Sabq", "الجزيرة": "Al Jazeera",
    "العربية": "Al Arabiya", "الأهرام": "Al-Ahram", "القدس العربي": "Al-Quds Al-Arabi",
    "رويترز": "Reuters", "فرانس برس": "AFP", "أ ف ب": "AFP", "الأناضول": "Anadolu",
    "سكاي نيوز عربية": "Sky News Arabia", "بي بي سي": "BBC Arabic", "واس": "SPA",
    "البيان": "Al Bayan", "النهار": "An-Nahar", "الوسط": "Al Wasat", "اليوم السابع": "Youm7",
    "د ب أ": "dpa", "أ ش أ": "MENA", "وكالات": "agencies", "يو بي آي": "UPI",
    "أسوشيتد برس": "AP", "كونا": "KUNA", "وام": "WAM", "بنا": "BNA", "قنا": "QNA",
    "سبأ": "Saba",
}

# News agencies, folded: a dateline part naming one is not a place.
AGENCIES = frozenset(fold(a) for a in (
    "واس", "رويترز", "فرانس برس", "أ ف ب", "الأناضول", "د ب أ", "أ ش أ", "وكالات", "يو بي آي",
    "أسوشيتد برس", "كونا", "وام", "بنا", "قنا", "سبأ"))
_SLUG_NOISE = re.compile(r"^(https?://)?(www\.)?|\.(com|net|org|sa|com\.sa|org\.sa)/?$|[\s_.-]+")


def _key(name: str) -> str:
    """One spelling per name: case, hyphens, spaces, a www. or .com around it, and Arabic
    letter variants (أ/ا, ة/ه, ى/ي) do not matter."""
    name = name.strip().strip("«»\"'“”()")
    if name.isascii():
        return _SLUG_NOISE.sub("", name.lower())
    return fold(name)


class Outlets:
    """Both names of every known outlet, looked up by any name it goes by."""

    def __init__(self, extra: Mapping[str, object] | None = None) -> None:
        self._by: dict[str, Outlet] = {}
        for ar, en in PRINTED.items():
            self._add(Outlet(ar, en), ar, en)
        for slug, outlet in SAUDINEWSNET.items():  # their own names win over the above
            self._add(outlet, slug, outlet.ar, outlet.en)
        for name, value in (extra or {}).items():
            outlet = self._configured(name, value)
            self._add(outlet, name, outlet.en, *([outlet.ar] if outlet.ar != name else []))

    def _configured(self, name: str, value: object) -> Outlet:
        known = self._by.get(_key(name))
        ar_en: tuple[str | None, str | None]
        if isinstance(value, str):
            ar_en = (None, value)
        else:
            ar_en = (getattr(value, "ar", None), getattr(value, "en", None))
        ar = ar_en[0] or (known.ar if known else (name if not name.isascii() else None))
        en = ar_en[1] or (known.en if known else name)
        return Outlet(ar or en, en)

    def _add(self, outlet: Outlet, *names: str) -> None:
        for name in names:
            self._by[_key(name)] = outlet

    def get(self, name: str | None) -> Outlet | None:
        return self._by.get(_key(name)) if name else None

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def names(self, name: str) -> Outlet:
        """Both names of ``name``; an unknown outlet is shown as it was given."""
        return self.get(name) or Outlet(name, name)

    def english(self, name: str) -> str:
        return self.names(name).en

    def arabic(self, name: str) -> str:
        return self.names(name).ar

    def arabic_names(self) -> frozenset[str]:
        """Every known Arabic name, folded (as :func:`briefings.text.fold` gives them)."""
        return frozenset(fold(o.ar) for o in self._by.values() if not o.ar.isascii())


def english_list(names: Iterable[str], limit: int = 8) -> str:
    """``A, B, C and 2 more``: names in order, each once."""
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


@lru_cache(maxsize=8)
def _cached(items: tuple[tuple[str, object], ...]) -> Outlets:
    return Outlets(dict(items))


def registry(extra: Mapping[str, object] | None = None) -> Outlets:
    """The outlets known by default plus ``extra`` (``ingest.outlets``), built once."""
    return _cached(tuple(sorted((extra or {}).items(), key=lambda kv: kv[0])))


DEFAULT = Outlets()
