"""`python -m benchmarks` end to end on a tiny size, with the tiny test model in its cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .builders import SHARED_DATA


@pytest.mark.skipif(not any(SHARED_DATA.glob("*.zip")),
                    reason="needs ../shared/data/saudinewsnet (SaudiNewsNet is not in the repo)")
def test_benchmark_runs_and_reports(tiny_model: Path, tmp_path: Path) -> None:
    cache = tmp_path / "bench-cache"
    cache.mkdir()
    shutil.copy(tiny_model, cache / "ar_en-argos1.0-random-int8.argosmodel")  # skip the build
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--articles", "3", "--baseline-articles", "2",
         "--skip", "answer", "--cache", str(cache), "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False,
        cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    for key in ("argostranslate", "project", "ceiling"):
        assert figures[key]["sentences"] > 0 and figures[key]["sentences_per_s"] > 0
        assert figures[key]["decoded_tokens"] > 0
    assert figures["ratio_project_vs_argostranslate"] > 0
    assert figures["ratio_project_vs_ceiling"] > 0
    assert figures["time_to_digest"]["cold"]["digest_ready_s"] <= \
        figures["time_to_digest"]["cold"]["all_translated_s"]
    assert figures["time_to_digest"]["warm"]["rest_model_calls"] == 0  # all from the cache
    assert "ratio 2/1" in proc.stdout and "ratio 2/3" in proc.stdout
