"""Outlet boilerplate learned at ingest: what recurs across one outlet's articles goes, news
stays (small hand-written Arabic examples; no shared data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from briefings import config
from briefings.boilerplate import Remover, learn, sample, strip_repeated
from briefings.config import Config
from briefings.ingest import Cleaner, ingest
from briefings.models import RawArticle
from briefings.store import MIGRATIONS, LearnedPattern, Store
from briefings.store.migrations import schema_version

from .builders import ConfigFactory, day_item, write_day

NEWS = [
    "افتتح أمير المنطقة مستشفى جديدا بسعة ثلاثمئة سرير في المدينة أمس.",
    "أعلنت الشرطة القبض على عصابة سرقت عشرين سيارة من الأحياء الشرقية.",
    "وقعت الوزارة عقدا لإنشاء خمس مدارس جديدة في القرى الشمالية.",
    "ارتفعت أسعار الخضار في الأسواق المركزية بنسبة عشرة في المائة هذا الأسبوع.",
    "أطلقت الجامعة برنامجا لتدريب ألف خريج على مهارات البرمجة.",
    "استقبل المحافظ وفدا من رجال الأعمال لبحث فرص الاستثمار في المحافظة.",
    "أغلقت البلدية ثلاثة مطاعم مخالفة لاشتراطات السلامة الصحية.",
    "دشن مدير التعليم حملة لصيانة المدارس قبل بدء العام الدراسي.",
]
SECOND = [
    "وأوضح المتحدث أن العمل سيستمر حتى نهاية الشهر الجاري.",
    "وأشار إلى أن الجهات المختصة تتابع الموضوع عن كثب.",
]
NAMES = ["خالد العمري", "سعد القحطاني", "منى الزهراني", "فهد الدوسري"]
CITIES = ["الرياض", "جدة", "أبها", "تبوك"]


def _item(outlet: str, i: int, content: str) -> dict[str, Any]:
    return day_item(outlet, f"http://{outlet}.test/{i}", f"عنوان الخبر رقم {i}", content)


def wahaa(i: int) -> dict[str, Any]:
    """An outlet no list knows: its dateline names it ("الواحة") between a byline and a city,
    and every article ends with a link line repeating the headline."""
    prefix = f"{NAMES[i % 4]}- الواحة- {CITIES[i % 4]}: " if i % 3 else f"الواحة- {CITIES[i % 4]}: "
    news = NEWS[i % len(NEWS)]
    return _item("wahaa", i, f"{prefix}{news} {SECOND[i % 2]}\n{SECOND[(i + 1) % 2]} "
                             f"رابط الخبر بموقع الواحة: عنوان الخبر رقم {i}")


def tagged(i: int) -> dict[str, Any]:
    """Another: a dateline line of its own, and a tag line glued after the last sentence."""
    return _item("nakheel", i, f"النخيل – {CITIES[i % 4]}\n{NEWS[i % len(NEWS)]}\n"
                               f"{SECOND[i % 2]} سمات {CITIES[i % 4]} التعليم الصحة")


def stored_text(store: Store, ids: list[int]) -> list[list[str]]:
    return [[s.text_src for s in ss if s.position > 0] for ss in store.sentences(ids).values()]


def test_first_run_learns_from_its_own_batch(cfg: Config, store: Store, tmp_path: Path) -> None:
    write_day(tmp_path / "day", [wahaa(i) for i in range(8)] + [tagged(i) for i in range(8)])
    src = config.SourceConfig(name="day", type="folder", path=str(tmp_path / "day"))
    report = ingest(cfg, store, [src])
    assert len(report.added) == 16 and not report.skipped
    for sentences in stored_text(store, report.added):
        joined = " ".join(sentences)
        assert "الواحة-" not in joined and "رابط الخبر" not in joined, sentences
        assert "سمات" not in joined and "النخيل –" not in joined, sentences
        assert sentences[0] in NEWS  # the dateline went, the sentence stayed whole
        assert sentences[-1] in SECOND
    arts = store.articles(report.added)
    assert {a.dateline for a in arts if a.outlet == "wahaa"} == set(CITIES)
    learned = store.outlet_boilerplate()
    assert LearnedPattern("mark", "الواحه") in learned["wahaa"]  # folded
    assert LearnedPattern("tail", "رابط الخبر بموقع الواحة:") in learned["wahaa"]
    assert LearnedPattern("tail", "سمات") in learned["nakheel"]


@pytest.mark.parametrize("title", [
    "بالصور .. حريق في المستودع رقم {i} يلتهم بضائع ومعدات بملايين الريالات",
    "حريق المستودع رقم {i}.. والخسائر بالملايين!!"])  # the rest ends as a sentence would
def test_a_link_line_whose_headline_holds_dots_goes_whole(cfg: Config, store: Store,
                                                           tmp_path: Path, title: str) -> None:
    """The headline a link line repeats may hold ".." ("بالصور .. ..."), which splits the
    line in two sentences: the tail and the rest of the headline both go."""
    def photos(i: int) -> dict[str, Any]:
        item = wahaa(i)
        item["title"] = title.format(i=i)
        item["content"] = item["content"].replace(f"عنوان الخبر رقم {i}", item["title"])
        return item

    write_day(tmp_path / "day", [wahaa(i) for i in range(8)] + [photos(i) for i in range(8, 11)])
    report = ingest(cfg, store, [config.SourceConfig(name="day", type="folder",
                                                     path=str(tmp_path / "day"))])
    for sentences in stored_text(store, report.added):
        assert sentences[-1] in SECOND, sentences


def test_a_later_small_batch_learns_from_the_store(cfg: Config, store: Store,
                                                   tmp_path: Path) -> None:
    write_day(tmp_path / "day", [wahaa(i) for i in range(8)])
    ingest(cfg, store, [config.SourceConfig(name="day", type="folder",
                                            path=str(tmp_path / "day"))])
    write_day(tmp_path / "next", [wahaa(10)])  # one article: too few to learn from alone
    report = ingest(cfg, store, [config.SourceConfig(name="next", type="folder",
                                                     path=str(tmp_path / "next"))])
    (sentences,) = stored_text(store, report.added)
    assert sentences[0] == NEWS[10 % len(NEWS)] and "رابط الخبر" not in " ".join(sentences)
    # without learning, the same article keeps its furniture
    off = Cleaner(config.from_mapping({"ingest": {"learn_boilerplate": False}}))
    raw = RawArticle("x", "x.json#0", wahaa(10)["content"], title="عنوان", outlet="wahaa")
    art = off.clean(raw, None)
    assert not isinstance(art, str) and art.sentences[0].startswith(NAMES[2])
    assert "رابط الخبر" in art.sentences[-1]


def test_samples_are_bounded_per_outlet(write_config: ConfigFactory, tmp_path: Path) -> None:
    cfg = config.load(write_config(ingest={"learn_window": 5}))
    store = Store(cfg.db_path)
    write_day(tmp_path / "day", [wahaa(i) for i in range(12)])
    ingest(cfg, store, [config.SourceConfig(name="day", type="folder",
                                            path=str(tmp_path / "day"))])
    assert len(store.outlet_samples("wahaa", 100)) == 5
    store.close()


def test_news_that_mentions_a_website_or_an_address_stays() -> None:
    website = "ودعت الوزارة المواطنين إلى التسجيل عبر موقعها www.moh.gov.sa قبل نهاية الشهر."
    email = "ويمكن إرسال المشاركات إلى البريد الإلكتروني info@example.org حتى نهاية الشهر."
    link = "وللاطلاع على النتائج يمكن زيارة الرابط https://example.org/results مباشرة."
    lines = [NEWS[0], website, email, link, "3 -", "https://example.org/x", "kateb@example.com",
             NEWS[1], "للتواصل مع الكاتب ارسل رسالة SMS", "تبدأ بالرمز (12) ثم مسافة ثم نص "
             "الرسالة إلى", "88591 - Stc", NEWS[2]]
    assert Remover.general_lines(lines) == [NEWS[0], website, email, link, NEWS[1], NEWS[2]]
    kept, _ = Remover().sentences([NEWS[0], website, email])
    assert kept == [NEWS[0], website, email]


def test_a_contact_line_in_the_middle_drops_only_itself() -> None:
    lines = ["للتواصل: 0551234567", *NEWS]
    assert Remover.general_lines(lines) == NEWS


def test_datelines_naming_an_agency_or_the_outlet_are_stripped_without_learning() -> None:
    r = Remover(names=frozenset(["واس"]), own=frozenset(["الشرق الاوسط"]))
    out, place = r.sentences([f"الرياض - واس: {NEWS[0]}", f"* أثينا - «الشرق الأوسط»: {NEWS[1]}",
                              f"قال الله – عز وجل – على لسان موسى: {NEWS[2]}"])
    assert out == [NEWS[0], NEWS[1], f"قال الله – عز وجل – على لسان موسى: {NEWS[2]}"]
    assert place is None  # the agency is the last part: no place after it
    out, place = r.sentences([f"واس - جدة: {NEWS[3]}"])
    assert out == [NEWS[3]] and place == "جدة"


def test_what_a_few_articles_share_is_not_learned() -> None:
    lead = "بعث خادم الحرمين الشريفين برقية تهنئة إلى رئيس الدولة بمناسبة العيد."
    samples = [sample([lead if i < 5 else NEWS[i % len(NEWS)]]) for i in range(30)]
    assert not learn(samples, 5, 0.2).leads  # 5 of 30 is below a 0.2 share
    samples += [sample([lead])] * 2
    assert "بعث" in learn(samples, 5, 0.2).leads  # 7 of 32 reaches it
    assert not learn(samples[:4], 5, 0.2).leads  # never from fewer than min_articles


def test_a_learned_tail_that_is_a_sentence_stays() -> None:
    ending = "يذكر أن المشروع بدأ قبل عامين بتكلفة مليار ريال."
    learned = learn([sample([NEWS[i % 8], ending]) for i in range(10)], 5, 0.2)
    assert "يذكر أن" in learned.tails
    out, _ = Remover(learned).sentences([NEWS[0], ending])
    assert out == [NEWS[0], ending]


def test_a_byline_repeated_in_the_text_is_stripped_but_not_a_name_that_starts_news() -> None:
    assert strip_repeated(f"سبق- جدة: {NEWS[0]}", "سبق- جدة:") == NEWS[0]
    # the rest of the dateline ("سبق:") is the dateline rule's
    assert strip_repeated(f"فهد الدوسري - سبق: {NEWS[0]}", "فهد الدوسري") == f"سبق: {NEWS[0]}"
    news = "محمد بن سلمان يستقبل وزير الدفاع الأمريكي في جدة."
    assert strip_repeated(news, "محمد") == news


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_sample_of_nothing_is_empty(text: str) -> None:
    assert sample([ln for ln in text.split("\n") if ln.strip()]) == frozenset()


def test_migration_from_a_version_9_store(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = Store(path)
    store.db.execute("DROP TABLE outlet_samples")
    store.db.execute("DROP TABLE outlet_boilerplate")
    store.db.execute("DELETE FROM schema_migrations WHERE name = '_m010_outlet_boilerplate'")
    store.close()
    store = Store(path)
    assert schema_version(store.db) == len(MIGRATIONS)
    assert store.outlet_boilerplate() == {} and store.outlet_samples("x", 5) == []
    store.close()


@pytest.mark.parametrize(("raw", "clean"), [
    ("في الـ23 من يوليو", "في ال 23 من يوليو"),  # not "ال23": the number stays a word
    ("بالـSMS", "بال SMS"),
    ("الرياضي ـ جدة", "الرياضي - جدة"),  # a tatweel used as a dash
    ("مـــرحبا بالـــعالم", "مرحبا بالعالم"),  # elongation
])
def test_tatweel_never_glues_words(raw: str, clean: str) -> None:
    from briefings.text import normalize, words

    assert normalize(raw) == clean
    if "23" in raw:
        assert "23" in words(raw)


def test_outlet_and_learning_options(tmp_path: Path) -> None:
    from briefings.config import OutletNames
    from briefings.errors import ConfigError

    path = tmp_path / "config.yaml"
    path.write_text('ingest:\n  outlets: {sabq: {ar: "سبق", en: "Sabq Online"}, الزمان: Azzaman}\n'
                    "  learn_min_articles: 3\n  learn_share: 0.5\n", encoding="utf-8")
    cfg = config.load(path)
    assert cfg.ingest.outlets == {"sabq": OutletNames("سبق", "Sabq Online"), "الزمان": "Azzaman"}
    for text, key in [("outlets: {x: {fr: X}}", "ingest.outlets.x"),
                      ('outlets: {x: ""}', "ingest.outlets.x"),
                      ("outlets: {x: {ar: null}}", "ingest.outlets.x"),
                      ("learn_share: 0", "ingest.learn_share"),
                      ("learn_min_articles: 1", "ingest.learn_min_articles"),
                      ("learn_window: 4", "ingest.learn_window")]:
        path.write_text(f"ingest:\n  {text}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            config.load(path)
        assert info.value.key == key, text


def test_the_content_hash_is_what_earlier_versions_stored(cfg: Config) -> None:
    """A folder's files are read again on every run and known by their hash: neither the
    tatweel rule nor dropped boilerplate may change it."""
    from briefings.text import content_hash

    body = [f"أعلنت الوزارة نتائج الـ23 مدرسة الأولى في {NEWS[0]}", "www.example.org",
            "للتواصل مع الكاتب ارسل رسالة SMS", *NEWS[1:3]]
    raw = RawArticle("x", "x.txt", "عنوان الخبر\n" + "\n".join(body))
    art = Cleaner(cfg).clean(raw, None)
    assert not isinstance(art, str)
    assert art.content_hash == content_hash("\n".join(body).replace("الـ23", "ال23"))
    assert art.sentences[0].startswith("أعلنت الوزارة نتائج ال 23 مدرسة")
    assert art.sentences[1:] == tuple(NEWS[1:3])  # the link and the contact line went


def test_a_cleaner_without_a_store_strips_known_datelines(cfg: Config) -> None:
    raw = RawArticle("x", "x.json#0", f"جدة - واس: {NEWS[0]}\n{NEWS[1]}", title="عنوان",
                     outlet="alyaum")
    art = Cleaner(cfg).clean(raw, None)
    assert not isinstance(art, str)
    assert art.sentences == (NEWS[0], NEWS[1]) and art.dateline is None  # "جدة" comes first
    raw = RawArticle("x", "x.json#1", f"سبق- جدة: {NEWS[2]} {NEWS[3]}", title="عنوان",
                     outlet="sabq")
    art = Cleaner(cfg).clean(raw, None)
    assert not isinstance(art, str) and art.sentences == (NEWS[2], NEWS[3])
    assert art.dateline == "جدة"
