from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from briefings import cluster, config
from briefings.ingest import ingest
from briefings.store import Store
from briefings.summarize import SUMMARIZERS, RankingCache, _pick, choose, rank, ratings, summarise

from .builders import sentences

S = [
    "قالت وزارة الدفاع إن قوات خاصة تعمل في ليبيا لجمع المعلومات عن تنظيم داعش.",
    "وأضاف المتحدث أن القوات الخاصة الأميركية تعمل في ليبيا لجمع معلومات عن داعش.",
    "الطقس اليوم مشمس في معظم المناطق مع رياح خفيفة.",
    "وأكد المتحدث أن الحكومة الليبية تحتاج إلى دعم عسكري لمواجهة تنظيم داعش في سرت.",
]


@pytest.mark.parametrize("engine", sorted(SUMMARIZERS))
def test_every_engine_ranks_all_sentences(engine: str) -> None:
    order = rank(S, engine)
    assert sorted(order) == list(range(len(S)))


def test_choose_hears_every_article_and_skips_near_duplicates() -> None:
    cfg = config.SummarizeConfig(sentences=3)
    duplicate = S[0].replace("قالت", "وقالت")  # the same sentence in another outlet's copy
    story = {1: sentences(1, S), 2: sentences(2, [duplicate, "خبر قصير"])}
    chosen = choose(story, cfg)
    assert {s.article_id for s in chosen} == {1, 2}
    texts = [s.text_src for s in chosen]
    assert not (S[0] in texts and duplicate in texts)
    assert all(s.position > 0 for s in chosen) and "خبر قصير" not in texts


def test_a_shorter_copy_never_stands_for_the_sentence_it_cuts_short() -> None:
    # Another outlet's copy of the lead without its second half ("...and deputised the Crown
    # Prince") is a copy of it, and that outlet is heard less; but citing it would drop half
    # the fact, so the whole sentence is cited and the short copy is skipped.
    short = "غادر خادم الحرمين الشريفين الملك سلمان جدة بعد ظهر أمس متوجها إلى خارج المملكة."
    whole = short[:-1] + " وأناب ولي العهد الأمير محمد بن نايف في إدارة شؤون الدولة."
    other = "وكان في وداعه عند باب الطائرة أمير منطقة مكة المكرمة ومحافظ جدة."
    one, two = sentences(1, [whole, other]), sentences(2, [short])
    scored = [(one[1], 1.0), (two[1], 0.9), (one[2], 0.5)]
    chosen = _pick(scored, config.SummarizeConfig(), 3)
    assert [s.text_src for s in chosen] == [whole, other]
    # a copy that says all the top sentence says may stand for it: the less heard outlet's
    copy = sentences(3, ["و" + whole])
    chosen = _pick([(one[1], 1.0), (copy[1], 0.9), (one[2], 0.5)], config.SummarizeConfig(), 3)
    assert [s.article_id for s in chosen] == [3, 1]


def test_a_sentence_of_stop_words_only_is_summarised_without_error() -> None:
    story = {1: sentences(1, [S[0], "وأضاف أن هذا هو ما حدث.", S[3]]),
             2: sentences(2, ["وأضاف أن هذا هو ما حدث."])}  # no content words: no trigrams
    assert len(choose(story, config.SummarizeConfig(sentences=3))) >= 2


def test_seeds_are_one_story_and_unrelated_articles_are_not(cfg: config.Config,
                                                            store: Store) -> None:
    ids = ingest(cfg, store).added
    other = config.SourceConfig(name="other", type="folder", path=str(_other_folder(store)))
    ids += ingest(cfg, store, [other]).added
    story_of = cluster.group(store, ids, cfg.summarize)
    assert story_of[ids[0]] == story_of[ids[1]]
    assert story_of[ids[2]] != story_of[ids[0]]
    assert cluster.group(store, ids, cfg.summarize) == story_of  # stable


def _other_folder(store: Store) -> Path:
    folder = store.path.parent / "other"
    folder.mkdir()
    (folder / "weather.txt").write_text(
        "توقعات الطقس\nتوقعت هيئة الأرصاد أن يكون الطقس مشمسا في معظم المناطق مع رياح خفيفة "
        "ودرجات حرارة مرتفعة نهارا. وقالت الهيئة إن الأمطار قد تهطل على المرتفعات الجنوبية.\n",
        encoding="utf-8")
    return folder


@pytest.mark.parametrize("engine", sorted(SUMMARIZERS))
def test_ratings_are_finite_and_rank_follows_them(engine: str) -> None:
    rated = ratings(S, engine)
    assert len(rated) == len(S) and all(math.isfinite(r) for r in rated)
    assert rank(S, engine) == sorted(range(len(S)), key=lambda i: -rated[i])
    # sentences of stop words only: LexRank's graph is empty (sumy divides by zero)
    empty = ratings(["في على من", "إلى عن في"], engine)
    assert all(math.isfinite(r) for r in empty) and empty[0] == empty[1]


def test_summarise_names_the_central_article_and_caches_per_version() -> None:
    cfg = config.SummarizeConfig(sentences=2)
    story = {1: sentences(1, S), 2: sentences(2, [S[1], S[3]]), 3: sentences(3, [S[2]])}
    cache = RankingCache(size=2)
    first = summarise(story, cfg, key=("db", 5), cache=cache)
    assert first.central in (1, 2) and len(first.sentences) == 2
    assert summarise(story, cfg, key=("db", 5), cache=cache) == first
    assert (cache.hits, cache.misses) == (1, 1)
    smaller = {a: story[a] for a in (1, 2)}  # another version of story 5: ranked anew
    summarise(smaller, cfg, key=("db", 5), cache=cache)
    assert cache.misses == 2
    summarise(story, cfg, key=("db", 6), cache=cache)  # evicts the oldest (size 2)
    summarise(story, cfg, key=("db", 5), cache=cache)
    assert cache.misses == 4
    # another headline order is another ranking, not the cached one
    plain = dataclasses.replace(cfg, headline_coverage=0.0)
    summarise(story, plain, key=("db", 5), cache=cache)
    assert cache.misses == 5


@pytest.mark.parametrize("link", ["عبر موقعها www.uod.edu.sa", "عبر الرابط http://uod.edu.sa/jobs",
                                  "على موقع uod.edu.sa/jobs", "بالبريد jobs@uod.edu.sa"])
def test_a_sentence_pointing_to_a_link_is_not_preferred_to_the_news(
        link: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = ["أعلنت جامعة الدمام عن توفر 120 وظيفة صحية شاغرة في المستشفى الجامعي بالخبر.",
            f"ودعت الجامعة الراغبين في التقدم على الوظائف إلى التسجيل {link} خلال أسبوع.",
            "وتشمل الوظائف أطباء وممرضين وفنيي مختبرات وصيادلة من الجنسين.",
            "وأوضحت الجامعة أن المقابلات الشخصية للمرشحين تبدأ مطلع الشهر المقبل في الخبر."]
    story = {1: sentences(1, body, "جامعة الدمام تعلن عن وظائف صحية شاغرة")}
    cfg = config.SummarizeConfig(sentences=3, headline_coverage=0.0)
    assert [s.text_src for s in choose(story, cfg)] == [body[0], body[2], body[3]]
    monkeypatch.setattr("briefings.candidates.LINKED", 1.0)  # a link weighing as news
    assert body[1] in [s.text_src for s in choose(story, cfg)]
