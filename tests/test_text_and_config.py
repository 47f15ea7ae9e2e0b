from __future__ import annotations

from pathlib import Path

import pytest

from briefings import config
from briefings.cli import main
from briefings.errors import ConfigError
from briefings.text import content_hash, fold, latin_ratio, model_pieces, normalize, split_sentences


def test_normalize_presentation_forms_tatweel_bidi_controls() -> None:
    # "سلام" in presentation forms, with tatweel, RLM, zero-width space and a control char
    raw = "\ufeb3\ufefc\ufee1 \u200fمـــرحبا\u200b\x07 "
    assert normalize(raw) == "سلام مرحبا"
    assert normalize("e\u0301") == "\u00e9"  # NFC


def test_fold_makes_hash_robust_to_spelling_variants() -> None:
    assert content_hash("أكد الناطقُ باسم الوزارة.") == content_hash("اكد الناطق باسم الوزاره")
    assert fold("إبراهيم") == fold("ابراهيم")


def test_latin_ratio_and_sentences() -> None:
    assert latin_ratio("The minister said on Monday") == 1.0
    assert latin_ratio("قال الوزير") == 0.0
    sents = split_sentences("قال الوزير إن القوات وصلت. وأضاف أن الوضع هادئ؟\nسطر ثان هنا.")
    assert sents == ["قال الوزير إن القوات وصلت.", "وأضاف أن الوضع هادئ؟", "سطر ثان هنا."]


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = config.load(None)
    assert cfg.sources[0].name == "seeds" and cfg.translate.engine == "argos"
    assert cfg.db_path == tmp_path / "home" / "briefings.sqlite3"


def test_repo_config_is_valid_and_matches_the_defaults() -> None:
    repo = Path(__file__).resolve().parent.parent / "config.yaml"
    loaded = config.load(repo)
    defaults = config.from_mapping({}, repo.parent)
    for section in ("ingest", "translate", "summarize", "digest", "answer", "schedule",
                    "telegram", "store"):
        assert getattr(loaded, section) == getattr(defaults, section), section


@pytest.mark.parametrize(("text", "key", "expected"), [
    ("translate:\n  beam_sise: 2\n", "translate.beam_sise", "unknown key"),
    ("translate:\n  beam_size: two\n", "translate.beam_size", "a whole number"),
    ("sources:\n  - name: x\n    type: ftp\n    path: y\n", "sources[0].type", "one of"),
    ("sources:\n  - name: x\n    type: rss\n", "sources[0].url", "needs a url"),
    ("summarize:\n  story_similarity: 3\n", "summarize.story_similarity", "between 0 and 1"),
    ("schedule:\n  timezone: Mars/Base\n", "schedule.timezone", "time zone"),
    ("translate: [1, 2\n", "line 2", "malformed YAML"),
])
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert key in str(info.value) and expected in str(info.value)


def test_cli_exits_2_on_typo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("digest:\n  max_storys: 3\n", encoding="utf-8")
    assert main(["dry-run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "digest.max_storys" in err and "unknown key" in err


def test_run_on_sentences_are_stored_whole_and_go_to_the_model_in_clause_pieces() -> None:
    clause = "قال المتحدث إن القوات وصلت إلى المدينة بعد معارك عنيفة مع المسلحين"
    run_on = "، ".join([clause] * 12) + "."
    assert split_sentences(run_on) == [run_on]  # a bullet is a whole sentence
    pieces = model_pieces(run_on)  # the split made for the translation model
    assert len(pieces) > 1 and all(len(p.split()) <= 50 for p in pieces)
    assert " ".join(pieces).replace(" ", "") == run_on.replace(" ", "")
    no_commas = " ".join(["كلمة"] * 130)
    assert split_sentences(no_commas) == [no_commas]
    assert [len(p.split()) for p in model_pieces(no_commas)] == [32, 33, 32, 33]
