"""The measurements behind ``python -m benchmarks`` (imported after ARGOS_PACKAGES_DIR is set)."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from briefings import answer, config
from briefings.packages import find, packages_dir
from briefings.pipeline import Pipeline, load_translator
from briefings.store import Store
from briefings.text import model_pieces, split_sentences
from briefings.translate import ArgosTranslator

from . import data

console = Console()
DEVICE = "auto"  # translate.device for every side (python -m benchmarks --device)


def _cfg(work: Path, db: str, **translate: Any) -> config.Config:
    return config.from_mapping({
        "store": {"path": str(work / db)},
        "sources": [{"name": "inbox", "type": "folder", "path": str(work / "inbox")}],
        "translate": {"device": DEVICE, **translate}}, work)


def sentences(n: int, work: Path) -> tuple[list[str], list[list[str]]]:
    """Write n SaudiNewsNet articles into work/inbox; return their sentences as the
    pipeline cleans and splits them (all, and per article)."""
    (work / "inbox").mkdir(parents=True, exist_ok=True)
    arts = data.articles(n)
    (work / "inbox" / "articles.json").write_text(json.dumps(arts, ensure_ascii=False),
                                                  encoding="utf-8")
    cfg = _cfg(work, "sentences.sqlite3")
    store = Store(cfg.db_path)
    added = Pipeline(cfg, store).ingest().added
    by_article = store.sentences(added)
    per_article = [[s.text_src for s in by_article[a]] for a in added]
    # the units the model gets: stored sentences cut into model-sized pieces, as the
    # translate stage cuts them
    return [p for ss in per_article for s in ss for p in model_pieces(s)], per_article


def project_stage(work: Path, beam: int, length: int) -> dict[str, Any]:
    cfg = _cfg(work, "stage.sqlite3", beam_size=beam, max_decoding_length=length)
    model = load_translator(cfg)  # loaded before the clock, as in a running service
    assert isinstance(model.translator, ArgosTranslator), model.missing
    flow = Pipeline(cfg, Store(cfg.db_path), model)
    articles = len(flow.ingest().added)
    tr = model.translator
    tr.decoded_tokens = 0
    start = time.perf_counter()
    report = flow.translate_rest()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "articles": articles, "sentences": report.sentences,
            "model_sentences": report.model_calls, "decoded_tokens": tr.decoded_tokens,
            "sentences_per_s": report.sentences / seconds,
            "tokens_per_s": tr.decoded_tokens / seconds,
            "device_used": tr.plan.describe(),
            "settings": {k: getattr(cfg.translate, k) for k in (
                "batch_size", "batch_type", "inter_threads", "intra_threads", "compute_type",
                "chunk_size")}}


def ceiling(sentences: list[str], beam: int, length: int) -> dict[str, Any]:
    """Raw CTranslate2 over all the pre-tokenised sentences, best settings of a small grid."""
    import ctranslate2  # heavy, and only for this measure
    import sentencepiece as spm

    pkg = find(packages_dir(), "ar", "en")
    sp = spm.SentencePieceProcessor(model_file=str(pkg.path / "sentencepiece.model"))
    tokens = [list(t) for t in sp.encode(sentences, out_type=str)]
    grid = [(2, 1, 32, "examples"), (1, 2, 32, "examples"), (2, 1, 16, "examples"),
            (2, 1, 1024, "tokens"), (1, 2, 2048, "tokens")]
    sample = random.Random(1).sample(tokens, min(300, len(tokens)))
    timed = []
    models: dict[tuple[int, int], Any] = {}
    for inter, intra, size, kind in grid:
        tr = models.setdefault((inter, intra), ctranslate2.Translator(
            str(pkg.path / "model"), device=_device(), inter_threads=inter,
            intra_threads=intra))
        start = time.perf_counter()
        tr.translate_batch(sample, max_batch_size=size, batch_type=kind, beam_size=beam,
                           length_penalty=0.2, max_decoding_length=length)
        timed.append((time.perf_counter() - start, (inter, intra, size, kind)))
    _, (inter, intra, size, kind) = min(timed)
    tr = models[(inter, intra)]
    start = time.perf_counter()
    results = tr.translate_batch(tokens, max_batch_size=size, batch_type=kind, beam_size=beam,
                                 length_penalty=0.2, max_decoding_length=length)
    seconds = time.perf_counter() - start
    decoded = sum(len(r.hypotheses[0]) for r in results)
    return {"seconds": seconds, "sentences": len(tokens), "decoded_tokens": decoded,
            "sentences_per_s": len(tokens) / seconds, "tokens_per_s": decoded / seconds,
            "settings": {"inter_threads": inter, "intra_threads": intra, "max_batch_size": size,
                         "batch_type": kind},
            "grid_seconds_on_sample": [[t, list(c)] for t, c in timed]}


def _device() -> str:
    from briefings.config import TranslateConfig
    from briefings.device import choose

    return choose(TranslateConfig(device=DEVICE)).device  # type: ignore[arg-type]


class _SameSplitter:
    """argostranslate's sentencizer interface with the project's splitter (sentencex), cut
    into the same model-sized pieces as the project's translate stage sends the model, so
    both sides translate the same units."""

    def split_sentences(self, text: str) -> list[str]:
        return [p for s in split_sentences(text) for p in model_pieces(s)]


class _FixedLength:
    """Passes argostranslate's own translate_batch call through, adding only the
    benchmark's max_decoding_length; counts the tokens it decodes."""

    def __init__(self, translator: Any, length: int) -> None:
        self.translator, self.length, self.decoded, self.units = translator, length, 0, 0

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["max_decoding_length"] = self.length
        results = self.translator.translate_batch(*args, **kwargs)
        self.decoded += sum(len(r.hypotheses[0]) for r in results)
        self.units += len(results)
        return results


