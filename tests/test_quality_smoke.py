"""The quality benchmark (benchmarks/quality): its scoring rules on hand-computed cases, and
the whole run on a tiny hand-written labelled day (tests/fixtures/quality)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.quality import scoring
from benchmarks.quality.__main__ import main
from benchmarks.quality.labels import LabelError, load_labels, unpack_day

from .builders import write_day, zip_day

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "quality"
DAY, LABELS = FIXTURE / "day.json", FIXTURE / "labels"


def test_bcubed_hand_computed() -> None:
    # gold: {a b} {c d} {e}; predicted: {a b c} {d}; e not stored (its own singleton)
    gold = {"a": "E1", "b": "E1", "c": "E2", "d": "E2", "e": "E3"}
    b = scoring.bcubed(gold, {"a": 1, "b": 1, "c": 1, "d": 2, "x": 1})
    # precision: a, b 2/3; c 1/3; d 1; e 1 -> 11/15. recall: a, b 1; c, d 1/2; e 1 -> 4/5
    assert b.precision == pytest.approx(11 / 15)
    assert b.recall == pytest.approx(4 / 5)
    assert b.f1 == pytest.approx(88 / 115)
    assert b.urls == 5  # the unlabelled "x" is out of scope
    perfect = scoring.bcubed(gold, {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3})
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    one = scoring.bcubed(gold, dict.fromkeys(gold, 7))  # everything in one story
    assert one.recall == 1.0 and one.precision == pytest.approx((2 / 5) * 4 / 5 + 1 / 5 / 5)


def test_key_term_normalisation_and_coverage() -> None:
    assert scoring.normalise_key("مُحَمَّد") == "محمد"
    assert scoring.normalise_key("أمريكا إيران آسيا") == "امريكا ايران اسيا"
    assert scoring.normalise_key("الرياضة مستشفى جـدة ٢٠١٥") == "الرياضه مستشفي جده 2015"
    cov, missing = scoring.coverage(
        ["الملك سلمان", "كارتر", "قصر السلام"],
        ["استقبل الملكُ سلمان وزيرَ الدفاع الأمريكي.", "وبحث مع كارتر العلاقات."])
    assert cov == pytest.approx(2 / 3) and missing == ["قصر السلام"]
    assert scoring.coverage([], []) == (1.0, [])
    # the story holding most of an event's URLs; a tie goes to the story formed first
    assert scoring.story_of_event(["a", "b", "c"], {"a": 5, "b": 5, "c": 2}) == 5
    assert scoring.story_of_event(["a", "b"], {"a": 9, "b": 4}) == 4
    assert scoring.story_of_event(["a"], {}) is None


@pytest.mark.parametrize(("text", "end"), [
    ("قال الوزير إن الحريق أخمد.", "final"),
    ("هل انتهى العمل؟", "final"),
    ("وقال: «انتهى العمل.»", "final"),
    ("وأشار إلى أن العمل انتهى (مساء أمس).", "final"),
    ("انتهى العمل…", "final"),
    ("وأضاف أن الحريق اندلع في المستودع،", "clause"),
    ("وقال الوزير:", "clause"),
    ("وتبين أن حالتها", "none"),
    ('قال "انتهى"', "none"),
])
def test_bullet_ending_rule(text: str, end: str) -> None:
    assert scoring.ending(text) == end
    assert scoring.ends_mid_sentence(text) == (end != "final")


@pytest.mark.parametrize(("text", "kind"), [
    ("رابط الخبر بصحيفة الوئام: مقتل 20 في انفجار سيارة ملغومة ببغداد", "link-line"),
    ("للمزيد زوروا http://www.secb.gov.sa اليوم.", "link"),
    ("Kfsc.edu.sa .", "link"),
    ("algashgari@gmail.comللتواصل مع الكاتب ارسل رسالة SMS", "e-mail"),
    ("للتواصل مع الكاتب ارسل رسالة SMS", "contact"),
    ("بدر الجبل- سبق- تبوك: توفيت معلمة ظهر أمس داخل مبنى الجامعة.", "byline-prefix"),
    ("سبق- جدة: اندلع حريق كبير صباح اليوم في مستودع.", "byline-prefix"),
    ("بقلم: سلمان الدوسري", "byline"),
    ("سمات الاسعار النفط برنت تداول", "tags"),
    ("المصدر: واس", "source-line"),
    ("3 -", "lone-number"),
    ("عين اليوم – متابعات", "dateline-alone"),
    # news text that only looks like it
    ("وطمأن اللاعب الجماهير عبر موقع التواصل الاجتماعي «تويتر».", None),
    ("كشفت الممثلة أنها شعرت بالإرهاق خلال تصوير المسلسل.", None),
    ("1940 - الحرب العالمية الثانية: الاتحاد السوفياتي يحتل دول البلطيق.", None),
    ("سيتم إرسال رسالة قصيرة (SMS) إلى المرشحين.", None),
    ("يدعم التطبيق نقل الملفات دون الحاجة للاتصال بالإنترنت.", None),
    ("التطرف إحدى سمات المجتمع.", None),
])
def test_boilerplate_patterns(text: str, kind: str | None) -> None:
    assert scoring.boilerplate_kind(text) == kind


def test_question_scores_hand_computed() -> None:
    good, also = {"g1", "g2"}, {"g1", "g2", "a1"}
    s = scoring.score_questions(
        [(["g1", "x"], good, also),  # strict hit@1
         (["x", "a1", "g2"], good, also),  # lenient hit@1? no: strict hit@3, lenient hit@3
         (["a1"], good, also),  # lenient hit@1 only
         ([], good, also)],  # "nothing found"
        [[], ["x"]])
    assert (s.hit1_strict, s.hit3_strict) == (0.25, 0.5)
    assert (s.hit1_lenient, s.hit3_lenient) == (0.5, 0.75)
    assert s.nothing_found == 0.25 and s.honest == 0.5
    assert (s.answerable, s.unanswerable) == (4, 2)


def test_labels_are_checked_item_by_item(tmp_path: Path) -> None:
    (tmp_path / "events.json").write_text(json.dumps([
        {"id": "ok", "urls": ["u1", "u2"], "key_terms": ["x"], "kind": "multi"},
        {"id": "bad", "urls": "u3"},
        {"id": "twice", "urls": ["u2", "u4"], "key_terms": []},
    ]), encoding="utf-8")
    (tmp_path / "questions.json").write_text(json.dumps(
        {"answerable": [{"q": "س", "urls": ["u1"]}, {"q": "no urls"}],
         "unanswerable": ["ع", 5]}), encoding="utf-8")
    labels = load_labels(tmp_path)
    assert [e.id for e in labels.events] == ["ok", "twice"]
    assert labels.gold == {"u1": "ok", "u2": "ok", "u4": "twice"}
    assert [q.q for q in labels.answerable] == ["س"] and labels.unanswerable == ["ع"]
    assert len(labels.problems) == 4  # bad event, u2 twice, question without urls, 5
    with pytest.raises(LabelError, match="does not exist"):
        load_labels(tmp_path / "missing")


def test_unpack_day_json_and_zip(tmp_path: Path) -> None:
    items = unpack_day(DAY, tmp_path / "a")
    assert len(items) == 6 and all(loc.endswith(f"#{i}") for i, loc in enumerate(items))
    zipped = zip_day(DAY, tmp_path / "day.zip", "2015-01-01.json")
    assert list(unpack_day(zipped, tmp_path / "b").values()) == list(items.values())
    with pytest.raises(LabelError, match=r"expected a \.zip or \.json"):
        unpack_day(FIXTURE / "README.md", tmp_path / "c")


def test_benchmark_end_to_end_on_the_fixture_day(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    zipped = zip_day(DAY, tmp_path / "day.zip", "day.json")
    out = tmp_path / "figures.json"
    assert main(["--day", str(zipped), "--labels", str(LABELS), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for measure in ("B-cubed precision / recall / F1", "key-term coverage",
                    "end mid-sentence", "outlet boilerplate", "right article first",
                    "answered honestly"):
        assert measure in printed
    f = json.loads(out.read_text(encoding="utf-8"))
    assert f["articles"]["in_day"] == 6 and f["articles"]["skipped"] == 1
    g = f["grouping"]
    assert g["labelled_urls"] == 6 and 0 < g["precision"] <= 1 and 0 < g["recall"] <= 1
    assert {"url": "http://example.sa/aljazirah/empty",
            "why": "empty article (22 characters of text after cleaning, minimum 80)"} \
        in g["unstored"]
    assert f["key_terms"]["events"] == 2 and 0 <= f["key_terms"]["coverage"] <= 1
    b = f["bullets"]
    assert b["count"] > 0 and 0 <= b["mid_sentence"] <= 1
    assert sum(b["endings"].values()) == b["count"]
    q = f["questions"]
    assert (q["answerable"], q["unanswerable"], len(q["per_question"])) == (2, 1, 3)
    assert f["settings"]["summarize"]["sentences"] == 3  # the default config was measured


def test_a_day_labelled_with_questions_only(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    shutil.copy(LABELS / "questions.json", labels / "questions.json")
    assert main(["--day", str(DAY), "--labels", str(labels)]) == 0
    printed = capsys.readouterr().out
    assert "| story grouping and key-term coverage | not scored (no events.json) |" in printed
    assert "B-cubed" not in printed and "answered honestly" in printed


def test_missing_labels_is_one_line_and_exit_2(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--day", str(DAY), "--labels", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: labels directory") and "\n" not in err


def test_speed_measures_on_the_fixture_day(tmp_path: Path) -> None:
    """digest and poll in-process (their CPU figures exist), on copies of the fixture day."""
    from benchmarks.quality import speed

    d = speed._digest(DAY, tmp_path / "digest", None)
    assert d["articles"] == 5 and d["stories"] >= 1
    assert min(d["group_cold_s"], d["digest_first_s"], d["digest_warm_s"]) >= 0
    days = []
    for n in range(4):  # four distinct "days": other URLs, other text
        items = json.loads(DAY.read_text(encoding="utf-8"))
        for item in items:
            item["url"] += f"?day={n}"
            item["content"] += f"\nوهذا نص اليوم رقم {n} من أيام الاختبار الأربعة."
        days.append(write_day(tmp_path, items, f"day{n}.json"))
    p = speed._poll(tmp_path / "poll.sqlite3", days, None, new=3)
    assert (p["window_articles"], p["new_articles"], p["days_stored"]) == (15, 3, 4)
    assert p["articles_stored"] == 20 and p["group_s"] >= 0


def test_ask_is_measured_as_a_fresh_process_with_its_bytecode_cached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One unmeasured ask first, then one process per question, each without
    PYTHONDONTWRITEBYTECODE (a user's installation writes its bytecode cache)."""
    from benchmarks.quality import speed

    speed._poll(tmp_path / "ask.sqlite3", [DAY] * 4, None, new=1)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    children: list[tuple[list[str], dict[str, str] | None]] = []
    run_child = speed._run_child

    def spy(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
        children.append((args, env))
        return run_child(args, env)

    monkeypatch.setattr(speed, "_run_child", spy)
    a = speed.ask_cpu(tmp_path / "ask.sqlite3", ["ماذا حدث؟", "من فاز؟"], tmp_path, None)
    assert a["questions"] == 2 and len(a["runs_cpu_s"]) == 2 and a["cpu_s"] > 0
    assert [args[-1] for args, _ in children] == ["ماذا حدث؟", "ماذا حدث؟", "من فاز؟"]
    assert all(env is not None and "PYTHONDONTWRITEBYTECODE" not in env for _, env in children)


SHIPPED = sorted(p for p in (Path(__file__).parent.parent / "benchmarks" / "eval").iterdir()
                 if p.is_dir())


@pytest.mark.parametrize("day", SHIPPED, ids=[p.name for p in SHIPPED])
def test_the_shipped_label_sets_are_whole(day: Path) -> None:
    # every item loads (none skipped), no URL is in two events, a "multi" event has two
    # URLs or more
    raw = json.loads((day / "events.json").read_text("utf-8")) \
        if (day / "events.json").exists() else []
    labels = load_labels(day)
    absent = {"events.json: missing; grouping and key terms are not scored",
              "questions.json: missing; no question is scored"}
    assert not set(labels.problems) - absent
    assert labels.events or labels.answerable
    assert len({e.id for e in labels.events}) == len(labels.events) == len(raw)
    assert sum(len(e.urls) for e in labels.events) == len(labels.gold)
    assert all(e.multi == (len(e.urls) > 1) and e.key_terms for e in labels.events)
