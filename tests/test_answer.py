"""The answer stage: cited passages, honest 'nothing', the index saved next to the store."""

from __future__ import annotations

import dataclasses
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from briefings import answer, answer_cache, answer_index, answer_rank, answer_terms, cluster, config
from briefings.clock import utcnow
from briefings.ingest import ingest
from briefings.store import MIGRATIONS, AnswerState, Store
from briefings.store.migrations import schema_version
from briefings.translate import get_translator, translate_pending

from .builders import ANSWERS_URL as URL
from .builders import ConfigFactory, folder_of, folder_source, install_tiny
from .builders import answers_config as news_config
from .builders import answers_day as write_day


def _ingest_hospital(cfg: config.Config, store: Store, tmp_path: Path) -> None:
    """One more article, from a new folder source: a hospital opened in Benghazi."""
    folder = folder_of(tmp_path / "more", {"a.txt": (
        "عنوان جديد\nأعلنت وزارة الصحة افتتاح مستشفى جديد في مدينة "
        "بنغازي يضم مئتي سرير ويخدم سكان المنطقة الشرقية.\n")})
    ingest(cfg, store, [folder_source("more", folder)])


def test_arabic_question_cites_the_seeds(cfg: config.Config, store: Store) -> None:
    ingest(cfg, store)
    ans = answer.ask(store, cfg, "ماذا يحدث في مصراتة؟", index=answer.Index())
    assert ans.found and len(ans.hits) <= cfg.answer.top
    for hit in ans.hits:
        assert "مصرات" in hit.citation.original  # every hit holds the asked-about place
        assert hit.citation.outlet in {"Azzaman", "Akhbar Al Arab"}
        assert hit.citation.link.endswith(".txt") and hit.story_id is None  # not grouped yet
    assert not answer.ask(store, cfg, "كرة القدم في البرازيل", index=answer.Index()).found
    assert not answer.ask(store, cfg, "football in Brazil", index=answer.Index()).found


