"""CPU seconds of the product's slow paths (``--speed``), each in a fresh process.

* ``briefings ask`` as a fresh CLI process with six SaudiNewsNet days stored: the child's
  CPU from ``getrusage(RUSAGE_CHILDREN)``, after one unmeasured ask that leaves Python's
  bytecode cache written, as any installation has it after its first run (the children
  run without ``PYTHONDONTWRITEBYTECODE``: with it, every process compiles every module
  again, about 0.4 CPU-s here);
* a digest of the labelled day when the day is already grouped: the cold grouping
  (``Pipeline.stories`` on the freshly ingested day), then ``Pipeline.digest`` twice
  in the same process (default ``digest.max_stories``, no translator); the second is the
  warm digest;
* a poll of 20 new articles against a 3-day window: three days ingested and grouped (one
  poll per day), then 20 articles of the next day ingested; their ``Pipeline.group`` call.

CPU time (user + system), not wall time: the machine is noisy.
``python -m benchmarks.quality.speed digest|poll ...`` runs one measure and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    before = _child_cpu()
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          check=False, cwd=ROOT, env=env)
    cpu = _child_cpu() - before
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}")
    return cpu, proc.stdout


def _json_child(args: list[str]) -> dict[str, Any]:
    cpu, out = _run_child(["-m", "benchmarks.quality.speed", *args])
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["process_cpu_s"] = cpu
    return result


def measure(day: Path, data_days: list[Path], work: Path, questions: list[str],
            base_config: Path | None = None) -> dict[str, Any]:
    """All speed figures; ``data_days`` are the SaudiNewsNet zips (at least 6 for ``ask``)."""
    extra = ["--config", str(base_config)] if base_config else []
    out: dict[str, Any] = {}
    out["digest"] = _json_child(["digest", str(day), str(work / "digest"), *extra])
    if len(data_days) >= 4:
        db = work / "six-days.sqlite3"
        out["poll"] = _json_child(["poll", str(db), *map(str, data_days[:6]), *extra])
        out["ask"] = ask_cpu(db, questions[:3] or ["ماذا حدث في عدن؟"], work, base_config)
        out["ask"]["days_stored"] = out["poll"]["days_stored"]
    return out


def ask_cpu(db: Path, questions: list[str], work: Path, base_config: Path | None
            ) -> dict[str, Any]:
    """``briefings ask QUESTION`` as a fresh process per question (the CLI's own entry)."""
    data: dict[str, Any] = yaml.safe_load(base_config.read_text(encoding="utf-8")) \
        if base_config else {}
    data = data or {}
    data["store"] = {"path": str(db)}
    data["sources"] = []
    cfg = work / "ask-config.yaml"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ask = ["-m", "briefings.cli", "--config", str(cfg), "ask"]
    _run_child([*ask, questions[0]], env)  # writes the bytecode cache, as a first run does
    runs = [_run_child([*ask, q], env)[0] for q in questions]
    return {"cpu_s": statistics.median(runs), "runs_cpu_s": runs, "questions": len(runs)}


# -- the measures, each run in its own process ----------------------------------------


def _setup(work: Path, inbox: Path, base_config: str | None, db: Path | None = None
           ) -> tuple[Any, Any]:
    from briefings.store import Store

    from .run import make_config

    cfg = make_config(work, inbox, Path(base_config) if base_config else None, db)
    return cfg, Store(cfg.db_path)


def _digest(day: Path, work: Path, base_config: str | None) -> dict[str, Any]:
    from briefings.pipeline import Pipeline, TranslatorOrReason

    from .labels import unpack_day
    from .run import NO_MODEL, SOURCE

    unpack_day(day, work / "inbox")
    cfg, store = _setup(work, work / "inbox", base_config)
    flow = Pipeline(cfg, store, TranslatorOrReason(None, NO_MODEL))
    added = flow.ingest().added
    ids = flow.recent([SOURCE])
    t = time.process_time()
    stories = flow.stories(ids)
    group_s = time.process_time() - t
    digest_s = []
    for _ in range(2):
        t = time.process_time()
        flow.digest(ids)
        digest_s.append(time.process_time() - t)
    return {"articles": len(added), "stories": len(stories),
            "max_stories": cfg.digest.max_stories, "group_cold_s": group_s,
            "digest_first_s": digest_s[0], "digest_warm_s": digest_s[1]}


def _poll(db: Path, days: list[Path], base_config: str | None, new: int = 20
          ) -> dict[str, Any]:
    from briefings.pipeline import Pipeline

    from .labels import unpack_day

    work = db.parent / "poll"
    inbox = work / "inbox"
    cfg, store = _setup(work, inbox, base_config, db)
    flow = Pipeline(cfg, store)
    window = 0
    for n, day in enumerate(days[:3]):  # one poll per day: ingest, then group what is new
        unpack_day(day, inbox / f"{n}")
        added = flow.ingest().added
        flow.group(added)
        window += len(added)
    items = list(unpack_day(days[3], work / "next").values())
    fresh = [i for i in items if (i.get("content") or "").strip()][:new]
    (inbox / "new.json").write_text(json.dumps(fresh, ensure_ascii=False), encoding="utf-8")
    added = flow.ingest().added
    t = time.process_time()
    flow.group(added)
    group_s = time.process_time() - t
    for n, day in enumerate(days[3:6], start=3):  # the rest of the six days, for `ask`
        unpack_day(day, inbox / f"{n}")
    flow.ingest()
    return {"window_articles": window, "new_articles": len(added), "group_s": group_s,
            "articles_stored": store.article_count(), "days_stored": len(days[:6])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.quality.speed")
    sub = p.add_subparsers(dest="measure", required=True)
    d = sub.add_parser("digest")
    d.add_argument("day", type=Path)
    d.add_argument("work", type=Path)
    d.add_argument("--config")
    q = sub.add_parser("poll")
    q.add_argument("db", type=Path)
    q.add_argument("days", type=Path, nargs="+")
    q.add_argument("--config")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # ingest's "skipped" lines are not news here
    if args.measure == "digest":
        result = _digest(args.day, args.work, args.config)
    else:
        result = _poll(args.db, args.days, args.config)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
