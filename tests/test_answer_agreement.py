"""How sure an answer is depends on agreement: other outlets' reports of the passage's story
that the question finds nearly as surely make it surer; best matches spread over several
stories make it less sure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from briefings import answer, answer_rank, cluster, config
from briefings.ingest import ingest
from briefings.store import Store

from .builders import ANSWERS, ANSWERS_URL, ConfigFactory, day_item, write_day
from .builders import answers_config as news_config

Passage = answer_rank.Passage


def test_outlets_that_agree_add_confidence_and_a_scattered_question_loses_it() -> None:
    found = [Passage(0, 1.00, 0.70), Passage(1, 0.95, 0.66), Passage(2, 0.90, 0.64),
             Passage(3, 0.85, 0.65), Passage(4, 0.50, 0.40), Passage(5, 0.30, 0.69)]
    stories = [7, 7, 7, 7, 7, None]
    outlets = ["a", "b", "b", "c", "d", "e"]
    gain = answer_rank.agreement(found, stories, outlets)
    # near the best score (0.8 of it): 0-3, all story 7: one story, nothing taken
    # passage 0 (0.70): a, b (0.66, 0.64) and c (0.65) are at least 0.9 x 0.70, b's two
    # reports one outlet; d (0.40) is far below
    assert gain[0] == pytest.approx(answer_rank.AGREE * np.log(3))
    assert gain[4] == pytest.approx(answer_rank.AGREE * np.log(4))  # a to d, for 0.40
    assert gain[5] == 0.0  # not grouped: no story to agree with
    apart = answer_rank.agreement(found[:2], [None, None], ["a", "b"])
    assert apart[0] == apart[1] == pytest.approx(-answer_rank.SCATTER)  # two stories, no
    # agreement: two outlets' articles not grouped yet are not one story
    assert [p.confidence for p in answer_rank.agreed(found, gain)][:2] == pytest.approx(
        [0.70 + answer_rank.AGREE * np.log(3), 0.66 + answer_rank.AGREE * np.log(3)])


def test_best_matches_in_several_stories_are_less_sure() -> None:
    found = [Passage(0, 1.0, 0.8), Passage(1, 0.9, 0.8), Passage(2, 0.85, 0.8),
             Passage(3, 0.82, 0.8), Passage(4, 0.5, 0.8)]
    one = answer_rank.SCATTER
    # 4 is not near the best score; articles not grouped yet are a story each
    assert answer_rank.agreement(found, [1, 2, 2, None, 3], ["a"] * 5)[0] == pytest.approx(
        -2 * one)
    assert answer_rank.agreement(found, [None, None, None, None, 3], ["a"] * 5)[0] == \
        pytest.approx(-3 * one)
    assert answer_rank.agreed([Passage(0, 1.0, 0.99)], {0: 0.5})[0].confidence == 1.0
    assert answer_rank.agreed([Passage(0, 1.0, 0.01)], {0: -0.5})[0].confidence == 0.0
    assert answer_rank.agreement([], [], []) == {}


def _fire_by_three_outlets(folder: Path) -> None:
    """The answer articles (one outlet, "news"), and the Khalidiya fire as two more outlets
    report it, in their words."""
    items = []
    for path in sorted(ANSWERS.glob("*.txt")):
        headline, _, body = path.read_text(encoding="utf-8").partition("\n")
        items.append(day_item("news", ANSWERS_URL + path.stem, headline, body,
                              "2015-07-23 10:00:00"))
    items += [
        day_item("okaz", ANSWERS_URL + "okaz-fire", "ثلاثة مصابين في حريق بالخالدية",
                 "أصيب ثلاثة أشخاص في حريق شب فجر اليوم في مبنى سكني بحي الخالدية بالرياض. "
                 "وسيطرت فرق الدفاع المدني على الحريق.", "2015-07-23 11:00:00"),
        day_item("sabq", ANSWERS_URL + "sabq-fire", "حريق مبنى سكني في الخالدية",
                 "أعلن الدفاع المدني إصابة ثلاثة أشخاص في حريق مبنى سكني بحي الخالدية في "
                 "الرياض فجر اليوم.", "2015-07-23 12:00:00")]
    write_day(folder, items)


def test_a_fact_three_outlets_report_is_answered_more_surely(
        write_config: ConfigFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fire_by_three_outlets(tmp_path / "news")
    cfg = config.load(write_config(**news_config(tmp_path / "news", min_match=0.0)))
    store = Store(cfg.db_path)
    added = ingest(cfg, store).added
    stories = cluster.group(store, added, cfg.summarize)
    fire = {a.id for a in store.articles(added) if "fire" in (a.url or "")}
    assert len(fire) == 3 and len({stories[a] for a in fire}) == 1  # one story, 3 outlets
    question = "كم عدد المصابين في الحريق الذي اندلع فجرا؟"  # no passage covers all of it

    def sure() -> dict[str, float]:
        ans = answer.ask(store, cfg, question, index=answer.Index())
        assert ans.found and {h.citation.article_id for h in ans.hits} == fire
        return {h.citation.link.rsplit("/", 1)[-1]: h.score for h in ans.hits}

    agreed = sure()
    monkeypatch.setattr(answer_rank, "AGREE", 0.0)
    alone = sure()
    assert max(agreed.values()) < 1.0  # not clipped
    # the two surest reports (news, okaz) agree with each other; sabq's, less sure, has both
    # of them above 90% of its confidence
    near = {"fire": np.log(2), "okaz-fire": np.log(2), "sabq-fire": np.log(3)}
    assert agreed == pytest.approx({k: alone[k] + 0.05 * n for k, n in near.items()},
                                   abs=2e-3)
