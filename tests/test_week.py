"""Days of news on one store, as a chat lives them (benchmarks/week.py replays a real week).

A story that goes on the next day was sent again with yesterday's bullets: the digest
summarised every article of the story, old and new, and ranked it by all its outlets, so
one new report joining yesterday's big story led today's digest with yesterday's news.
Now a continuing story is told by its new articles, marked as an update, and ranked by
them.

The new articles of a continuing story are mostly the next morning's print editions of
yesterday's reports, lightly edited: told by them, the story said yesterday's news again
in other words (on the replayed week, 13 of the 16 bullets of stories told again). Now
only what the earlier articles did not say is a bullet, and a story whose new articles
say nothing new is left out, counted in the header."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings import config
from briefings.chat_service import ChatService
from briefings.clock import replaying, utcnow
from briefings.novelty import new_figures, numbers
from briefings.redundancy import containment, signature

from .builders import ConfigFactory, day_item, write_day, zip_day

CHAT = 1601
DAY1 = datetime(2015, 7, 21, 20, 0, tzinfo=UTC)

FIRE = [  # day 1: two outlets
    day_item("okaz", "http://okaz.example/1", "حريق ضخم في مستودع للأخشاب بمدينة ينبع",
             "اندلع حريق ضخم في مستودع للأخشاب بمدينة ينبع الصناعية مساء أمس. "
             "وأعلن الدفاع المدني في ينبع أن 12 عاملا أصيبوا بحالات اختناق. "
             "وقال شهود إن ألسنة اللهب شوهدت من مسافة بعيدة."),
    day_item("sabq", "http://sabq.example/1", "إصابة 12 عاملا في حريق مستودع أخشاب في ينبع",
             "أصيب 12 عاملا في حريق اندلع في مستودع للأخشاب بمدينة ينبع الصناعية. "
             "وباشرت فرق الدفاع المدني في ينبع إخماد الحريق الذي استمر ثلاث ساعات. "
             "ونقل المصابون إلى مستشفى ينبع العام."),
]
FOLLOW_UP = day_item(  # day 2: a third outlet, new facts
    "alyaum", "http://alyaum.example/2", "ارتفاع عدد مصابي حريق مستودع الأخشاب في ينبع إلى 15",
    "ارتفع عدد المصابين في حريق مستودع الأخشاب بمدينة ينبع الصناعية إلى 15 عاملا. "
    "وكشف الدفاع المدني في ينبع أن التحقيقات الأولية تشير إلى تماس كهربائي. "
    "وغادر عشرة من المصابين مستشفى ينبع العام بعد تلقيهم العلاج.")
OTHER = [  # day 2: a story of its own, told by two outlets
    day_item("okaz", "http://okaz.example/2", "افتتاح معرض الكتاب في مدينة تبوك",
             "افتتح أمير منطقة تبوك معرض الكتاب السنوي بمشاركة 200 دار نشر. "
             "ويستمر معرض تبوك للكتاب عشرة أيام. "
             "وتقام على هامش معرض تبوك ندوات ثقافية يومية."),
    day_item("sabq", "http://sabq.example/3", "200 دار نشر في معرض تبوك للكتاب",
             "تشارك 200 دار نشر في معرض تبوك للكتاب الذي افتتحه أمير المنطقة. "
             "ويضم معرض تبوك أجنحة للأطفال. "
             "ويستمر المعرض في تبوك عشرة أيام."),
]


def _bullets(service: ChatService, digest: int) -> list[str]:
    text = "\n".join(p.text for p in service.store.unsent_parts(digest))
    return [line for line in text.splitlines() if line.startswith("• ")]


def _text(service: ChatService, digest: int) -> str:
    return "\n".join(p.text for p in service.store.unsent_parts(digest))


def _two_days(write_config: ConfigFactory, tmp_path: Path, day2: list[dict[str, str]],
              subscribed: bool = True) -> tuple[ChatService, int, int | None, int]:
    """Day 1's fire, then ``day2``, polled each evening; a daily digest each morning for a
    chat that subscribed on day 1 (``subscribed``), else one manual digest on day 2 for a
    chat that subscribed then: (service, the fire story, the first digest or None, the
    second)."""
    inbox = tmp_path / "inbox"
    cfg = config.load(write_config([{"name": "desk", "type": "folder", "path": str(inbox)}],
                                   translate={"auto_install": False}))
    service = ChatService(cfg)
    first = None
    with replaying(DAY1):
        write_day(inbox, FIRE, "day1.json")
        service.poll()
    if subscribed:
        service.subscribe(CHAT, "desk")
        with replaying(DAY1 + timedelta(hours=11)):
            first = service.compose_digest(CHAT, "daily")
    fire = service.store.stories_of([1])[1]
    with replaying(DAY1 + timedelta(days=1)):
        write_day(inbox, day2, "day2.json")
        service.poll()
    if not subscribed:
        service.subscribe(CHAT, "desk")
    with replaying(DAY1 + timedelta(days=1, hours=11)):
        second = service.compose_digest(CHAT, "daily" if subscribed else "manual")
        assert utcnow() == DAY1 + timedelta(days=1, hours=11)  # the replayed clock
    return service, fire, first, second


def test_a_story_that_goes_on_is_told_by_its_new_articles_as_an_update(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    service, fire, first, second = _two_days(write_config, tmp_path, [FOLLOW_UP, *OTHER])
    assert first is not None and service.store.digest_story_ids(first) == [fire]
    sent = set(_bullets(service, first))
    assert sent and "update" not in _text(service, first)
    stories = service.store.digest_story_ids(second)
    assert fire in stories  # the same story, continued
    assert stories[0] != fire  # two outlets' new story before one new report of an old one
    bullets = _bullets(service, second)
    assert not set(bullets) & sent, "yesterday's bullets sent again"
    assert any("15" in b for b in bullets)  # the new fact is there
    text = _text(service, second)
    assert f"update: 2 earlier articles in /story {fire}" in text
    fire_block = text[text.index(f"(#{fire})"):]
    assert "okaz.example/1" not in fire_block and "alyaum.example/2" in fire_block


def test_a_story_the_chat_was_never_sent_is_told_whole(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """A chat that subscribes on day 2 was never sent the fire story: its first digest tells
    it whole (all three articles, no "update"), not as an update of what it never saw."""
    service, _, _, digest = _two_days(write_config, tmp_path, [FOLLOW_UP, *OTHER],
                                      subscribed=False)
    text = _text(service, digest)
    assert "update" not in text
    assert "okaz.example/1" in text and "alyaum.example/2" in text


def test_the_week_benchmark_lives_days_in_order_on_one_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/week.py on two small days: the second morning's digest has the fire
    story again, as an update, with none of the first morning's bullets."""
    from benchmarks.week import main

    days = tmp_path / "days"
    days.mkdir()
    for name, items in (("2015-07-21", FIRE), ("2015-07-22", [FOLLOW_UP, *OTHER])):
        zip_day(write_day(tmp_path / name, items), days / f"{name}.zip", f"{name}.json")
    out = tmp_path / "week.json"
    assert main(["--days", str(days), "--json", str(out)]) == 0
    first, second = json.loads(out.read_text(encoding="utf-8"))
    assert (first["day"], first["new_articles"], first["stories"]) == ("2015-07-21", 2, 1)
    assert (second["new_articles"], second["stories"], second["seen_stories"]) == (3, 2, 1)
    assert second["repeated_bullets"] == 0 and second["bullets"] > 0
    assert "| 2015-07-22 | 3 | 2 | 1 |" in capsys.readouterr().out
    assert main(["--days", str(tmp_path / "nowhere")]) == 2