def test_a_first_days_handful_of_articles_answers_a_whole_question(
        cfg: config.Config, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """With two articles stored every word is in half the window: a share that says nothing
    about how common a word is. The question's words still count."""
    ingest(cfg, store)
    question = "ماذا تفعل القوات الأميركية في مصراتة؟"
    ans = answer.ask(store, cfg, question, index=answer.Index())
    assert ans.found
    assert all("مصرات" in h.citation.original and "قوات" in h.citation.original
               for h in ans.hits)
    monkeypatch.setattr(answer_rank, "FEW", 0)  # the share alone: every word is common
    weak = answer.ask(store, cfg, question, index=answer.Index())  # تفعل alone, related forms
    assert not weak.found or weak.hits[0].score <= answer_rank.RELATED + 1e-6
    assert ans.hits[0].score > answer_rank.RELATED + 0.2


def test_index_grows_with_new_sentences_and_translations(
        tiny_model: Path, cfg: config.Config, store: Store, tmp_path: Path) -> None:
    index = answer.Index()
    ingest(cfg, store)
    answer.ask(store, cfg, "مصراتة", index=index)
    arabic_docs = len(index.sides[True].ids)
    assert arabic_docs > 20 and len(index.sides[False].ids) == 0
    install_tiny(tiny_model)
    translate_pending(store, get_translator(cfg))
    answer.ask(store, cfg, "مصراتة", index=index)
    assert len(index.sides[True].ids) == arabic_docs  # nothing indexed twice
    assert len(index.sides[False].ids) == arabic_docs  # every translation added once
    _ingest_hospital(cfg, store, tmp_path)
    hit = answer.ask(store, cfg, "مستشفى بنغازي", index=index)
    assert hit.found and "مستشفى" in hit.hits[0].citation.original
    assert len(index.sides[True].ids) == arabic_docs + 2


# -- retrieval, confidence and the persisted index over a hand-written day --------------

@pytest.fixture
def news(tmp_path: Path) -> Path:
    return write_day(tmp_path / "news")


def _day(write_config: ConfigFactory, news: Path, **answer_options: Any
         ) -> tuple[config.Config, Store]:
    cfg = config.load(write_config(**news_config(news, **answer_options)))
    store = Store(cfg.db_path)
    assert len(ingest(cfg, store).added) == 9
    return cfg, store


def _urls(ans: answer.Answer) -> list[str]:
    return [h.citation.link.removeprefix(URL) for h in ans.hits]


def test_related_word_forms_and_neighbours_find_the_passage(
        write_config: ConfigFactory, news: Path) -> None:
    cfg, store = _day(write_config, news, min_match=0.0)
    # أغلق (closed) meets مغلقا (closed) in the first plane's article: a related form
    ans = answer.ask(store, cfg, "لماذا أغلق مطار عدن؟", index=answer.Index())
    assert _urls(ans)[0] == "aden_first_plane" and "مغلقا" in ans.hits[0].citation.original
    # "how many tons ... the second plane": the second plane's article, the sentence with
    # the number (أطنان, a form of طنا), not the first plane's "عشرون طنا"
    ans = answer.ask(store, cfg, "كم طنا من المواد الغذائية حملتها الطائرة الثانية؟",
                     index=answer.Index())
    assert _urls(ans)[0] == "aden_second_plane"
    assert "أطنان" in ans.hits[0].citation.original


def test_when_question_prefers_the_sentence_with_a_date(write_config: ConfigFactory,
                                                        news: Path) -> None:
    cfg, store = _day(write_config, news)
    ans = answer.ask(store, cfg, "متى يلتقي الهلال والنصر؟", index=answer.Index())
    assert _urls(ans) == ["football"] and "أغسطس" in ans.hits[0].citation.original


def test_a_subject_nowhere_in_the_window_is_not_answered(write_config: ConfigFactory,
                                                         news: Path) -> None:
    cfg, store = _day(write_config, news)
    index = answer.Index()
    assert not answer.ask(store, cfg, "من فاز في انتخابات الرئاسة في البرازيل؟", index=index).found
    # another company's second-quarter profits are not SABIC's: SABIC, in no article, counts
    # against the passage (on nine articles its weight is small: the passage is 2/3 as sure)
    every = dataclasses.replace(cfg, answer=dataclasses.replace(cfg.answer, min_match=0.0))
    sabic = answer.ask(store, every, "كم بلغ صافي أرباح سابك في الربع الثاني؟", index=index)
    sadaq = answer.ask(store, every, "كم بلغ صافي أرباح صدق في الربع الثاني؟", index=index)
    assert _urls(sabic)[:1] == _urls(sadaq)[:1] == ["company_results"]
    assert sabic.hits[0].score < 0.7 * sadaq.hits[0].score
    ans = answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", index=index)
    assert _urls(ans) == ["company_results"]
    assert all(0 < h.score <= 1 for h in ans.hits)


_MEETING = (  # announced, not yet held
    "كيري يلتقي وزراء خارجية الخليج في الدوحة الأسبوع المقبل\n"
    "من المقرر أن يلتقي وزير الخارجية الأمريكي جون كيري نظراءه في دول مجلس التعاون "
    "الخليجي في العاصمة القطرية الدوحة في الثالث من أغسطس.\n"
    "وسيبحث اجتماع كيري مع وزراء خارجية الخليج الاتفاق النووي مع إيران وأمن المنطقة.\n"
    "ويترقب المراقبون نتائج الاجتماع المرتقب في الدوحة.\n"
    "وكان كيري يبحث الملف نفسه مع نظيره الفرنسي أمس.\n")  # يبحث: so سيبحث is a verb


def test_an_announcement_does_not_say_what_came_of_it(
        write_config: ConfigFactory, news: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The day only announces Kerry's meeting with the Gulf ministers: "what came of it?"
    is less sure of the announcement than "when is it?" is."""
    cfg, store = _day(write_config, news, min_match=0.0)
    meeting = folder_of(tmp_path / "meeting", {"gulf_meeting.txt": _MEETING})
    ingest(cfg, store, [folder_source("meeting", meeting)])
    asked = ("ما نتائج اجتماع كيري مع وزراء خارجية الخليج في الدوحة؟",
             "متى يجتمع كيري مع وزراء خارجية الخليج في الدوحة؟",
             # looks ahead itself: سيبحث is a verb, since the store has يبحث
             "ما نتائج الاجتماع الذي سيبحث فيه كيري مع وزراء الخليج الاتفاق النووي؟")

    def best() -> list[tuple[str, float]]:
        return [(_urls(a)[0], a.hits[0].score) for a in
                (answer.ask(store, cfg, q, index=answer.Index()) for q in asked)]

    found = best()
    monkeypatch.setattr(answer_rank, "PENDING", 1.0)
    plain = best()
    assert all(u.endswith("gulf_meeting.txt") for u, _ in found + plain)
    assert found[0][1] == pytest.approx(plain[0][1] * 0.7, abs=2e-3)
    assert found[1][1] == pytest.approx(plain[1][1])
    assert found[2][1] == pytest.approx(plain[2][1])


def test_an_english_report_of_what_is_to_come_is_less_sure(
        write_config: ConfigFactory, news: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """English articles are searched by English questions, with the same check."""
    cfg, store = _day(write_config, news, min_match=0.0)
    report = folder_of(tmp_path / "wire", {"kerry.txt": (
        "Kerry will meet Gulf ministers in Doha\n"
        "US Secretary of State John Kerry will meet his Gulf counterparts in Doha next week "
        "to discuss the nuclear agreement with Iran.\n")})
    ingest(cfg, store, [folder_source("wire", report)])
    asked = ("What was the outcome of Kerry's meeting with the Gulf ministers in Doha?",
             "When will Kerry meet the Gulf ministers in Doha?")

    def best() -> list[float]:
        return [answer.ask(store, cfg, q, index=answer.Index()).hits[0].score for q in asked]

    found = best()
    monkeypatch.setattr(answer_rank, "PENDING", 1.0)
    plain = best()
    assert found[0] == pytest.approx(plain[0] * 0.7, abs=2e-3)
    assert found[1] == pytest.approx(plain[1])


_PREVIEW = (  # the match is tonight: its lead looks ahead, the coach's words do not
    "المنتخب السعودي لكرة السلة يواجه الجزائر في البطولة العربية\n"
    "ومن المقرر أن يلتقي المنتخب السعودي لكرة السلة نظيره الجزائري مساء اليوم في شرم "
    "الشيخ.\n"
    "وتكمن قوة المنتخب السعودي في سرعة هجماته ودفاعه الجيد.\n"
    "ووصف مساعد المدرب مباراة الجزائر بالمصيرية وقال إن اللاعبين يطمعون للفوز.\n")
_NEXT = (  # the match was played: only its lead's next fixture looks ahead
    "الهلال يستعد لمواجهة الأهلي\n"
    "ومن المقرر أن يلتقي الهلال الأهلي الأسبوع المقبل في الجولة الثالثة من الدوري.\n"
    "وكان الهلال قد تغلب على الشباب بهدفين دون رد أمس في الجولة الثانية.\n")
_WON = (  # the lead reports the result beside the next match: no preview
    "النصر يتغلب على الفتح\n"
    "تغلب النصر على الفتح بثلاثة أهداف ومن المقرر أن يلتقي الاتحاد الأسبوع المقبل.\n"
    "وأشاد مدرب النصر بأداء لاعبيه أمام الفتح وقال إنهم قدموا مستوى كبيرا.\n")


def test_a_preview_does_not_say_how_the_match_ended(
        write_config: ConfigFactory, news: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sentence of an article whose headline and lead tell of the match as still to come
    is less sure as its result, though it says nothing of time itself; a passage that holds
    a result is not, whatever its lead says of the next match, nor one whose lead reports
    the result itself."""
    cfg, store = _day(write_config, news, min_match=0.0)
    sport = folder_of(tmp_path / "sport", {"preview.txt": _PREVIEW, "next.txt": _NEXT,
                                           "won.txt": _WON})
    ingest(cfg, store, [folder_source("sport", sport)])
    asked = ("ما نتيجة مباراة الجزائر التي وصفها مساعد المدرب بالمصيرية؟",
             "ما نتيجة مباراة الهلال والشباب في الجولة الثانية؟",
             "ما نتيجة المباراة التي أشاد مدرب النصر بأداء لاعبيه أمام الفتح فيها؟")

    def best() -> list[tuple[str, int, float]]:
        return [(Path(_urls(a)[0]).name, a.hits[0].citation.position, a.hits[0].score) for a in
                (answer.ask(store, cfg, q, index=answer.Index()) for q in asked)]

    found = best()
    monkeypatch.setattr(answer_rank, "PENDING", 1.0)
    plain = best()
    assert [(u, p) for u, p, _ in found] == [(u, p) for u, p, _ in plain] == [
        ("preview.txt", 3), ("next.txt", 2), ("won.txt", 2)]  # not the leads themselves
    assert found[0][2] == pytest.approx(plain[0][2] * 0.7, abs=2e-3)
    assert found[1][2] == pytest.approx(plain[1][2])
    assert found[2][2] == pytest.approx(plain[2][2])


def test_answers_are_corroborated_by_the_stores_stories(
        write_config: ConfigFactory, news: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ranking is given each passage's story as stored, and the confidence an answer
    needs (a passage too unsure to be cited is not lifted)."""
    cfg, store = _day(write_config, news)
    stories = cluster.group(store, range(1, 10), cfg.summarize)
    seen: list[tuple[list[int | None], float]] = []
    corroborated = answer_rank.corroborated

    def spy(found: list[answer_rank.Passage], of: list[int | None], sure: float = 0.0
            ) -> list[answer_rank.Passage]:
        seen.append((list(of), sure))
        return corroborated(found, of, sure)

    monkeypatch.setattr(answer_rank, "corroborated", spy)
    ans = answer.ask(store, cfg, "كم شخصا أصيب في حريق الخالدية؟", index=answer.Index())
    assert ans.found and seen
    (of, sure), = seen
    assert sure == cfg.answer.min_match
    assert ans.hits[0].story_id in of and set(of) <= {*stories.values(), None}


def _count_made_terms(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record what each answer_cache.make_terms call returns (the sentences it did)."""
    made: list[int] = []
    make_terms = answer_cache.make_terms

    def counted(*args: Any) -> int:
        made.append(make_terms(*args))
        return made[-1]

    monkeypatch.setattr(answer_cache, "make_terms", counted)
    return made


def test_the_index_is_saved_and_terms_are_made_once(
        write_config: ConfigFactory, news: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, store = _day(write_config, news)
    question = "ما سبب ارتفاع أرباح صدق؟"
    first = answer.ask(store, cfg, question, index=answer.Index())
    cache = answer_cache.cache_path(store)
    assert first.found and cache.exists()
    made = _count_made_terms(monkeypatch)
    # a new process: the saved index, nothing read or stemmed again
    assert answer.ask(store, cfg, question, index=answer.Index()).hits == first.hits
    cache.unlink()  # no saved index: built again from the stored terms, still no stemming
    assert answer.ask(store, cfg, question, index=answer.Index()).hits == first.hits
    assert made == [0] and cache.exists()  # (not called for the saved index)
    _ingest_hospital(cfg, store, tmp_path)
    ans = answer.ask(store, cfg, "مستشفى بنغازي", index=answer.Index())
    assert ans.found and "مستشفى" in ans.hits[0].citation.original
    assert made == [0, 2]  # the new article's headline and sentence only


def test_prepare_makes_the_terms_before_the_question(
        write_config: ConfigFactory, news: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, store = _day(write_config, news)
    answer.prepare(store, cfg, answer.Index())
    assert answer_cache.cache_path(store).exists()
    made = _count_made_terms(monkeypatch)
    assert answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", index=answer.Index()).found
    assert made == []  # the saved index was current


def test_new_term_rules_make_the_terms_again(write_config: ConfigFactory, news: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, store = _day(write_config, news)
    answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", index=answer.Index())
    sentences = sum(len(s) for s in store.sentences(range(1, 10)).values())
    made = _count_made_terms(monkeypatch)
    monkeypatch.setattr(answer_terms, "signature", lambda: "a new stemmer")
    assert answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", index=answer.Index()).found
    assert made == [sentences] and store.answer_meta("terms") == "a new stemmer"


@pytest.mark.parametrize("rules", ["STEMMER", "FLAGS"])
def test_comments_in_the_stemmer_or_the_flags_do_not_make_the_terms_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: str) -> None:
    """The terms' signature follows the code of the stemmer and of the sentence flags
    (``answer_flags``), not their comments or layout."""
    stemmer = tmp_path / "stemmer_under_test.py"
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(answer_terms, rules, "stemmer_under_test")

    def signature(source: str) -> str:
        stemmer.write_text(source, encoding="utf-8")
        sys.modules.pop("stemmer_under_test", None)
        answer_terms.signature.cache_clear()
        return answer_terms.signature()

    try:
        first = signature("def stem(word):\n    return word[:3]\n")
        assert signature("# a light stemmer\ndef stem(word):  # three letters\n\n"
                         "    return word[:3]\n") == first
        assert signature("def stem(word):\n    return word[:4]\n") != first
    finally:
        answer_terms.signature.cache_clear()


def test_a_damaged_saved_index_is_built_again(write_config: ConfigFactory, news: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    cfg, store = _day(write_config, news)
    answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", index=answer.Index())
    answer_cache.cache_path(store).write_bytes(b"PK\x03\x04 not an index")
    assert answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", index=answer.Index()).found
    assert "unreadable" in caplog.text


def test_window_and_story_scope(write_config: ConfigFactory, news: Path) -> None:
    cfg, store = _day(write_config, news)
    later = utcnow() + timedelta(days=cfg.answer.days + 1)
    index = answer.Index()
    question = "لماذا أغلق مطار عدن؟"
    assert not answer.ask(store, cfg, question, index=index, now=later).found
    stories = cluster.group(store, range(1, 10), cfg.summarize)
    fire = stories[next(a.id for a in store.articles(range(1, 10)) if a.url == URL + "fire")]
    scoped = answer.ask(store, cfg, "كم شخصا أصيب في حريق الخالدية؟", [fire], index=index)
    assert _urls(scoped) == ["fire"] and scoped.hits[0].story_id == fire
    assert not answer.ask(store, cfg, "ما سبب ارتفاع أرباح صدق؟", [fire], index=index).found


def test_store_has_the_answer_tables(store: Store) -> None:
    assert schema_version(store.db) == len(MIGRATIONS)
    assert store.answer_state() == AnswerState(0, 0)
    assert store.answer_meta("terms") is None


def test_related_forms_share_a_root_and_letters() -> None:
    from briefings.answer_terms import root, similar

    for a, b in [("يعاقب", "عقوبه"), ("يتاجر", "اتجار"), ("اغلق", "مغلق"),
                 ("برمنغهام", "برمنجهام"), ("صححو", "تصحيح"), ("غرقو", "غرق"),
                 ("جيزان", "جازان"), ("قديروف", "قاديروف")]:
        # (the stems of صححوا and غرقوا keep the plural's و; two spellings of a name)
        assert root(a) == root(b) and similar(a, b) >= 0.5, (a, b)
    assert root("سكان") != root("سكاكا")  # Snowball takes both to سكا
    assert root("2015") == "" and root("news") == ""


def _contents(side: answer_index.Side) -> tuple[set[tuple[str, int, int]], list[tuple]]:
    """What a side says, whatever its layout: (term, sentence id, count) of the sentences in
    the window, and their per-sentence values, by sentence id."""
    alive = side.time > -np.inf
    postings = {(side.term(t), int(side.sid[d]), int(c)) for t in range(len(side.vocab))
                for d, c in zip(*side.postings(t), strict=True) if alive[d]}
    rows = sorted(zip(side.sid[alive].tolist(), side.art[alive].tolist(),
                      side.pos[alive].tolist(), side.flags[alive].tolist(), strict=True))
    return postings, rows


def test_sentences_added_later_are_merged_like_a_full_build(
        tiny_model: Path, write_config: ConfigFactory, tmp_path: Path) -> None:
    news = write_day(tmp_path / "news", ["aden_first_plane", "aden_second_plane", "fire"])
    cfg = config.load(write_config(**news_config(news)))
    store = Store(cfg.db_path)
    ingest(cfg, store)
    index = answer.Index()
    answer.ask(store, cfg, "مطار عدن", index=index)
    since = index.key["since"]
    write_day(tmp_path / "news")  # the whole day: six more articles
    ingest(cfg, store)
    install_tiny(tiny_model)
    translate_pending(store, get_translator(cfg), ids=[1, 2, 3, 20, 21])  # old and new
    answer.ask(store, cfg, "مطار عدن", index=index)
    assert index.key["since"] == since  # merged into the index made first
    translate_pending(store, get_translator(cfg))
    answer.ask(store, cfg, "مطار عدن", index=index)
    answer_cache.cache_path(store).unlink()
    fresh = answer.Index()
    answer.ask(store, cfg, "مطار عدن", index=fresh)
    sentences = sum(len(x) for x in store.sentences(range(1, 10)).values())
    for arabic in (True, False):
        assert _contents(index.sides[arabic]) == _contents(fresh.sides[arabic])
        assert len(fresh.sides[arabic].ids) == sentences  # all translated
    again = answer.Index()  # and the merged index was saved
    answer.ask(store, cfg, "مطار عدن", index=again)
    assert _contents(again.sides[False]) == _contents(fresh.sides[False])


def test_only_a_confident_best_passage_answers() -> None:
    from briefings.answer_rank import Passage

    weak_first = [Passage(0, 1.0, 0.5), Passage(1, 0.9, 0.9)]
    assert answer._confident(weak_first, 0.65) == []  # not rescued by a later passage
    strong = [Passage(0, 1.0, 0.8), Passage(1, 0.9, 0.5), Passage(2, 0.8, 0.7)]
    assert answer._confident(strong, 0.65) == [strong[0], strong[2]]
    assert answer._confident([], 0.0) == []
