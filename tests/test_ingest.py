from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings import config
from briefings.cli import main
from briefings.ingest import Cleaner, ingest
from briefings.models import RawArticle
from briefings.store import Store

from .builders import SEEDS, ConfigFactory, fixture, write_day

BOILERPLATE = ["AZP01", "مقالات ذات صلة", "اترك تعليق", "بريدك الإلكتروني", "Akismet",
               "زر الذهاب إلى الأعلى", "الحقول الإلزامية"]
ARABIC_BODY = ("قال مسؤولون إن اشتباكات نشبت بين القوات المحلية والمسلحين شرقي المدينة أمس. "
               "وأضاف متحدث أن القوات تستعد للتقدم نحو المدينة في الأيام المقبلة.")


def test_seeds_are_cleaned(cfg: config.Config, store: Store) -> None:
    report = ingest(cfg, store)
    assert len(report.added) == 2 and not report.skipped
    arts = {Path(a.location).name: a for a in store.articles(report.added)}
    zaman = arts["000_ef1d12a2add07518.txt"]
    arab = arts["003_a356ff9bb2d19569.txt"]
    assert zaman.headline.startswith("كوماندوس أميركي") and zaman.outlet == "Azzaman"
    assert zaman.dateline == "بنغازي" and zaman.byline == "مرسي ابو طوق"
    assert arab.headline.startswith("عسكريون بمصراتة") and arab.outlet == "Akhbar Al Arab"
    sentences = store.sentences(report.added)
    text = "\n".join(s.text_src for ss in sentences.values() for s in ss)
    for junk in [*BOILERPLATE, "بنغازي الزمان", "أخبار العرب"]:
        assert junk not in text, junk
    assert all(s.status == "pending" for ss in sentences.values() for s in ss)


def test_reingest_adds_nothing(cfg: config.Config, store: Store, tmp_path: Path) -> None:
    assert len(ingest(cfg, store).added) == 2
    again = ingest(cfg, store)
    assert again.added == [] and again.duplicates == 2
    # the same text under another name (and re-encoded spacing) is still a duplicate
    copy = tmp_path / "copy"
    copy.mkdir()
    text = (SEEDS / "000_ef1d12a2add07518.txt").read_text(encoding="utf-8")
    (copy / "renamed.txt").write_text(text.replace(" ", "  "), encoding="utf-8")
    src = config.SourceConfig(name="copy", type="folder", path=str(copy))
    assert ingest(cfg, store, [src]).duplicates == 1
    assert store.article_count() == 2


def test_mixed_folder_reports_each_and_keeps_the_good(
        tmp_path: Path, write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "empty.txt").write_text("\n\n  \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "cp1256.txt").write_bytes(("عنوان الخبر هنا\n" + ARABIC_BODY).encode("cp1256"))
    (folder / "english.md").write_text(
        "# Minister visits the port\n\nThe minister visited the port on Monday and said the "
        "new terminal would open next year, officials said. Workers welcomed the news.\n",
        encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\x00\x01")  # not an article suffix: ignored
    cfg_path = write_config(sources=[{"name": "inbox", "type": "folder", "path": str(folder)}])
    assert main(["dry-run", "--config", str(cfg_path), "--summary-only"]) == 0
    err = capsys.readouterr().err
    assert "empty.txt" in err and "empty article" in err
    assert "binary.txt" in err and "binary" in err
    assert "cp1256.txt" in err and "عنوان الخبر هنا" in err
    assert "english.md" in err and "English, not translated" in err
    cfg = config.load(cfg_path)
    store = Store(cfg.db_path)
    arts = store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))
    assert sorted(a.language for a in arts) == ["ar", "en"]
    english = next(a for a in arts if a.language == "en")
    assert english.headline == "Minister visits the port"
    sents = store.sentences([english.id])[english.id]
    assert all(s.status == "original" and s.text_en == s.text_src for s in sents)


def test_json_list_and_html(cfg: config.Config, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "json"
    items = [{"source": "aawsat", "url": "http://example.test/a/1", "title": "عنوان أول",
              "author": "الرياض: كاتب", "content": ARABIC_BODY, "date_extracted":
              "2015-07-21 02:51:32"},
             {"source": "okaz", "url": "http://example.test/a/2", "title": "عنوان ثان",
              "content": ""}]
    write_day(folder, items)
    (folder / "page.html").write_text(fixture("pages/from-a-page.html"), encoding="utf-8")
    src = config.SourceConfig(name="json", type="folder", path=str(folder))
    report = ingest(cfg, store, [src])
    arts = store.articles(report.added)
    assert {a.headline for a in arts} == {"عنوان أول", "خبر من صفحة"}
    first = next(a for a in arts if a.url == "http://example.test/a/1")
    assert first.outlet == "aawsat" and first.published and first.published.year == 2015
    assert any("empty article" in line for line in report.skipped)
    assert ingest(cfg, store, [src]).added == []  # dedup by URL and hash


def test_long_article_is_capped(cfg: config.Config) -> None:
    cleaner = Cleaner(cfg)
    body = "\n".join([ARABIC_BODY] * 400)
    art = cleaner.clean(RawArticle("t", "x.txt", "عنوان\n" + body), None)
    assert not isinstance(art, str) and art.truncated
    assert sum(len(s) for s in art.sentences) <= cfg.ingest.max_chars


def test_ingest_without_a_model_still_groups_and_indexes(cfg: config.Config) -> None:
    from briefings.answer_cache import cache_path

    assert main(["ingest", "--config", str(cfg.base_dir / "config.yaml")]) == 0
    store = Store(cfg.db_path)
    ids = [a.id for a in store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))]
    assert len(ids) == 2 and set(store.stories_of(ids)) == set(ids)  # grouped, model or not
    assert cache_path(store).exists()  # the next question finds the answer index made
