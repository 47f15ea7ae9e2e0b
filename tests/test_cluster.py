"""Story grouping on small hand-written Arabic days: lookalikes apart, one event together
(also in other words), cross-outlet copies in one story, stable ids, stories ranked by
outlets; the two seed articles in one story with the default configuration."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from briefings import cluster, config, pipeline, places, text
from briefings.ingest import ingest
from briefings.store import Store
from briefings.storymatch import Doc, Params, assign

from .builders import SEEDS, write_day

# Unrelated news of the day: they make common news words common, as a real window does.
BACKGROUND = [
    ("توقعات بأمطار رعدية على مرتفعات عسير",
     "توقعت هيئة الأرصاد هطول أمطار رعدية على مرتفعات منطقة عسير والباحة مع رياح نشطة "
     "مثيرة للأتربة على المناطق الشرقية خلال الأيام المقبلة."),
    ("الهلال يبدأ معسكره الصيفي في النمسا",
     "بدأ فريق الهلال الأول لكرة القدم معسكره الإعدادي في النمسا استعدادا للموسم الرياضي "
     "الجديد بمشاركة جميع اللاعبين المحترفين والمدرب الروماني."),
    ("افتتاح معرض الكتاب في جدة بمشاركة 300 دار نشر",
     "افتتح أمير منطقة مكة المكرمة معرض جدة الدولي للكتاب بمشاركة ثلاثمئة دار نشر عربية "
     "وأجنبية، ويستمر المعرض عشرة أيام."),
    ("وزارة الصحة تطلق حملة للتطعيم ضد الحصبة",
     "أطلقت وزارة الصحة حملة وطنية للتطعيم ضد الحصبة تستهدف الأطفال في جميع مناطق المملكة "
     "خلال الشهر المقبل في المراكز الصحية."),
    ("ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية",
     "ارتفعت أسعار النفط في التعاملات الآسيوية بعد بيانات أظهرت تراجع المخزونات الأمريكية "
     "من الخام أكثر من المتوقع الأسبوع الماضي."),
    ("بلدية الدمام تزيل مخالفات على الواجهة البحرية",
     "أزالت بلدية الدمام عددا من المخالفات على الواجهة البحرية ضمن حملة لتحسين المشهد "
     "الحضري وتنظيم الأكشاك والبسطات."),
]
# Quarterly results of other companies: the window learns that results words are common.
OTHER_RESULTS = [
    (f"{verb} صافي أرباح {name} في الربع الثاني",
     f"أعلنت شركة {name} عن {verb} صافي أرباحها في الربع الثاني من العام الجاري مقارنة "
     f"بالربع المماثل من العام الماضي، وعزت الشركة ذلك إلى {why}.")
    for verb, name, why in [("ارتفاع", "جرير", "زيادة المبيعات في الفروع الجديدة"),
                            ("تراجع", "ينساب", "ارتفاع تكاليف اللقيم"),
                            ("ارتفاع", "الاتصالات", "نمو خدمات البيانات"),
                            ("تراجع", "التصنيع", "الصيانة الدورية للمصانع"),
                            ("ارتفاع", "صافولا", "تحسن هوامش السكر")]]
# Two companies' quarterly results: one kind of event, two events.
RESULTS_A = ("ارتفاع صافي أرباح المراعي 12% في الربع الثاني",
             "أعلنت شركة المراعي عن ارتفاع صافي أرباحها في الربع الثاني من العام الجاري بنسبة "
             "12 في المئة إلى 540 مليون ريال مقارنة بالربع المماثل من العام الماضي، وعزت الشركة "
             "الارتفاع إلى نمو المبيعات.")
RESULTS_B = ("تراجع صافي أرباح سابك 8% في الربع الثاني",
             "أعلنت شركة سابك عن تراجع صافي أرباحها في الربع الثاني من العام الجاري بنسبة 8 في "
             "المئة إلى 5 مليارات ريال مقارنة بالربع المماثل من العام الماضي، وعزت الشركة "
             "التراجع إلى انخفاض أسعار البيع.")
# One event, two outlets, different wording: a shared place, name and number.
NILE_A = ("مقتل 21 في غرق مركب بنهر النيل في الوراق",
          "لقي 21 شخصا على الأقل مصرعهم إثر غرق مركب في نهر النيل بمنطقة الوراق في القاهرة "
          "بعد اصطدامه بصندل، وقالت السلطات إن بين الضحايا نساء وأطفالا.")
NILE_B = ("ارتفاع ضحايا غرق مركب الوراق في النيل إلى 21 قتيلا",
          "ارتفع عدد ضحايا غرق المركب في نهر النيل بالوراق إلى 21 قتيلا بينهم أطفال ونساء، "
          "فيما تواصل فرق الإنقاذ البحث عن مفقودين في النيل.")


# Ministers' visits and meetings: the window learns that visit words are common news words.
VISITS = [
    ("وزير الصحة يزور مستشفى الملك فهد في جازان",
     "وصل وزير الصحة إلى جازان أمس في زيارة تفقد خلالها مستشفى الملك فهد المركزي، والتقى "
     "المرضى واطلع على سير العمل في أقسام الطوارئ."),
    ("وزير التجارة يبحث مع نظيره الكويتي زيادة التبادل التجاري",
     "بحث وزير التجارة مع نظيره الكويتي خلال زيارته الرياض أمس سبل زيادة التبادل التجاري "
     "بين البلدين، والتقى خلال الزيارة رجال الأعمال."),
    ("وزير الإسكان يزور حائل لبحث سير المشروعات",
     "وصل وزير الإسكان إلى حائل أمس في زيارة يلتقي خلالها أمير المنطقة لبحث سير العمل في "
     "مشروعات الإسكان وأمن المساكن."),
    ("وزير الداخلية العراقي يبحث أمن بغداد",
     "بحث وزير الداخلية العراقي مع قادة الشرطة أمس خطة أمن بغداد خلال زيارة لمقر القيادة، "
     "ويلتقي خلال الأسبوع المسؤولين في المحافظات."),
]
# One visit told by two outlets in other words (cosine about 0.37): the names stay.
JORDAN_A = ("ناصر جودة يزور بغداد لبحث أمن الحدود",
            "وصل وزير الخارجية الأردني ناصر جودة إلى بغداد أمس في زيارة يلتقي خلالها رئيس "
            "الوزراء حيدر العبادي لبحث إعادة فتح معبر طريبيل الحدودي وتأمين الطريق الدولي بين "
            "البلدين.")
JORDAN_B = ("جودة: نعمل مع العراق لإعادة فتح طريبيل",
            "قال ناصر جودة بعد لقائه العبادي إن عمان تعمل مع الحكومة العراقية على إعادة فتح "
            "المنفذ الحدودي، مشيرا إلى أن التجارة بين البلدين تراجعت كثيرا منذ إغلاق طريبيل.")
# Another minister's visit to Baghdad, as close to JORDAN_A in words (cosine about 0.33).
FRENCH_VISIT = ("وزير الدفاع الفرنسي يزور بغداد لبحث أمن القوات",
                "وصل وزير الدفاع الفرنسي جان إيف لودريان إلى بغداد أمس في زيارة يلتقي خلالها "
                "المسؤولين العراقيين لبحث التعاون العسكري وتدريب القوات في قاعدة الحبانية.")
# The first and the second relief plane: two events worded alike; and the first again.
PLANE_1 = ("وصول أول طائرة إغاثة سعودية إلى مطار عدن",
           "هبطت في مطار عدن الدولي أول طائرة إغاثة سعودية تحمل مواد غذائية وطبية، في أول "
           "رحلة منذ إعادة تشغيل المطار.")
PLANE_1B = ("أول طائرة إغاثية سعودية تهبط في مطار عدن",
            "هبطت أول طائرة إغاثة سعودية في مطار عدن الدولي محملة بمواد غذائية وطبية بعد "
            "إعادة تشغيل المطار.")
PLANE_2 = ("وصول ثاني طائرة إغاثة سعودية إلى مطار عدن",
           "هبطت في مطار عدن الدولي ثاني طائرة إغاثة سعودية تحمل مواد غذائية وطبية، بعد "
           "يومين من إعادة تشغيل المطار.")

# Congratulation cables to two countries: worded alike, two events; and one to Egypt again.
EGYPT_CABLE = ("خادم الحرمين يهنئ رئيس مصر باليوم الوطني",
               "بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز برقية تهنئة لرئيس جمهورية "
               "مصر العربية بمناسبة ذكرى اليوم الوطني لبلاده، أعرب فيها عن أصدق التهاني وأطيب "
               "التمنيات بالصحة والسعادة.")
OMAN_CABLE = ("خادم الحرمين يهنئ سلطان عمان بيوم النهضة",
              "بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز برقية تهنئة لسلطان عمان "
              "بمناسبة ذكرى يوم النهضة لبلاده، أعرب فيها عن أصدق التهاني وأطيب التمنيات "
              "بالصحة والسعادة.")
EGYPT_CABLE_B = ("خادم الحرمين يهنئ الرئيس السيسي باليوم الوطني لمصر",
                 "بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز برقية تهنئة للرئيس "
                 "عبدالفتاح السيسي بمناسبة ذكرى اليوم الوطني لبلاده، متمنيا لشعب مصر التقدم "
                 "والازدهار.")
# One event from its two sides: each headline names one side, each article both.
MALIKI_A = ("المالكي يتهم الرياض بدعم الإرهاب",
            "اتهم نائب الرئيس العراقي نوري المالكي في تصريحات متلفزة المملكة العربية السعودية "
            "بدعم الإرهاب في العراق، وطالب بمحاسبة الدول التي تمول الجماعات المسلحة.")
MALIKI_B = ("الزياني: اتهامات المالكي تسيء لعلاقات العراق بأشقائه",
            "استنكر الأمين العام لمجلس التعاون عبداللطيف الزياني اتهامات نائب الرئيس العراقي "
            "نوري المالكي للمملكة العربية السعودية بدعم الإرهاب، ووصفها بأنها باطلة.")


def _day(folder: Path, items: list[tuple[str, str]], prefix: str) -> None:
    data: list[dict[str, Any]] = [
        {"title": h, "content": b, "url": f"https://example.com/{prefix}/{i}"}
        for i, (h, b) in enumerate(items)]
    write_day(folder, data, f"{prefix}.json")


def _config(tmp_path: Path, outlets: dict[str, list[tuple[str, str]]]) -> config.Config:
    sources = []
    for name, items in outlets.items():
        _day(tmp_path / name, items, name)
        sources.append({"name": name, "type": "folder", "path": str(tmp_path / name),
                        "outlet": name.title()})
    return config.from_mapping({"store": {"path": str(tmp_path / "db.sqlite3")},
                                "sources": sources}, tmp_path)


def _grouped(tmp_path: Path, outlets: dict[str, list[tuple[str, str]]]
             ) -> tuple[Store, config.Config, dict[str, int]]:
    cfg = _config(tmp_path, outlets)
    store = Store(cfg.db_path)
    ids = ingest(cfg, store).added
    story_of = cluster.group(store, ids, cfg.summarize)
    by_headline = {a.headline: story_of[a.id] for a in store.articles(ids)}
    return store, cfg, by_headline


def test_two_company_results_stay_apart_and_one_event_joins(tmp_path: Path) -> None:
    store, _, story = _grouped(tmp_path, {
        "okaz": [*BACKGROUND[:3], *OTHER_RESULTS[:3], RESULTS_A, NILE_A],
        "sabq": [*BACKGROUND[3:], *OTHER_RESULTS[3:], RESULTS_B, NILE_B]})
    assert story[RESULTS_A[0]] != story[RESULTS_B[0]]  # the old grouping joined them
    assert story[NILE_A[0]] == story[NILE_B[0]]
    assert story[RESULTS_A[0]] not in {story[NILE_A[0]], *(story[h] for h, _ in BACKGROUND)}
    store.close()


def test_identical_text_from_two_outlets_is_stored_twice_and_grouped(tmp_path: Path) -> None:
    store, _, _ = _grouped(tmp_path, {"okaz": [*BACKGROUND, NILE_A], "sabq": [NILE_A]})
    copies = [a for a in store.articles(range(1, 100)) if a.headline == NILE_A[0]]
    assert {a.outlet for a in copies} == {"Okaz", "Sabq"}  # the old store dropped one
    stories = store.stories_of([a.id for a in copies])
    assert len(set(stories.values())) == 1
    store.close()


def test_story_ids_are_stable_and_a_later_report_joins_its_story(tmp_path: Path) -> None:
    store, cfg, story = _grouped(tmp_path, {"okaz": [*BACKGROUND, NILE_A]})
    ids = [a.id for a in store.articles(range(1, 100))]
    assert cluster.group(store, ids, cfg.summarize) == store.stories_of(ids)
    _day(tmp_path / "sabq", [NILE_B, RESULTS_A], "sabq")
    later = dataclasses.replace(cfg, sources=[*cfg.sources, config.SourceConfig(
        name="sabq", type="folder", path=str(tmp_path / "sabq"), outlet="Sabq")])
    added = ingest(later, store).added
    new = cluster.group(store, added, later.summarize)
    heads = {a.id: a.headline for a in store.articles(added)}
    by_head = {heads[a]: s for a, s in new.items()}
    assert by_head[NILE_B[0]] == story[NILE_A[0]]
    assert by_head[RESULTS_A[0]] not in story.values()
    assert cluster.group(store, ids, cfg.summarize) == {i: store.stories_of(ids)[i]
                                                        for i in ids}
    store.close()


def test_terms_of_an_older_stemmer_are_derived_again(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {"okaz": [*BACKGROUND, NILE_A, NILE_B]})
    store = Store(cfg.db_path)
    ids = ingest(cfg, store).added
    store.save_terms({a: ["قان", "امر"] for a in ids[:-1]})  # Snowball-era terms, no version
    store.save_terms({ids[-1]: ["~2", "غرق", "|", "نيل"]})  # the layout before ordinals
    story_of = cluster.group(store, ids, cfg.summarize)
    assert story_of[ids[-1]] == story_of[ids[-2]]
    assert all(t is not None and t[0] == cluster.VERSION
               for t in store.article_terms(ids).values())
    store.close()


def test_stories_rank_by_outlets_then_recency(tmp_path: Path) -> None:
    # one outlet's three Eid notices (one "story" of a kind) vs one event from two outlets
    eid = [("وزارة الصحة تعايد منسوبيها بعيد الفطر",
            "أقامت وزارة الصحة حفل معايدة لمنسوبيها بمناسبة عيد الفطر المبارك في مقرها "
            f"بالرياض {extra}.") for extra in ("أمس", "اليوم", "مساء")]
    cfg = _config(tmp_path, {"okaz": [*BACKGROUND, *eid], "sabq": [NILE_A], "wasat": [NILE_B]})
    store = Store(cfg.db_path)
    ids = ingest(cfg, store).added
    ranked = pipeline.Pipeline(cfg, store).stories(ids)
    members = store.story_articles(ranked[:2])
    heads = {a.id: a.headline for a in store.articles(ids)}
    assert {heads[a] for a in members[ranked[0]]} == {NILE_A[0], NILE_B[0]}
    assert len(members[ranked[1]]) == 3  # the old ranking put it first (most articles)
    store.close()


def test_far_apart_in_time_is_less_alike() -> None:
    a = Doc(["غرق", "مركب", "نيل"], ["غرق", "مركب", "نيل", "وراق", "21"], 0.0)
    b = Doc(["غرق", "مركب", "نيل"], ["غرق", "مركب", "نيل", "وراق", "21"], 1.0)
    far = dataclasses.replace(b, hours=24.0 * 10)
    filler = [Doc([f"خبر{i}"], [f"نص{i}", "غرق"], 0.0) for i in range(10)]
    p = Params()
    near = assign([*filler, a, b], [*range(10), None, None], p)
    assert near[1][0] == near[0][0]
    apart = assign([*filler, a, far], [*range(10), None, None], p)
    assert apart[1][0] != apart[0][0]
    assert assign([*filler, a, far], [*range(10), None, None],
                  dataclasses.replace(p, time_scale_hours=0))[1][0] == near[0][0]


def test_a_report_in_other_words_joins_and_a_lookalike_visit_does_not(tmp_path: Path) -> None:
    outlets = {"okaz": [*BACKGROUND[:3], *VISITS[:2], JORDAN_A, FRENCH_VISIT],
               "sabq": [*BACKGROUND[3:], *VISITS[2:], JORDAN_B]}
    store, cfg, story = _grouped(tmp_path / "now", outlets)
    assert story[JORDAN_A[0]] == story[JORDAN_B[0]]  # shared names: جودة, طريبيل, العبادي
    assert story[FRENCH_VISIT[0]] != story[JORDAN_A[0]]  # shared words are common ones
    store.close()
    # the close-wording test alone keeps the two reports apart (as the previous version did)
    old = dataclasses.replace(cfg.summarize, story_link_similarity=1.0)
    cfg = _config(tmp_path / "old", outlets)
    store = Store(cfg.db_path)
    ids = ingest(cfg, store).added
    story_of = cluster.group(store, ids, old)
    heads = {a.headline: story_of[a.id] for a in store.articles(ids)}
    assert heads[JORDAN_A[0]] != heads[JORDAN_B[0]]
    store.close()


def test_the_first_and_the_second_relief_plane_stay_apart(tmp_path: Path) -> None:
    store, _, story = _grouped(tmp_path, {"okaz": [*BACKGROUND, PLANE_1, PLANE_2],
                                          "sabq": [PLANE_1B]})
    assert story[PLANE_1[0]] == story[PLANE_1B[0]]
    assert story[PLANE_2[0]] != story[PLANE_1[0]]
    # their words alone would join them: it is the ordinals that keep them apart
    ids = sorted(store.stories_of(range(1, 100)))
    docs = cluster.article_docs(store, ids)
    heads = {a.headline: a.id for a in store.articles(ids)}
    one, two = heads[PLANE_1[0]], heads[PLANE_2[0]]
    background = [docs[a] for a in ids if a not in (one, two, heads[PLANE_1B[0]])]
    plain = [*background, dataclasses.replace(docs[one], ordinals=frozenset()),
             dataclasses.replace(docs[two], ordinals=frozenset())]
    stories: list[int | None] = [*range(len(background)), None, None]
    joined = assign(plain, stories, cluster.params(config.SummarizeConfig()))
    assert joined[0][0] == joined[1][0]
    store.close()


def test_the_seed_articles_are_one_story_with_the_default_config(tmp_path: Path) -> None:
    # two outlets report US forces in Libya in different words: alone in a new store (as in
    # `briefings dry-run`), the window's own idf would weigh their shared words least
    cfg = config.from_mapping({"store": {"path": str(tmp_path / "db.sqlite3")},
                               "sources": [{"name": "seeds", "type": "folder",
                                            "path": str(SEEDS)}]}, tmp_path)
    store = Store(cfg.db_path)
    ids = ingest(cfg, store).added
    assert len(ids) == 2
    assert len(set(cluster.group(store, ids, cfg.summarize).values())) == 1
    store.close()


def test_cables_to_two_countries_stay_apart_and_two_sides_of_one_event_join(
        tmp_path: Path) -> None:
    store, _, story = _grouped(tmp_path, {"okaz": [*BACKGROUND, EGYPT_CABLE, OMAN_CABLE,
                                                   MALIKI_A],
                                          "sabq": [EGYPT_CABLE_B, MALIKI_B]})
    assert story[EGYPT_CABLE[0]] == story[EGYPT_CABLE_B[0]]
    assert story[OMAN_CABLE[0]] != story[EGYPT_CABLE[0]]
    assert story[MALIKI_A[0]] == story[MALIKI_B[0]]  # الرياض / العراق: each names both
    # their words alone would join the two cables: it is the headlines' places that keep
    # them apart; and the places each article names that keep the two sides together
    ids = sorted(store.stories_of(range(1, 100)))
    docs = cluster.article_docs(store, ids)
    heads = {a.headline: a.id for a in store.articles(ids)}
    p = cluster.params(config.SummarizeConfig())
    background = [docs[heads[h]] for h, _ in BACKGROUND]
    stories: list[int | None] = [*range(len(background)), None, None]
    egypt, oman = docs[heads[EGYPT_CABLE[0]]], docs[heads[OMAN_CABLE[0]]]
    apart = assign([*background, egypt, oman], stories, p)
    assert apart[0][0] != apart[1][0]
    nowhere = [dataclasses.replace(d, places=frozenset()) for d in (egypt, oman)]
    joined = assign([*background, *nowhere], stories, p)
    assert joined[0][0] == joined[1][0]
    sides = [docs[heads[MALIKI_A[0]]], docs[heads[MALIKI_B[0]]]]
    assert not sides[0].places & sides[1].places
    assert assign([*background, *sides], stories, p)[1][0] == \
        assign([*background, *sides], stories, p)[0][0]
    unread = [dataclasses.replace(d, held=frozenset()) for d in sides]
    split = assign([*background, *unread], stories, p)
    assert split[0][0] != split[1][0]
    store.close()


def test_headlines_name_places_and_articles_hold_them() -> None:
    egypt = places.named("خادم الحرمين يهنئ رئيس مصر")
    assert egypt and places.named("انفجار في القاهرة") == egypt  # the capital for its country
    assert places.named("جامعة برمنغهام") == places.named("جامعة برمنجهام")  # one city
    assert places.named("حريق في جدة") != places.named("حريق في الطائف")
    assert places.named("حريق في جدة") != places.named("السعودية تدين")  # a city is itself
    # adjectives name no place (a person, a train made there), nor does "financial" (Mali)
    assert not places.named("الرئيس المصري") | places.named("القطار الإسباني")
    assert not places.named("الدعم المالي للطلاب")
    # a name listed with its article keeps it; ل never doubles a name's own ل
    assert not places.named("رياض الأطفال") | places.named("خرج ولم يعد") \
        | places.named("ورقة العمل") | places.named("موسوعة للحج")
    assert places.named("وصل للرياض") == places.named("الرياض") == places.named("السعودية")
    assert places.named("زيارة لمصر") == egypt
    assert places.named("القيادة تهنئ رئيس كولومبيا") == places.named("وصل إلى بوغوتا")
    held = places.held(text.terms("العلاقات السعودية المصرية وتعاون جدة"))
    assert egypt | places.named("السعودية") | places.named("وسط جدة") <= held
    assert not places.named("سلطان عمان") & held
