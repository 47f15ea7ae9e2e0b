"""``uv run python -m benchmarks [--articles 50|200|1300] [--json OUT.json]``

Measures, with the same model, beam and decoding length, on sentences of the same
--articles SaudiNewsNet articles, split and cut into model-sized pieces the same way:
  1. argostranslate's standard path: ``argostranslate.translate.translate(text, "ar", "en")``
     once per article, over the first --baseline-articles of them (every sentence, repeats
     included), its settings as shipped (1 worker, CTranslate2's default intra threads)
     except two documented changes: its sentence splitter is the project's (MiniSBD would
     download a model), and its CTranslate2 call gets the same ``max_decoding_length``
     (random weights never emit </s>);
  2. this project's translate stage (``Pipeline.translate_rest``: batched across
     articles, 2 workers x 1 thread) over all the articles: a sentence repeated in several
     articles goes through the model once and counts in sentences/s each time;
  3. the ceiling: one raw CTranslate2 ``translate_batch`` over every piece of all the
     articles (repeats included), with the best of a small grid of thread and batch settings;
then time-to-digest (cold and warm cache), question latency with six days stored,
and the pipeline's peak RSS. Prints a table and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import model

DECODING_LENGTH = 40  # ≈ the mean source length (35 SentencePiece tokens) of SaudiNewsNet


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=200, help="new articles (50, 200, 1300)")
    p.add_argument("--baseline-articles", type=int, default=30,
                   help="articles for argostranslate's standard path (slow; its per-sentence "
                        "rate is what is compared)")
    p.add_argument("--beam", type=int, default=4, help="beam size for the three-way comparison")
    p.add_argument("--questions", type=int, default=200)
    p.add_argument("--answer-days", type=int, default=6, help="days stored for question latency")
    p.add_argument("--skip", action="append", default=[],
                   choices=["project", "baseline", "ceiling", "digest", "answer"])
    p.add_argument("--json", type=Path, help="write the figures here")
    p.add_argument("--cache", type=Path, default=model.CACHE, help="where the model is cached")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="translate.device for every side (auto: CUDA when there is a GPU)")
    args = p.parse_args(argv)
    # Ingest reports skipped articles: not news here. No root handler is added, so
    # argostranslate's logging stays as shipped (its INFO records are not printed).
    logging.getLogger("briefings").setLevel(logging.ERROR)

    # argostranslate reads its package directory once, when imported: set it first
    os.environ["ARGOS_PACKAGES_DIR"] = str(model.packages_dir(args.cache))
    model.installed_dir(args.cache)
    from briefings.config import TranslateConfig
    from briefings.device import choose

    from . import measure

    measure.DEVICE = args.device
    device = choose(TranslateConfig(device=args.device)).device  # before the load: a GPU
    # that then fails to start is reported by the project stage ("device_used")

    figures: dict[str, Any] = {"articles": args.articles, "beam": args.beam,
                               "max_decoding_length": DECODING_LENGTH, "cores": os.cpu_count(),
                               "device": device}
    work = Path(tempfile.mkdtemp(prefix="briefings-bench-"))
    sentences, per_article = measure.sentences(args.articles, work)
    figures["sentences"] = len(sentences)
    figures["distinct_sentences"] = len(set(sentences))
    print(f"{args.articles} articles, {len(sentences)} sentences "
          f"({len(set(sentences))} distinct); model {model.SHAPE}", flush=True)

    if "project" not in args.skip:
        figures["project"] = measure.project_stage(work, args.beam, DECODING_LENGTH)
        print(f"project stage: {figures['project']['sentences_per_s']:.2f} sentences/s",
              flush=True)
    if "ceiling" not in args.skip:
        figures["ceiling"] = measure.ceiling(sentences, args.beam, DECODING_LENGTH)
        print(f"ceiling: {figures['ceiling']['sentences_per_s']:.2f} sentences/s", flush=True)
    if "baseline" not in args.skip:
        figures["argostranslate"] = measure.baseline(per_article[: args.baseline_articles],
                                                     DECODING_LENGTH)
        print(f"argostranslate: {figures['argostranslate']['sentences_per_s']:.2f} "
              "sentences/s", flush=True)
    if "digest" not in args.skip:
        figures["time_to_digest"] = time_to_digest(work, args.device)
    if "answer" not in args.skip:
        figures["answer"] = measure.answer_latency(args.cache, args.answer_days, args.questions)
    ratios(figures)
    measure.table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


def time_to_digest(work: Path, device: str = "auto") -> dict[str, Any]:
    """Cold, then warm, each in a fresh process with a fresh database (peak RSS too)."""
    overrides = json.dumps({"translate": {"max_decoding_length": DECODING_LENGTH,
                                          "device": device}})
    out: dict[str, Any] = {}
    cold_db = work / "cold.sqlite3"
    for name, extra in (("cold", []), ("warm", ["--warm-from", str(cold_db)])):
        db = cold_db if name == "cold" else work / "warm.sqlite3"
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.pipeline_run", str(work / "inbox"), str(db),
             "--config", overrides, *extra], capture_output=True, text=True, check=False)
        if proc.returncode:
            raise SystemExit(f"pipeline run failed: {proc.stdout}{proc.stderr}")
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"time to digest ({name}): {out[name]['digest_ready_s']:.1f}s of "
              f"{out[name]['all_translated_s']:.1f}s", flush=True)
    return out


def ratios(f: dict[str, Any]) -> None:
    ours = f["project"]["sentences_per_s"] if "project" in f else 0.0
    if "argostranslate" in f and ours:
        f["ratio_project_vs_argostranslate"] = ours / f["argostranslate"]["sentences_per_s"]
        f["ratio_tokens_project_vs_argostranslate"] = (
            f["project"]["tokens_per_s"] / f["argostranslate"]["tokens_per_s"])
    if "ceiling" in f and ours:
        f["ratio_project_vs_ceiling"] = ours / f["ceiling"]["sentences_per_s"]
    if "time_to_digest" in f:
        cold = f["time_to_digest"]["cold"]
        f["digest_share_of_translate_all"] = cold["digest_ready_s"] / cold["all_translated_s"]
        f["peak_rss_mib"] = max(r["peak_rss_mib"] for r in f["time_to_digest"].values())


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