# Day 2's print editions of day 1's reports: another dateline, a word or two changed
PRINT = [
    day_item("alriyadh", "http://alriyadh.example/2", "حريق يلتهم مستودعا للأخشاب في ينبع",
             "ينبع - واس: اندلع حريق ضخم في مستودع للأخشاب بمدينة ينبع الصناعية مساء الاثنين. "
             "وأعلن الدفاع المدني في ينبع أن 12 عاملا أصيبوا بحالات اختناق. "
             "وقال شهود إن ألسنة اللهب شوهدت من مسافة بعيدة جدا."),
    day_item("aljazirah", "http://aljazirah.example/2", "12 مصابا في حريق مستودع أخشاب بينبع",
             "ينبع - الجزيرة: أصيب 12 عاملا في حريق اندلع في مستودع للأخشاب بمدينة ينبع "
             "الصناعية. وباشرت فرق الدفاع المدني في ينبع إخماد الحريق الذي استمر ثلاث ساعات. "
             "ونقل المصابون إلى مستشفى ينبع العام."),
]
CAUSE = ("وأرجع مدير الدفاع المدني في ينبع سبب الحريق إلى تماس كهربائي في غرفة "
         "المولدات بالمستودع.")


def _said_before(bullet: str, earlier: list[str]) -> bool:
    text = bullet.removeprefix("• [untranslated] ").rsplit(" [", 1)[0]
    return any(containment(signature(text), signature(e)) >= 0.6
               and not new_figures(numbers(text), numbers(e)) for e in earlier)


