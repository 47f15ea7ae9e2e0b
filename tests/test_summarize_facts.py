"""Summaries that carry the facts: whole sentences, leads first, no paraphrases, the title
from the story's central article, one ranking per story version."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from briefings import compose, config, pipeline, summarize
from briefings.candidates import ending
from briefings.errors import ConfigError
from briefings.ingest import ingest
from briefings.models import Sentence
from briefings.store import Store
from briefings.text import MAX_WORDS, model_pieces, split_sentences
from briefings.translate import get_translator, translate_pending

from . import builders
from .builders import ConfigFactory, article, install_tiny

NO_MODEL = pipeline.TranslatorOrReason(None, "no model")

# A 60-word lead, one sentence joined by commas: the old 50-word split cut it in two.
CLAUSES = ["أعلنت شرطة عمان السلطانية اليوم أن فتاة سعودية أصيبت بطلق ناري في مسقط",
           "أثناء وجودها مع أسرتها في سوق شعبي وسط المدينة مساء أمس الأربعاء",
           "وأن حالتها الصحية مستقرة بعد نقلها إلى المستشفى السلطاني لتلقي العلاج",
           "فيما باشرت الشرطة التحقيق في ملابسات الحادث وظروفه",
           "وألقت القبض على المشتبه به في وقت لاحق من الليلة نفسها",
           "بحسب ما أفاد به مصدر أمني مطلع على مجريات التحقيق"]
LONG_LEAD = "، ".join(CLAUSES) + "."
SHOOTING = [
    LONG_LEAD,
    "وقالت الشرطة إن التحقيقات مستمرة وإن الشرطة ستعلن نتائج التحقيقات قريبا.",
    "وأضافت الشرطة أن التحقيقات تشمل الشهود وأن الشرطة تتابع التحقيقات.",
    "وأكدت الشرطة أن نتائج التحقيقات ستعلن بعد انتهاء التحقيقات مع الشهود.",
]
SHIP_A = "وصلت صباح اليوم إلى ميناء عدن أكبر سفينة إغاثة سعودية محملة بالمساعدات الإنسانية."
SHIP_B = "رست في ميناء عدن اليوم سفينة الإغاثة السعودية الأكبر وعلى متنها مساعدات إنسانية."


def sentences(article_id: int, texts: list[str], headline: str = "عنوان الخبر"
              ) -> list[Sentence]:
    return builders.sentences(article_id, texts, headline)


def folder_source(tmp_path: Path, name: str, articles: dict[str, list[str]]
                  ) -> config.SourceConfig:
    """A folder source of articles given as their lines."""
    files = {file: "\n".join(lines) + "\n" for file, lines in articles.items()}
    return builders.folder_source(name, builders.folder_of(tmp_path / name, files))


# -- whole sentences -----------------------------------------------------------------


def test_long_sentences_are_stored_whole_and_become_whole_bullets(
        cfg: config.Config, store: Store, tmp_path: Path) -> None:
    assert MAX_WORDS < len(LONG_LEAD.split()) <= cfg.summarize.max_words
    src = folder_source(tmp_path, "oman", {"a.txt": ["إصابة فتاة سعودية في مسقط", *SHOOTING]})
    ids = ingest(cfg, store, [src]).added
    assert [s.text_src for s in store.sentences(ids)[ids[0]]][1] == LONG_LEAD
    result = pipeline.Pipeline(cfg, store, NO_MODEL).digest(ids)
    bullets = [b.citation.original for s in result.briefing.stories for b in s.bullets]
    assert bullets[0] == LONG_LEAD  # the lead, whole
    assert all(ending(b) == "final" for b in bullets)


def test_long_sentence_goes_to_the_model_in_pieces_and_comes_back_as_one(
        tiny_model: Path, cfg: config.Config, store: Store, tmp_path: Path) -> None:
    src = folder_source(tmp_path, "oman", {"a.txt": ["إصابة فتاة سعودية في مسقط", *SHOOTING]})
    ids = ingest(cfg, store, [src]).added
    install_tiny(tiny_model)
    tr = get_translator(cfg)
    seen: list[str] = []
    original = tr.translate

    def recording(sentences: Sequence[str], priority: bool = False) -> list[str]:
        seen.extend(sentences)
        return original(sentences, priority)

    tr.translate = recording  # type: ignore[method-assign]
    translate_pending(store, tr)
    assert all(len(t.split()) <= MAX_WORDS for t in seen)
    pieces = model_pieces(LONG_LEAD)
    assert len(pieces) == 2 and set(pieces) <= set(seen)
    (lead,) = [s for s in store.sentences(ids)[ids[0]] if s.text_src == LONG_LEAD]
    assert lead.status == "translated"
    assert lead.text_en == " ".join(original(pieces))  # the pieces' translations, joined


def test_split_keeps_abbreviations_and_numbered_items_inside_sentences() -> None:
    text = ("قال د. محمد العلي إن الوضع مستقر. وأضاف أ.د. سالم أن الفريق وصل.\n"
            "أعادت المؤسسة تسيير رحلتي رقم (2) و(9) ليكون عدد الرحلات (15) رحلة يوميا.\n"
            "انتهى المشروع في عام 2015م. وبدأ التشغيل بعده.")
    assert split_sentences(text) == [
        "قال د. محمد العلي إن الوضع مستقر.", "وأضاف أ.د. سالم أن الفريق وصل.",
        "أعادت المؤسسة تسيير رحلتي رقم (2) و(9) ليكون عدد الرحلات (15) رحلة يوميا.",
        "انتهى المشروع في عام 2015م.", "وبدأ التشغيل بعده."]


def test_fragments_are_never_bullets_and_bare_paragraphs_only_as_a_last_resort() -> None:
    cfg = config.SummarizeConfig(sentences=5)
    story = {1: sentences(1, [
        "وقال وزير الصحة في بيانه الصادر اليوم عن الحادث ما يلي:",
        "1) نقل جميع المصابين إلى مستشفيات المنطقة الشرقية،",
        "وأوضح الوزير أن عدد المصابين بلغ اثني عشر شخصا بينهم أطفال.",
        "الفرق الطبية تواصل عملها في موقع الحادث حتى الآن",
        "وأكد أن الوزارة رفعت درجة الاستعداد في جميع مستشفيات المنطقة.",
    ])}
    chosen = [s.text_src for s in summarize.choose(story, cfg)]
    assert chosen and all(ending(t) == "final" for t in chosen)
    bare = {2: sentences(2, ["الفرق الطبية تواصل عملها في موقع الحادث حتى الآن",
                             "وقال الوزير في بيانه عن الحادث ما يلي:"])}
    assert [s.text_src for s in summarize.choose(bare, cfg)] == [
        "الفرق الطبية تواصل عملها في موقع الحادث حتى الآن"]  # whole, never the colon
    long = {3: sentences(3, [LONG_LEAD, "الفرق الطبية تواصل عملها في موقع الحادث"])}
    short = dataclasses.replace(cfg, max_words=20)  # the only whole sentence is longer
    assert [s.text_src for s in summarize.choose(long, short)] == [LONG_LEAD]


# -- what is chosen -------------------------------------------------------------------


def test_the_lead_comes_first_even_when_later_sentences_are_more_central() -> None:
    engine = "textrank"  # on so small a story LexRank rates every sentence alike
    lead = "أصيبت فتاة سعودية بطلق ناري في مسقط مساء أمس أثناء تسوقها مع أسرتها في سوق شعبي."
    body = [lead, *SHOOTING[1:],
            "وأوضحت الشرطة أن الشهود أدلوا بإفاداتهم في التحقيقات.",
            "وذكرت الشرطة أن التحقيقات مع الشهود انتهت وأن النتائج قريبة."]
    rated = summarize.ratings(body, engine)
    assert max(rated[1:]) > rated[0]  # the summariser alone prefers the repetitive follow-ups
    cfg = config.SummarizeConfig(engine=engine, sentences=1)
    assert [s.text_src for s in summarize.choose({1: sentences(1, body)}, cfg)] == [lead]


def test_a_paraphrase_from_another_outlet_is_not_a_second_bullet() -> None:
    cfg = config.SummarizeConfig(sentences=3)
    story = {
        1: sentences(1, [SHIP_A, "وقال مدير الميناء إن تفريغ الحمولة سيستغرق ثلاثة أيام "
                                 "قبل توزيعها على المحافظات."]),
        2: sentences(2, [SHIP_B, "وتحمل السفينة أدوية ومواد غذائية وخياما لإيواء "
                                 "النازحين من مناطق القتال."]),
    }
    texts = [s.text_src for s in summarize.choose(story, cfg)]
    assert not (SHIP_A in texts and SHIP_B in texts)
    assert len(texts) == 3 and {SHIP_A, SHIP_B} & set(texts)


def test_the_second_bullet_carries_the_headlines_other_fact() -> None:
    headline = "خادم الحرمين يغادر في إجازة خاصة وولي العهد يدير شؤون الدولة"
    body = ["غادر خادم الحرمين الشريفين الملك سلمان جدة أمس متوجها إلى خارج المملكة في "
            "إجازة خاصة.",
            "وكان في وداعه عند باب الطائرة عدد من الأمراء وكبار المسؤولين والقادة العسكريين.",
            "وكان في وداعه في المطار أمير منطقة مكة المكرمة ونائبه وعدد من المسؤولين.",
            "وصدر أمر ملكي بإنابة ولي العهد في إدارة شؤون الدولة ورعاية مصالح الشعب خلال "
            "غياب خادم الحرمين."]
    story = {1: sentences(1, body, headline)}
    cfg = config.SummarizeConfig(sentences=2)
    assert [s.text_src for s in summarize.choose(story, cfg)] == [body[0], body[3]]
    in_rank_order = dataclasses.replace(cfg, headline_coverage=0.0)
    assert [s.text_src for s in summarize.choose(story, in_rank_order)] == body[:2]


def test_the_title_comes_from_the_central_article() -> None:
    cfg = config.SummarizeConfig(sentences=2)
    event = "وصلت أكبر سفينة إغاثة سعودية إلى ميناء عدن محملة بالمساعدات"
    story = {  # article 1 reports only the event; 2 and 3 each add another matter
        1: sentences(1, [event + " الإنسانية لأهالي المدينة:"], "وصول سفينة الإغاثة إلى عدن"),
        2: sentences(2, ["أعلن وزير النقل اليمني استئناف الرحلات الجوية إلى مطار صنعاء "
                         "الأسبوع المقبل بعد توقف طويل.", event + " اليوم."],
                     "استئناف الرحلات إلى صنعاء"),
        3: sentences(3, ["قصفت طائرات التحالف مواقع للمتمردين في محافظة لحج فجر اليوم.",
                         event + " الغذائية."], "غارات على لحج"),
    }
    summary = summarize.summarise(story, cfg, cache=None)
    assert summary.central == 1 and summary.sentences[0].article_id != 1
    arts = [article(1, "وصول سفينة الإغاثة إلى عدن"), article(2, "استئناف الرحلات إلى صنعاء"),
            article(3, "غارات على لحج")]
    titled = compose.story_summary(7, arts, story, summary.sentences, lead_id=summary.central)
    assert titled.headline == "وصول سفينة الإغاثة إلى عدن"


@pytest.mark.parametrize("engine", sorted(summarize.SUMMARIZERS))
def test_every_engine_summarises(engine: str) -> None:
    cfg = config.SummarizeConfig(engine=engine, sentences=2)
    chosen = summarize.choose({1: sentences(1, SHOOTING)}, cfg)
    assert len(chosen) == 2 and all(s.position > 0 for s in chosen)


# -- cost: bounded candidates, one ranking per story version -----------------------------


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = summarize.ratings

    def counting(texts: list[str], engine: str = "lexrank") -> list[float]:
        calls.append(len(texts))
        return real(texts, engine)

    monkeypatch.setattr(summarize, "ratings", counting)
    return calls


def test_candidates_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    cfg = config.SummarizeConfig(max_candidates=25)
    body = [f"وقال المتحدث في البند رقم {n} إن اللجنة ناقشت الملف {n} بالتفصيل."
            for n in range(300)]
    story = {a: sentences(a, body) for a in (1, 2, 3)}
    assert summarize.choose(story, cfg)
    assert calls == [25]  # 900 sentences, 25 of them rated
    many = {a: sentences(a, [SHIP_A.replace("اليوم", f"يوم {a}")]) for a in range(1, 9)}
    summary = summarize.summarise(many, dataclasses.replace(cfg, max_candidates=3), cache=None)
    assert calls[1:] == [3]  # more articles than candidates: still bounded
    assert summary.sentences[0].article_id == summary.central  # its lead is a candidate


def test_rankings_are_cached_per_story_version(cfg: config.Config, store: Store,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    summarize.CACHE.clear()
    calls = _counting(monkeypatch)
    flow = pipeline.Pipeline(cfg, store, NO_MODEL)
    first = folder_source(tmp_path, "a", {"1.txt": ["إصابة فتاة سعودية في مسقط", *SHOOTING]})
    ids = ingest(cfg, store, [first]).added
    one = flow.digest(ids)
    for _ in range(3):  # a digest for every chat
        again = flow.digest(ids, sentences_per_story=2)
    assert len(calls) == 1
    assert [b.sentence_id for b in again.briefing.stories[0].bullets] == \
        [b.sentence_id for b in one.briefing.stories[0].bullets][:2]
    second = folder_source(tmp_path, "b", {"2.txt": ["فتاة سعودية تصاب في مسقط", *SHOOTING[1:],
                                                     SHOOTING[0].replace("اليوم", "أمس")]})
    ids += ingest(cfg, store, [second]).added
    result = flow.digest(ids)
    assert len(result.story_ids) == 1 and len(calls) == 2  # a new member: ranked again


def test_the_cache_does_not_mix_stores(write_config: ConfigFactory, tmp_path: Path) -> None:
    summarize.CACHE.clear()
    outs = []
    for name, text in (("one", SHOOTING), ("two", [SHIP_A, SHIP_B.replace("اليوم", "أمس")])):
        cfg = config.load(write_config(store={"path": str(tmp_path / f"{name}.sqlite3")}))
        store = Store(cfg.db_path)
        ids = ingest(cfg, store, [folder_source(tmp_path, name, {"1.txt": ["عنوان", *text]})]
                     ).added
        result = pipeline.Pipeline(cfg, store, NO_MODEL).digest(ids)
        outs.append([b.citation.original for b in result.briefing.stories[0].bullets])
        store.close()
    assert outs[0][0] == LONG_LEAD and outs[1][0] == SHIP_A  # same ids, own rankings


# -- options ----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("max_words", 3, "at least summarize.min_words"),
    ("max_candidates", 0, "from 1 to 10000"),
    ("lead_sentences", 0, "from 1 to 1000"),
    ("position_decay", -0.1, "between 0 and 100"),
    ("central_weight", 0.5, "between 1 and 100"),
    ("headline_coverage", -1, "between 0 and 100"),
    ("more_outlets", -1, "from 0 to 1000"),
    ("more_outlets", "many", "expected a whole number"),
])
def test_summary_options_are_checked(write_config: ConfigFactory, key: str, value: object,
                                     expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(write_config(summarize={key: value}))
    assert f"summarize.{key}" in str(info.value) and expected in str(info.value)


def test_no_limit_and_no_position_are_allowed(write_config: ConfigFactory) -> None:
    cfg = config.load(write_config(summarize={"max_words": 0, "position_decay": 0}))
    s = cfg.summarize
    assert (s.engine, s.sentences, s.min_words, s.max_words) == ("lexrank", 3, 5, 0)
    story = {1: sentences(1, SHOOTING)}
    assert len(summarize.choose(story, cfg.summarize)) == 3


def test_the_digest_titles_a_story_by_its_central_article(cfg: config.Config, store: Store,
                                                          tmp_path: Path) -> None:
    event = "وصلت أكبر سفينة إغاثة سعودية إلى ميناء عدن محملة بالمساعدات"
    src = folder_source(tmp_path, "wire", {
        "1.txt": ["وصول سفينة الإغاثة إلى عدن", event + " الإنسانية لأهالي المدينة:"],
        "2.txt": ["استئناف الرحلات إلى صنعاء", "أعلن وزير النقل اليمني استئناف الرحلات "
                  "الجوية إلى مطار صنعاء الأسبوع المقبل بعد توقف طويل.", event + " اليوم."],
        "3.txt": ["غارات على لحج", "قصفت طائرات التحالف مواقع للمتمردين في محافظة لحج فجر "
                  "اليوم.", event + " الغذائية."],
    })
    ids = ingest(cfg, store, [src]).added
    store.assign_stories([(a, -1, 1.0) for a in ids])  # one story, whatever grouping thinks
    result = pipeline.Pipeline(cfg, store, NO_MODEL).digest(ids)
    (story,) = result.briefing.stories
    assert story.bullets[0].citation.article_id != ids[0]  # article 1 has no whole sentence
    assert story.headline == "وصول سفينة الإغاثة إلى عدن"


AID = ["وصلت إلى ميناء عدن أكبر سفينة إغاثة سعودية محملة بثلاثة آلاف طن من المساعدات.",
       "وقال مدير الميناء إن تفريغ الحمولة يبدأ صباح الغد بإشراف فرق من الهلال الأحمر.",
       "وتضم الشحنة أدوية ومستلزمات طبية لمستشفيات المدينة التي تعاني نقصا حادا.",
       "وأضاف أن سفينة ثانية تبحر من جدة الأسبوع المقبل وعلى متنها وقود للمولدات.",
       "وأشار إلى أن توزيع المواد سيتم عبر لجان محلية في أحياء المدينة كافة."]


@pytest.mark.parametrize(("outlets", "more_outlets", "bullets"),
                         [(3, 3, 3), (2, 3, 2), (3, 0, 2), (4, 5, 2)])
def test_a_story_many_outlets_carry_gets_one_bullet_more(
        write_config: ConfigFactory, tmp_path: Path, outlets: int, more_outlets: int,
        bullets: int) -> None:
    cfg = config.load(write_config(summarize={"sentences": 2, "more_outlets": more_outlets}))
    store = Store(cfg.db_path)
    # each outlet's copy words the lead its own way and keeps one detail of its own
    sources = [folder_source(tmp_path, f"outlet{k}", {"1.txt": [
        "سفينة إغاثة سعودية في عدن", f"{AID[0][:-1]} حسب مراسل رقم {k}.", *AID[1:]]})
        for k in range(outlets)]
    ids = ingest(cfg, store, sources).added
    store.assign_stories([(a, -1, 1.0) for a in ids])
    (story,) = pipeline.Pipeline(cfg, store, NO_MODEL).digest(ids).briefing.stories
    assert len(story.bullets) == bullets
    # a chat's own count gets the same one more
    (story,) = pipeline.Pipeline(cfg, store, NO_MODEL).digest(
        ids, sentences_per_story=1).briefing.stories
    assert len(story.bullets) == bullets - 1
    store.close()


def test_a_copy_cited_for_a_bullet_does_not_repeat_an_earlier_bullet(
        cfg: config.Config) -> None:
    """Of a sentence's copies the least heard outlet's is cited; that copy may say more than
    the sentence (a wire's longer version) and repeat an earlier bullet: then another copy
    is cited. Seen on 2015-07-23: the King's talks with Carter twice in one story."""
    x = ("استعرض خادم الحرمين الشريفين الملك سلمان مع وزير الدفاع الأمريكي اشتون كارتر "
         "العلاقات بين البلدين وخاصة في المجالات العسكرية وبحثا مستجدات الأوضاع في المنطقة "
         "والجهود المبذولة تجاهها.")
    y = "ونقل كارتر لخادم الحرمين الشريفين تحيات الرئيس باراك أوباما."
    t = "وجرى خلال الاستقبال استعراض العلاقات بين المملكة وأميركا خاصة في المجالات العسكرية."
    longer = ("وجرى خلال الاستقبال استعراض العلاقات بين المملكة وأميركا وخاصة في المجالات "
              "العسكرية إلى جانب بحث مستجدات الأوضاع في المنطقة والجهود المبذولة تجاهها.")
    a, b, c = sentences(1, [x]), sentences(2, [y, t]), sentences(3, [longer])
    scored = [(a[1], 1.0), (b[1], 0.9), (b[2], 0.8), (c[1], 0.7)]
    chosen = summarize._pick(scored, cfg.summarize, 3)
    assert [s.text_src for s in chosen] == [x, y, t]
