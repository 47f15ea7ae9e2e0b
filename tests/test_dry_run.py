"""The main job, as a user runs it: `briefings dry-run`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefings import config
from briefings.cli import main
from briefings.store import Store
from briefings.text import normalize

from .builders import SEEDS, ConfigFactory, install_tiny

BOILERPLATE = ["AZP01", "مقالات ذات صلة", "اترك تعليق", "بريدك الإلكتروني", "Akismet",
               "زر الذهاب إلى الأعلى"]


def _messages(out: str) -> list[str]:
    parts = re.split(r"^===== message \d+ of \d+ · \d+ characters =====$", out, flags=re.M)
    return [p.strip("\n") for p in parts[1:]]


def test_without_model(write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dry-run", "--config", str(write_config())]) == 0
    out = capsys.readouterr().out
    hint, *_ = out.splitlines()
    assert hint.startswith("! No ar->en translation model installed")
    assert "briefings models install" in hint
    messages = _messages(out)
    assert len(messages) == 1
    msg = messages[0]
    assert "1 story from 2 articles" in msg
    assert "Azzaman" in msg and "Akhbar Al Arab" in msg
    assert "[untranslated]" in msg
    assert msg.count("\n• ") == 3
    for junk in BOILERPLATE:
        assert junk not in out


def test_with_model_then_cache(tiny_model: Path, write_config: ConfigFactory,
                               capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(tiny_model)
    path = write_config()
    assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
    captured = capsys.readouterr()
    assert "No ar->en" not in captured.out
    msg = _messages(captured.out)[0]
    assert "untranslated" not in msg
    bullets = [ln for ln in msg.splitlines() if ln.startswith("• ")]
    assert len(bullets) == 3 and all(re.search(r" \[[12]\]$", b) for b in bullets)
    assert {b[-2] for b in bullets} == {"1", "2"}  # both outlets are cited
    # each bullet is the model's output for a real seed sentence of the cited article
    cfg = config.load(path)
    store = Store(cfg.db_path)
    seed_text = {p.name: normalize(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    arts = store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))
    order = sorted(arts, key=lambda a: a.id)
    sentences = store.sentences([a.id for a in order])
    for b in bullets:
        text, n = b[2:-4], int(b[-2])
        art = order[n - 1]
        match = [s for s in sentences[art.id] if s.text_en == text and s.position > 0]
        assert match, b
        assert match[0].text_src in seed_text[Path(art.location).name]
    assert "translate: 0 summary" not in captured.err
    # second run: nothing new to translate, everything from the cache/store
    assert main(["dry-run", "--config", str(path), "--format", "text"]) == 0
    again = capsys.readouterr()
    assert _messages(again.out) == _messages(captured.out) or \
        _messages(again.out)[0].split("\n", 1)[1] == msg.split("\n", 1)[1]
    assert "0 by the model" in again.err
    assert "more sentence" not in again.err
    assert store.pending_count() == 0