def test_a_continuing_story_leads_with_what_its_earlier_articles_did_not_say(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """Print editions of yesterday's reports, one with a new fact: the story is told by the
    new fact alone, not by yesterday's sentences in the print editions' words."""
    with_cause = dict(PRINT[1], content=PRINT[1]["content"] + " " + CAUSE)
    service, fire, _, second = _two_days(write_config, tmp_path,
                                      [PRINT[0], with_cause, *OTHER])
    assert service.store.stories_of([3, 4]) == {3: fire, 4: fire}  # the print editions
    earlier = [s.text_src for ss in service.store.sentences([1, 2]).values() for s in ss]
    text = _text(service, second)
    assert fire in service.store.digest_story_ids(second)
    block = text[text.index(f"(#{fire})"):]
    block = block[:block.index("Reported by")]
    bullets = [line for line in block.splitlines() if line.startswith("• ")]
    assert bullets and not [b for b in bullets if _said_before(b, earlier)], bullets
    assert CAUSE in bullets[0]
    assert f"update: 2 earlier articles in /story {fire}" in text


def test_a_story_whose_new_articles_say_nothing_new_is_not_sent_again(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    service, fire, _, second = _two_days(write_config, tmp_path, [*PRINT, *OTHER])
    stories = service.store.digest_story_ids(second)
    assert fire not in stories and len(stories) == 1  # the book fair only
    text = _text(service, second)
    assert "Not repeated: 1 story told before whose new reports add nothing" in text
    assert "ينبع" not in text


def test_a_new_figure_is_news(write_config: ConfigFactory, tmp_path: Path) -> None:
    """The same sentence with another number (15 injured, not 12) says something new."""
    rose = dict(PRINT[1], content=PRINT[1]["content"].replace("أصيب 12", "أصيب 15"))
    service, fire, _, second = _two_days(write_config, tmp_path, [PRINT[0], rose])
    assert service.store.digest_story_ids(second) == [fire]
    bullets = _bullets(service, second)
    assert any("أصيب 15 عاملا" in b for b in bullets) and not any("12" in b for b in bullets)


def test_what_counts_as_a_new_figure() -> None:
    """A figure is new unless the earlier sentence states it, in any digits, or rounds it
    ("375.5 million" of 375,526,840: the print edition of 07-26 re-told 07-25's
    expropriations so); another decimal is new."""
    told = numbers("بقيمة (375,526,840) ريالا ونزع ملكية (130) عقارا")
    assert not new_figures(numbers("بقيمة 375.5 مليون ريال و١٣٠ عقارا"), told)
    assert new_figures(numbers("بقيمة 376 مليون ريال"), told)
    assert new_figures(numbers("ارتفع المؤشر 4.7%"), numbers("ارتفع المؤشر 4.5%"))
    assert not new_figures(numbers("أصيب ١٢ عاملا"), numbers("أصيب 12 عاملا"))


def test_the_answer_index_rebuild_holds_each_term_once() -> None:
    """The daily rebuild of the answer index over a week of sentences held every term
    occurrence as its own string: 680 MiB peak for the replayed week's 110,000 sentences
    (371 MiB now). Measured by allocations (tracemalloc), not time: 20,000 sentences of 20
    terms from a vocabulary of 500 must not hold 400,000 strings at once."""
    import tracemalloc

    from briefings.answer_index import build

    vocabulary = [f"كلمة{i}" for i in range(500)]
    rows = [(i, i // 10, i % 10, 0.0, " ".join(vocabulary[(i * 7 + k * 13) % 500]
                                               for k in range(20)), 0)
            for i in range(1, 20_001)]
    tracemalloc.start()
    try:
        side = build(rows, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert side.n == 20_000 and len(side.vocab) == 500
    assert peak < 40 * 2**20, f"{peak / 2**20:.1f} MiB"  # 63 MiB before, 26 now