def baseline(per_article: list[list[str]], length: int) -> dict[str, Any]:
    """argostranslate.translate.translate(text, "ar", "en") once per article."""
    import argostranslate.translate as at  # heavy, and only for this measure
    from argostranslate import settings

    settings.device = _device()

    translation = at.get_translation_from_codes("ar", "en")
    underlying = translation.underlying  # the PackageTranslation inside its cache wrapper
    underlying.sentencizer = _SameSplitter()
    underlying.hypotheses("تجربة", num_hypotheses=1)  # loads its CTranslate2 model
    counter = _FixedLength(underlying.translator, length)
    underlying.translator = counter
    counter.decoded = counter.units = 0
    n = sum(len(ss) for ss in per_article)
    start = time.perf_counter()
    for ss in per_article:
        at.translate("\n".join(ss), "ar", "en")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "articles": len(per_article), "sentences": n,
            "model_units": counter.units, "decoded_tokens": counter.decoded,
            "sentences_per_s": n / seconds,
            "tokens_per_s": counter.decoded / seconds,
            "settings": {"beam_size": settings.beam_size, "batch_size": settings.batch_size,
                         "inter_threads": settings.inter_threads,
                         "intra_threads": settings.intra_threads,
                         "compute_type": settings.compute_type}}


def answer_latency(cache: Path, days: int, questions: int) -> dict[str, Any]:
    """Six days stored (built once and cached), then timed questions."""
    db = cache / f"answer-{days}days.sqlite3"
    built = None
    if not db.exists():
        built = _store_days(db, days)
    cfg = config.from_mapping({"store": {"path": str(db), "keep_days": 0},
                               "answer": {"days": 100_000}})
    store = Store(db)
    arts = store.articles_since(datetime(2000, 1, 1, tzinfo=UTC))
    rng = random.Random(0)
    picked = rng.sample([a.id for a in arts], questions)
    sents = store.sentences(picked)
    asked = []
    for a in picked:
        body = [s.text_src for s in sents[a] if s.position > 0] or [sents[a][0].text_src]
        words = [w for w in rng.choice(body).split() if len(w) > 3]
        asked.append(" ".join(rng.sample(words, min(3, len(words)))) or "السعودية")
    index = answer.Index()
    start = time.perf_counter()
    answer.ask(store, cfg, "سؤال أول", index=index)
    first = time.perf_counter() - start
    timings, found = [], 0
    for q in asked:
        start = time.perf_counter()
        found += answer.ask(store, cfg, q, index=index).found
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {"articles_stored": len(arts), "questions": len(asked), "answered": found,
            "index_build_s": first, "p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))], "max_ms": timings[-1],
            "store_built_s": built}


def _store_days(db: Path, days: int) -> float:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for day in data.days()[:days]:
            (folder / f"{day.stem}.json").write_text(
                json.dumps(data.load_day(day), ensure_ascii=False), encoding="utf-8")
        cfg = config.from_mapping({"store": {"path": str(db)}, "sources": [
            {"name": "saudinewsnet", "type": "folder", "path": str(folder)}]})
        Pipeline(cfg, Store(db)).ingest()
    return time.perf_counter() - start


def table(f: dict[str, Any]) -> None:
    t = Table(title=f"briefings benchmark: {f['articles']} articles, {f['sentences']} sentences, "
                    f"beam {f['beam']}, {f['max_decoding_length']} tokens per output, "
                    f"{f['cores']} cores")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for key, label in (("argostranslate", "1. argostranslate translate() per article"),
                       ("project", "2. briefings translate stage"),
                       ("ceiling", "3. raw CTranslate2 ceiling")):
        if key in f:
            r = f[key]
            t.add_row(label, f"{r['sentences_per_s']:.2f} sentences/s · "
                             f"{r['tokens_per_s']:.0f} tokens/s")
    if "ratio_project_vs_argostranslate" in f:
        t.add_row("ratio 2/1 (target ≥ 10)", f"{f['ratio_project_vs_argostranslate']:.1f}×")
    if "ratio_project_vs_ceiling" in f:
        t.add_row("ratio 2/3 (target ≥ 0.85)", f"{f['ratio_project_vs_ceiling']:.2f}")
    if "time_to_digest" in f:
        for name, r in f["time_to_digest"].items():
            t.add_row(f"digest ready ({name} cache)", f"{r['digest_ready_s']:.1f}s "
                      f"(all translated {r['all_translated_s']:.1f}s)")
        t.add_row("digest / translate all (target < 0.25)",
                  f"{f['digest_share_of_translate_all']:.3f}")
        t.add_row("peak RSS of the pipeline (target < 1024 MiB)", f"{f['peak_rss_mib']:.0f} MiB")
    if "answer" in f:
        a = f["answer"]
        t.add_row(f"answer p50 / p95 ({a['articles_stored']} articles stored)",
                  f"{a['p50_ms']:.1f} / {a['p95_ms']:.1f} ms (target p95 < 50)")
    console.print(t)
