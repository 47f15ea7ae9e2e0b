"""An article that is only a headline (a brief, a feed entry with a title alone, a page
whose text was lost) is kept as its headline: digests show it and questions find it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings import config
from briefings.answer import ask
from briefings.cli import main
from briefings.ingest import ingest
from briefings.store import Store

from .builders import ConfigFactory, day_item, install_tiny, write_day

BRIEF = "انفجار يهز ميناء بنغازي صباح اليوم ويوقع إصابات بين العمال"
BODY = ("قال مسؤولون إن اشتباكات نشبت بين القوات المحلية والمسلحين شرقي المدينة أمس. "
        "وأضاف متحدث أن القوات تستعد للتقدم نحو المدينة في الأيام المقبلة.")


def _setup(tmp_path: Path, write_config: ConfigFactory, items: list[dict[str, str]],
           **ingest_opts: object) -> tuple[config.Config, Path]:
    """The config (and its file) of one folder source holding ``items`` as a day file."""
    write_day(tmp_path / "inbox", items)
    path = write_config([{"name": "inbox", "type": "folder", "path": str(tmp_path / "inbox")}],
                        ingest=dict(ingest_opts))
    return config.load(path), path


def test_a_titled_article_without_text_is_kept_as_its_headline(
        tmp_path: Path, write_config: ConfigFactory) -> None:
    cfg, _ = _setup(tmp_path, write_config, [
        day_item("okaz", "http://e.sa/1", BRIEF, "صورة"),  # a photo caption, not text
        day_item("okaz", "http://e.sa/2", "عاجل", ""),  # one word tells nothing: skipped
        day_item("okaz", "http://e.sa/3", "الشباب يتعاقد مع المهاجم أفونسو", " حسن معاذ"),
        day_item("sabq", "http://e.sa/4", "اشتباكات شرقي المدينة", BODY)])
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    assert len(report.added) == 3 and report.items_skipped == 1
    assert any("e.sa/2" not in line and "headline alone" in line for line in report.skipped)
    arts = {a.url: a for a in store.articles(report.added)}
    brief = arts["http://e.sa/1"]
    assert brief.headline == BRIEF
    sentences = store.sentences([brief.id])[brief.id]
    assert [(s.position, s.text_src) for s in sentences] == [(0, BRIEF)]
    # two briefs with no text are two articles (known by their headlines), and reading
    # them again stores nothing
    assert arts["http://e.sa/3"].headline.startswith("الشباب")
    again = ingest(cfg, store)
    assert again.added == [] and again.duplicates == 3


def test_headline_only_false_skips_them_as_before(
        tmp_path: Path, write_config: ConfigFactory) -> None:
    cfg, _ = _setup(tmp_path, write_config, [day_item("okaz", "http://e.sa/1", BRIEF, "صورة")],
                    headline_only=False)
    report = ingest(cfg, Store(cfg.db_path))
    assert report.added == [] and report.items_skipped == 1
    assert "empty article" in report.skipped[0]


def test_a_first_line_alone_is_still_the_text_not_a_headline(
        tmp_path: Path, write_config: ConfigFactory) -> None:
    """A plain-text file of one short line has no title: it is skipped as too short, not kept
    as a headline (its one line was taken as the text, session 14)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(BRIEF + "\n", encoding="utf-8")
    path = write_config([{"name": "inbox", "type": "folder", "path": str(inbox)}])
    cfg = config.load(path)
    report = ingest(cfg, Store(cfg.db_path))
    assert report.added == [] and "empty article" in report.skipped[0]


def test_the_digest_shows_a_brief_with_its_link(
        tmp_path: Path, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    _, path = _setup(tmp_path, write_config, [day_item("okaz", "http://e.sa/1", BRIEF, "")])
    assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
    out = capsys.readouterr()
    assert "kept as its headline alone" in out.err
    assert "1 story from 1 article" in out.out
    assert f"1. {BRIEF} [untranslated]" in out.out
    assert re.search(rf"\[1\] Okaz — {BRIEF} — http://e\.sa/1", out.out), out.out
    assert "• " not in out.out  # no bullet repeats the headline


def test_a_brief_is_translated_and_answers_a_question(
        tiny_model: Path, tmp_path: Path, write_config: ConfigFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(tiny_model)
    cfg, path = _setup(tmp_path, write_config, [day_item("okaz", "http://e.sa/1", BRIEF, "")])
    assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
    out = capsys.readouterr().out
    store = Store(cfg.db_path)
    (art,) = store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))
    english = store.headline_en(art.id)
    assert english and english != BRIEF  # the model's output, shown as the heading
    assert f"1. {english} (#" in out and "untranslated" not in out
    answer = ask(store, cfg, "ماذا حدث في ميناء بنغازي؟")
    assert answer.found and answer.hits[0].citation.article_id == art.id



def test_a_story_with_text_comes_before_a_newer_brief(
        tmp_path: Path, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    """Of as many outlets, a story told by a headline alone ranks after one with text, however
    recent: a digest of a few stories leaves the briefs out first."""
    write_day(tmp_path / "inbox", [
        day_item("okaz", "http://e.sa/1", BRIEF, "", date_extracted="2015-07-23 09:00:00"),
        day_item("sabq", "http://e.sa/2", "اشتباكات شرقي المدينة", BODY,
                 date_extracted="2015-07-23 08:00:00")])
    path = write_config([{"name": "inbox", "type": "folder", "path": str(tmp_path / "inbox")}],
                        digest={"max_stories": 1})
    assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "1. اشتباكات شرقي المدينة" in out and BRIEF not in out
