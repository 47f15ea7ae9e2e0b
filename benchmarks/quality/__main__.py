"""``uv run python -m benchmarks.quality --day ZIP_OR_JSON --labels DIR [--json OUT] [--speed]``

Runs the product's own stages on a labelled day (fresh store, ingest, grouping and
summaries of every story as ``Pipeline.digest`` makes them, every question through
``answer.ask``) and scores them by the labels' rules: story grouping (B-cubed), key-term
coverage of multi-article summaries, bullets that end mid-sentence or are outlet
boilerplate, questions (hit@1/hit@3, false "nothing found", honest abstentions).
``--speed`` adds CPU seconds of ``briefings ask``, a warm digest and a poll.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from briefings.errors import BriefingsError

from .evaluate import evaluate
from .labels import LabelError, load_labels
from .run import run_product


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def rows(f: dict[str, Any]) -> list[tuple[str, str, str]]:
    """measure | value | target (targets from issue 8)."""
    g, k, b, p, q = (f["grouping"], f["key_terms"], f["bullets"], f["boilerplate"],
                     f["questions"])
    why = ", ".join(f"{n} {r}" for r, n in sorted(g["unstored_by_reason"].items()))
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(p["kinds"].items()))
    e = b["endings"]
    grouping = [
        ("story grouping, B-cubed precision / recall / F1",
         f"{g['precision']:.3f} / {g['recall']:.3f} / {g['f1']:.3f}",
         "precision ≥ 0.92, F1 ≥ 0.92"),
        ("labelled URLs not stored (singletons in B-cubed)",
         f"{g['unstored_labelled']} of {g['labelled_urls']}" + (f" ({why})" if why else ""),
         ""),
        ("labelled URLs scored as their outlet's stored copy (URL aliases)",
         str(g.get("aliased_labelled", 0)), ""),
        ("lookalike events merged into one story",
         f"{len(g['lookalikes_merged'])} stories", ""),
        ("key-term coverage of multi-article summaries",
         f"{k['coverage']:.3f} ({k['events']} events)", "≥ 0.90"),
    ]
    out = grouping if g["labelled_urls"] else [
        ("story grouping and key-term coverage", "not scored (no events.json)", "")]
    out += [
        ("bullets that end mid-sentence",
         f"{_pct(b['mid_sentence'])} ({b['mid_sentence_count']} of {b['count']}: "
         f"{e['clause']} at , ، ; : — {e['none'] + e['dash']} without punctuation)", "≤ 1%"),
        ("… of which end at a comma/semicolon/colon", _pct(b["end_at_clause"]), ""),
        ("bullets that are outlet boilerplate",
         f"{_pct(p['share'])} ({p['count']} of {b['count']}" + (f": {kinds})" if kinds else ")"),
         "≤ 0.5%"),
    ]
    if not q["answerable"] and not q["unanswerable"]:
        out.append(("questions", "not scored (no questions.json)", ""))
    else:
        out += [
            ("questions: right article first / in the top 3",
             f"{q['hit1_strict']:.2f} / {q['hit3_strict']:.2f}", "≥ 0.85 / ≥ 0.95"),
            ("… lenient (any answering article)",
             f"{q['hit1_lenient']:.2f} / {q['hit3_lenient']:.2f}", ""),
            ("answerable questions answered \"Nothing about…\"",
             f"{_pct(q['nothing_found'])} ({q['nothing_found_count']} of {q['answerable']})",
             "≤ 5%"),
            ("unanswerable questions answered honestly",
             f"{_pct(q['honest'])} ({q['honest_count']} of {q['unanswerable']})", "≥ 80%"),
        ]
    s = f.get("speed")
    if s:
        if "ask" in s:
            out.append((f"`briefings ask` from the CLI, {s['ask']['days_stored']} days stored",
                        f"{s['ask']['cpu_s']:.2f} CPU-s", "< 1 s"))
        d = s["digest"]
        out.append((f"warm digest of a whole day ({d['articles']} articles, top "
                    f"{d['max_stories']} stories)", f"{d['digest_warm_s']:.2f} CPU-s", "< 3 s"))
        out.append(("… first digest after grouping / cold grouping of the day",
                    f"{d['digest_first_s']:.2f} / {d['group_cold_s']:.2f} CPU-s", ""))
        if "poll" in s:
            out.append((f"a poll of {s['poll']['new_articles']} new articles against a "
                        f"3-day window ({s['poll']['window_articles']} articles)",
                        f"{s['poll']['group_s']:.2f} CPU-s of grouping", "< 0.3 s"))
    return out


def table(f: dict[str, Any]) -> str:
    """A Markdown table: measure | value | target."""
    a = f["articles"]
    lines = [f"briefings quality: {Path(f['day']).name} ({a['in_day']} articles, "
             f"{a['stored']} stored, {f['bullets']['stories']} stories, "
             f"{f['bullets']['count']} bullets)", "",
             "| measure | value | target |", "| --- | --- | --- |"]
    lines += [f"| {m} | {v} | {t} |" for m, v, t in rows(f)]
    return "\n".join(lines)


def _speed_days(data_dir: Path | None, day: Path) -> list[Path]:
    """The SaudiNewsNet zips for --speed: --data, else the day's own folder when it holds six
    or more, else ../shared/data/saudinewsnet."""
    from .. import data

    if data_dir is None and len(list(day.parent.glob("*.zip"))) >= 6:
        data_dir = day.parent
    days = data.days(data_dir or data.DATA)
    if len(days) < 6:
        print(f"speed: {len(days)} days of data in {data_dir or data.DATA}; the `ask` "
              "measure needs 6 (the poll needs 4)", file=sys.stderr)
    return days


def main(argv: list[str] | None = None, configure_logging: bool = False) -> int:
    """The command; ``configure_logging`` sets up the root logger (the script does, an
    in-process caller such as a test keeps its own)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--day", type=Path, required=True,
                   help="the day's articles: a SaudiNewsNet .zip or a .json array")
    p.add_argument("--labels", type=Path, required=True,
                   help="directory with events.json and questions.json")
    p.add_argument("--json", type=Path, help="write every figure (and the details) here")
    p.add_argument("--config", type=Path,
                   help="a config.yaml to measure instead of the defaults (its store and "
                        "sources are replaced)")
    p.add_argument("--speed", action="store_true",
                   help="also CPU seconds of ask/digest/poll (needs six SaudiNewsNet days)")
    p.add_argument("--data", type=Path, help="SaudiNewsNet zips for --speed (default: the "
                   "--day's folder if it holds 6, else ../shared/data/saudinewsnet)")
    p.add_argument("--keep", action="store_true", help="keep the temporary store")
    p.add_argument("-v", "--verbose", action="store_true", help="show the product's log")
    args = p.parse_args(argv)
    if configure_logging:
        logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                            format="%(levelname)s %(name)s: %(message)s", force=True)
    days = _speed_days(args.data, args.day) if args.speed else []
    work = Path(tempfile.mkdtemp(prefix="briefings-quality-"))
    try:
        labels = load_labels(args.labels)
        for line in labels.problems:
            print(f"labels: {line}", file=sys.stderr)
        run = run_product(args.day, labels, work, args.config)
        figures: dict[str, Any] = {"day": str(args.day), "labels": str(args.labels),
                                   **evaluate(run, labels)}
        if args.speed:
            from . import speed

            figures["speed"] = speed.measure(args.day, days, work,
                                             [q.q for q in labels.answerable], args.config)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BriefingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        if args.keep:
            print(f"store kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str),
                             encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(configure_logging=True))
