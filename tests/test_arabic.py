from __future__ import annotations

import pytest

from briefings import candidates, cluster, redundancy, summarize
from briefings import text as arabic


@pytest.mark.parametrize("forms", [
    ("قانون", "قانونا", "القانون", "والقانون"),  # tanween alef, article, conjunction
    ("أمريكا", "الأمريكي", "الأمريكية", "الأمريكيين", "والأمريكيون"),  # nisba ~ the country
    ("سوريا", "السورية", "السوريين"),
    ("شركة", "الشركة", "شركات", "والشركات", "بالشركة"),
    ("الرياض", "بالرياض", "للرياض", "والرياض"),
    ("فلسطين", "الفلسطيني", "الفلسطينيين"),
    ("٣٦٣", "363"),  # Arabic-Indic digits
])
def test_forms_of_one_word_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({arabic.stem(w) for w in forms}) == 1, [arabic.stem(w) for w in forms]


@pytest.mark.parametrize("a, b", [
    ("سكان", "سكاكا"),  # Snowball: both سكا
    ("مصراتة", "مصر"),  # Misrata is not Egypt
    ("سلمان", "سلم"),
    ("لبنان", "لبن"),
])
def test_different_words_keep_different_stems(a: str, b: str) -> None:
    assert arabic.stem(a) != arabic.stem(b)


def test_stems_keep_three_letters_and_take_raw_words() -> None:
    assert all(len(arabic.stem(w)) >= 3 for w in ("وزير", "عمان", "كتب", "بيت", "ولد"))
    assert arabic.stem("الْقَانُونُ") == arabic.stem("قانون")  # diacritics folded
    assert arabic.stem("Reuters") == "reuters"


def test_terms_leave_out_stop_words_and_keep_numbers_when_asked() -> None:
    text = "قال الوزير إن 20 شخصا قتلوا في بغداد يوم ٢٢ يوليو"
    plain = arabic.terms(text)
    assert "20" not in plain and arabic.stem("بغداد") in plain
    assert not {"في", "ان", "قال"} & set(plain)
    numbered = arabic.terms(text, numbers=True)
    assert "20" in numbered and "22" in numbered


def test_grouping_summaries_and_answers_share_the_one_stemmer() -> None:
    assert summarize.stem is arabic.stem and cluster.terms is arabic.terms
    assert candidates.terms is arabic.terms and summarize.stop_words is arabic.stop_words
    assert redundancy.stop_words is arabic.stop_words
    assert arabic.stem("قانونا") == arabic.stem("قانون")  # Snowball: قان / قانو


@pytest.mark.parametrize(("text", "expected"), [
    ("وصول أول طائرة إغاثة سعودية إلى مطار عدن", {1}),
    ("الجولة الأولى من المفاوضات", {1}),
    ("وصول ثاني طائرة إغاثة لمطار عدن", {2}),
    ("طائرة إغاثة سعودية ثانية تهبط في عدن", {2}),
    ("وصول الطائرة الإغاثية الثالثة إلى عدن", {3}),
    ("اليوم العاشر من الحملة والجولة الثانية", {2, 10}),
    ("ثلاث طائرات تصل عدن يوم الثلاثاء", set()),  # numbers and weekdays are not steps
])
def test_ordinals_name_the_steps_a_headline_numbers(text: str, expected: set[int]) -> None:
    assert arabic.ordinals(text) == expected
