"""One pipeline run in its own process: N new articles in a folder -> digest ready -> all
translated. Prints one JSON line: timings and the process's peak RSS.

    python -m benchmarks.pipeline_run FOLDER DB [--warm-from DB] [--config YAML]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from briefings import config, translate
from briefings.pipeline import Pipeline, load_translator
from briefings.store import Store


def peak_rss_kib() -> int:
    """This process's own peak RSS. Not ru_maxrss: Linux carries that across fork+exec, so
    a child started by a big parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("db")
    p.add_argument("--warm-from", help="copy this database's translation cache first")
    p.add_argument("--config", help="YAML overrides (a mapping)", default="{}")
    args = p.parse_args(argv)
    import yaml

    overrides = yaml.safe_load(args.config) or {}
    overrides.setdefault("store", {})["path"] = args.db
    overrides["sources"] = [{"name": "inbox", "type": "folder", "path": args.folder}]
    cfg = config.from_mapping(overrides, Path.cwd())
    store = Store(cfg.db_path)
    if args.warm_from:
        store.import_translations(Path(args.warm_from))
    model = load_translator(cfg)  # the model loads once per process, before the clock
    if model.translator is None:
        print(json.dumps({"error": model.missing}))
        return 1
    flow = Pipeline(cfg, store, model)
    start = time.perf_counter()
    report = flow.ingest()
    ingested = time.perf_counter()
    result = flow.digest(report.added)
    ready = time.perf_counter()
    rest = flow.translate_rest()
    done = time.perf_counter()
    peak_kib = peak_rss_kib()
    print(json.dumps({
        "articles": len(report.added), "stories": len(result.story_ids),
        "ingest_s": ingested - start, "digest_ready_s": ready - start,
        "all_translated_s": done - start,
        "digest_sentences": result.translated.sentences,
        "digest_model_calls": result.translated.model_calls,
        "rest_sentences": rest.sentences, "rest_model_calls": rest.model_calls,
        "from_cache": result.translated.from_cache + rest.from_cache,
        "peak_rss_mib": peak_kib / 1024,
        "device_used": translate.describe(model.translator),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
