"""`briefings ask`: cited URLs, JSON, English questions, and a fast start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from briefings import answer, config
from briefings.cli import main
from briefings.ingest import ingest
from briefings.modelkit import SAMPLE_ENGLISH, ModelShape, build_package
from briefings.packages import find, packages_dir
from briefings.store import Store
from briefings.translate import ArgosTranslator, get_translator, translate_pending

from .builders import ANSWERS as FIXTURES
from .builders import ANSWERS_URL as URL
from .builders import ROOT, ConfigFactory, install_tiny
from .builders import answers_config as news_config
from .builders import answers_day as write_day

CLOSED = "لماذا أغلق مطار عدن؟"  # answered by aden_first_plane: "وكان مطار عدن مغلقا ..."


def _ingested(path: Path) -> Path:
    cfg = config.load(path)
    store = Store(cfg.db_path)
    ingest(cfg, store)
    store.close()
    return path


@pytest.fixture
def day_config(write_config: ConfigFactory, tmp_path: Path) -> Path:
    return _ingested(write_config(**news_config(write_day(tmp_path / "news"), min_match=0.0)))


def test_text_answer_shows_the_article_url(day_config: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(day_config), "ask", CLOSED]) == 0
    out = capsys.readouterr().out
    assert f"{URL}aden_first_plane" in out and "— link" not in out and "<" not in out
    assert main(["--config", str(day_config), "ask", "--format", "html", CLOSED]) == 0
    assert f'<a href="{URL}aden_first_plane">' in capsys.readouterr().out


def test_json_answer(day_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(day_config), "ask", "--format", "json", CLOSED]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"question", "found", "sentences"}
    assert data["question"] == CLOSED and data["found"] is True
    first = data["sentences"][0]
    assert set(first) == {"ar", "en", "url", "story_id", "score"}
    assert first["url"] == f"{URL}aden_first_plane" and "مغلقا" in first["ar"]
    assert first["en"] is None and first["story_id"] is None  # untranslated, not grouped
    assert 0 < first["score"] <= 1


def test_json_nothing_found(write_config: ConfigFactory, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _ingested(write_config(**news_config(write_day(tmp_path / "news"))))
    assert main(["--config", str(path), "ask", "--format", "json",
                 "من فاز في انتخابات الرئاسة في البرازيل؟"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"question": "من فاز في انتخابات الرئاسة في البرازيل؟",
                                   "found": False, "sentences": []}
    assert "Nothing about" in out.err


def test_a_folder_article_is_cited_by_its_file(capsys: pytest.CaptureFixture[str],
                                               write_config: ConfigFactory) -> None:
    path = _ingested(write_config(answer={"min_match": 0.0}))
    assert main(["--config", str(path), "ask", "--format", "json", "مصراتة"]) == 0
    urls = {s["url"] for s in json.loads(capsys.readouterr().out)["sentences"]}
    assert urls and all(u.endswith(".txt") and Path(u).exists() for u in urls)


def test_english_question_over_untranslated_articles_says_to_ask_in_arabic(
        day_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(day_config), "ask", "why was Aden airport closed?"]) == 0
    out = capsys.readouterr().out
    assert "not translated yet" in out and "Ask in Arabic" in out
    cfg = config.load(day_config)
    ans = answer.ask(Store(cfg.db_path), cfg, "why was Aden airport closed?",
                     index=answer.Index())
    assert not ans.found and ans.untranslated is not None and ans.untranslated[0] == 0


def test_english_question_searches_the_translations(
        tiny_model: Path, day_config: Path) -> None:
    cfg = config.load(day_config)
    store = Store(cfg.db_path)
    install_tiny(tiny_model)
    translate_pending(store, get_translator(cfg))
    # the (random-weight) model's own English for one sentence, asked back
    sentence = next(s for ss in store.sentences(range(1, 10)).values() for s in ss
                    if s.text_en and len(set(s.text_en.split())) >= 4)
    ans = answer.ask(store, cfg, sentence.text_en or "", index=answer.Index())
    assert ans.found and ans.untranslated is None and ans.translated_question is None
    assert sentence.id in {h.sentence_id for h in ans.hits}
    assert all(h.english for h in ans.hits)


@pytest.fixture(scope="session")
def tiny_en_ar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real en->ar CTranslate2 + SentencePiece package with random weights."""
    arabic = [line for f in sorted(FIXTURES.glob("*.txt"))
              for line in f.read_text(encoding="utf-8").splitlines()]
    shape = ModelShape(layers=2, d_model=32, ffn=64, heads=2, vocab_size=300, eos_bias=2.0)
    return build_package(tmp_path_factory.mktemp("en_ar") / "en_ar-tiny.argosmodel",
                         arabic + SAMPLE_ENGLISH * 3, shape, from_code="en", to_code="ar")


def test_english_question_is_translated_by_an_en_ar_package(
        tiny_en_ar: Path, day_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "install", str(tiny_en_ar)]) == 0
    cfg = config.load(day_config)
    store = Store(cfg.db_path)
    question = "why was Aden airport closed?"
    ans = answer.ask(store, cfg, question, index=answer.Index())
    model = ArgosTranslator(cfg.translate, find(packages_dir(None), "en", "ar"))
    assert ans.translated_question == model.translate([question])[0]  # the model's output
    assert ans.untranslated is None  # the originals were searched
    capsys.readouterr()
    assert main(["--config", str(day_config), "ask", question]) == 0
    out = capsys.readouterr().out
    assert ans.translated_question in out and "Ask in Arabic" not in out


def test_a_question_loads_neither_the_bot_nor_a_stemmer(day_config: Path) -> None:
    """The command's CPU is mostly imports: the bot's commands and NLTK stay unloaded (the
    stems of the words the sentences had are stored with their terms)."""
    cfg = config.load(day_config)
    assert answer.ask(Store(cfg.db_path), cfg, "مطار عدن", index=answer.Index()).found
    code = ("import sys\nfrom briefings.cli import main\n"
            f"main(['--config', {str(day_config)!r}, 'ask', 'ماذا حدث في مطار عدن؟'])\n"
            "print(*(m in sys.modules for m in ('telegram', 'bot', 'nltk')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=120)
    assert "aden_" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False False False"
