"""A week of news lived as a user lives it: one store, one chat, a digest every morning.

Every other benchmark runs the product on one day in isolation. Here the SaudiNewsNet
days are replayed in order into ONE store, with the product's clock set to each day
(``briefings.clock.replaying``): the day's articles are polled in the evening (the bot's
poll: ingest, group, index; no translation, everything is judged on the Arabic side), and
the next morning the chat's daily digest is composed by the call the bot's digest job
makes (``ChatService.compose_digest``: the articles after the last digest's). Per day it
prints what a reader of the digests would notice: stories and bullets already sent on an
earlier morning, how long the digest is, the CPU it cost, and what a question costs with
every day so far stored.

    uv run python -m benchmarks.week --days ../shared/data/saudinewsnet [--json F]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from briefings.chat_service import ChatService
from briefings.clock import replaying
from briefings.pipeline import Pipeline, TranslatorOrReason

from .quality.labels import load_labels, unpack_day
from .quality.run import make_config

CHAT = 1
EVENING, MORNING = 20, 7  # UTC hours: the day's poll, the next morning's digest
NO_MODEL = "benchmark: no translator (judged on the Arabic side)"
EVAL = Path(__file__).parent / "eval"


@dataclass
class Morning:
    day: str  # the day of news the digest reports
    new_articles: int
    stories: int  # in the digest
    seen_stories: int  # ... that an earlier digest had (the same story id)
    bullets: int
    repeated_bullets: int  # bullets an earlier digest had, word for word
    chars: int  # the digest's text
    cpu_poll: float
    cpu_digest: float
    cpu_ask: float  # per question, mean over the day's questions (if labelled)
    questions: int
    max_rss_mib: float


_MARKS = re.compile(r"^(?:\[untranslated\] )?|(?: \[\d+\])+$")


def _bullets(text: str) -> list[str]:
    """The digest's bullets as sentences: without their "[untranslated]" mark and their
    source number (the same sentence is [1] one morning and [2] the next)."""
    return [_MARKS.sub("", line[2:].strip()) for line in text.splitlines()
            if line.startswith("• ")]


def _questions(day: str) -> list[str]:
    labels = EVAL / day
    if not (labels / "questions.json").is_file():
        return []
    return [q.q for q in load_labels(labels).answerable[:3]]


def live(days: list[Path], work: Path) -> list[Morning]:
    inbox = work / "inbox"
    cfg = make_config(work, inbox)  # never a download: judged without a model
    cfg = dataclasses.replace(cfg, translate=dataclasses.replace(cfg.translate,
                                                                 auto_install=False))
    service = ChatService(cfg)
    flow = Pipeline(cfg, service.store, TranslatorOrReason(None, NO_MODEL))
    sent_stories: set[int] = set()
    sent_bullets: set[str] = set()
    mornings: list[Morning] = []
    for zipped in days:
        name = zipped.name.split(".")[0]  # 2015-07-21
        evening = datetime.combine(date.fromisoformat(name), datetime.min.time(), UTC)
        with replaying(evening + timedelta(hours=EVENING)):
            if not mornings:
                service.subscribe(CHAT, "week")
            unpack_day(zipped, inbox)
            t = time.process_time()
            report = flow.poll()
            cpu_poll = time.process_time() - t
        with replaying(evening + timedelta(days=1, hours=MORNING)):
            t = time.process_time()
            digest = service.compose_digest(CHAT, "daily")
            cpu_digest = time.process_time() - t
            story_ids = service.store.digest_story_ids(digest)
            text = "\n".join(p.text for p in service.store.unsent_parts(digest))
            questions = _questions(name)
            t = time.process_time()
            for q in questions:
                service.ask(q)
            cpu_ask = (time.process_time() - t) / max(len(questions), 1)
        bullets = _bullets(text)
        mornings.append(Morning(
            name, len(report.ingest.added), len(story_ids),
            len(set(story_ids) & sent_stories), len(bullets),
            sum(b in sent_bullets for b in bullets), len(text), round(cpu_poll, 2),
            round(cpu_digest, 2), round(cpu_ask, 3), len(questions),
            round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)))
        sent_stories.update(story_ids)
        sent_bullets.update(bullets)
        print(_row(mornings[-1]), flush=True)
    return mornings


_HEAD = ("| day | new articles | digest stories | already sent | bullets | repeated "
         "word for word | digest chars | CPU poll s | CPU digest s | CPU per question s | "
         "peak RSS MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def _row(m: Morning) -> str:
    ask = f"{m.cpu_ask:.3f} ({m.questions})" if m.questions else "–"
    return (f"| {m.day} | {m.new_articles} | {m.stories} | {m.seen_stories} | {m.bullets} | "
            f"{m.repeated_bullets} | {m.chars} | {m.cpu_poll:.2f} | {m.cpu_digest:.2f} | "
            f"{ask} | {m.max_rss_mib:.0f} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.week", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=Path, required=True,
                   help="a folder of SaudiNewsNet day zips (YYYY-MM-DD.zip), replayed in order")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--keep", action="store_true", help="keep the store")
    args = p.parse_args(argv)
    days = sorted(args.days.glob("????-??-??.zip"))
    if not days:
        print(f"error: no YYYY-MM-DD.zip day in {args.days}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="briefings-week-"))
    print(_HEAD, flush=True)
    try:
        mornings = live(days, work)
    finally:
        if args.keep:
            print(f"store kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in mornings], indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
