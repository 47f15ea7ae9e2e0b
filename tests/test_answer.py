"""The answer stage: cited matches, plain 'nothing', incremental index."""

from __future__ import annotations

from pathlib import Path

from briefings import answer, config
from briefings.ingest import ingest
from briefings.store import Store
from briefings.translate import get_translator, translate_pending

from .conftest import install_tiny


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


def test_index_grows_with_new_sentences_and_translations(
        tiny_model: Path, cfg: config.Config, store: Store, tmp_path: Path) -> None:
    index = answer.Index()
    ingest(cfg, store)
    answer.ask(store, cfg, "مصراتة", index=index)
    arabic_docs = len(index.sides[True].ids)
    assert arabic_docs > 20 and index.sides[False].ids == []
    install_tiny(tiny_model)
    translate_pending(store, get_translator(cfg))
    answer.ask(store, cfg, "مصراتة", index=index)
    assert len(index.sides[True].ids) == arabic_docs  # nothing indexed twice
    assert len(index.sides[False].ids) == arabic_docs  # every translation added once
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان جديد\nأعلنت وزارة الصحة افتتاح مستشفى جديد في مدينة "
                                  "بنغازي يضم مئتي سرير ويخدم سكان المنطقة الشرقية.\n",
                                  encoding="utf-8")
    ingest(cfg, store, [config.SourceConfig(name="more", type="folder", path=str(folder))])
    hit = answer.ask(store, cfg, "مستشفى بنغازي", index=index)
    assert hit.found and "مستشفى" in hit.hits[0].citation.original
    assert len(index.sides[True].ids) == arabic_docs + 2
