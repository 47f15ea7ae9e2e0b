"""A week of news lived as a user lives it: one store, one chat, a digest every morning.

Every other benchmark runs the product on one day in isolation. Here the SaudiNewsNet
days are replayed in order into ONE store, with the product's clock set to each day
(``briefings.clock.replaying``): the day's articles are polled in the evening (the bot's
poll: ingest, group, index; no translation, everything is judged on the Arabic side), and
the next morning the chat's daily digest is composed by the call the bot's digest job
makes (``ChatService.compose_digest``: the articles after the last digest's). Per day it
prints what a reader of the digests would notice: stories and bullets already sent on an
earlier morning (word for word, or said again: ``novelty``'s test against the bullets an
earlier digest sent for the same story), stories left out as saying nothing new, articles
cited that an earlier digest had read, how long the digest is, the CPU it cost, and what a
question costs with every day so far stored. At the end: whether the stories of earlier
digests kept their ids and articles, and what the store and the process's caches hold.

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

from briefings import cluster, redundancy, summarize
from briefings.chat_service import ChatService
from briefings.clock import replaying
from briefings.novelty import new_figures, numbers
from briefings.pipeline import Pipeline, TranslatorOrReason
from briefings.store import Store

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
    left_out: int  # stories an earlier digest had whose new articles said nothing new
    bullets: int
    repeated_bullets: int  # bullets an earlier digest had, word for word
    said_again: int  # bullets saying what an earlier digest's bullet of the story said
    old_articles: int  # articles cited that an earlier digest had read
    chars: int  # the digest's text
    cpu_poll: float
    cpu_digest: float
    cpu_ask: float  # per question, mean over the day's questions (if labelled)
    questions: int
    max_rss_mib: float


_CITED = re.compile(r" \[\d+\]$")
_UNTRANSLATED = "[untranslated] "
_STORY = re.compile(r"^\d+\. .*\(#(\d+)\)$")


def _stories(text: str) -> dict[int, list[str]]:
    """Story id -> its bullets (the Arabic or English text, without the citation mark)."""
    out: dict[int, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if m := _STORY.match(line):
            current = out.setdefault(int(m.group(1)), [])
        elif line.startswith("• "):
            current.append(_CITED.sub("", line[2:].strip()).removeprefix(_UNTRANSLATED))
    return out


def _said_again(bullet: str, before: list[str], threshold: float) -> bool:
    grams, mine = redundancy.signature(bullet), numbers(bullet)
    return bool(grams) and any(
        not new_figures(mine, numbers(b)) and redundancy.containment(grams, redundancy.signature(b))
        >= threshold for b in before)


def _questions(day: str, shared: Path) -> list[str]:
    for labels in (EVAL / day, shared / day):
        if (labels / "questions.json").is_file():
            return [q.q for q in load_labels(labels).answerable[:3]]
    return []


def live(days: list[Path], work: Path, shared: Path) -> list[Morning]:
    inbox = work / "inbox"
    cfg = make_config(work, inbox)  # never a download: judged without a model
    cfg = dataclasses.replace(cfg, translate=dataclasses.replace(cfg.translate,
                                                                 auto_install=False))
    service = ChatService(cfg)
    flow = Pipeline(cfg, service.store, TranslatorOrReason(None, NO_MODEL))
    sent: dict[int, list[str]] = {}  # story -> the bullets earlier digests sent
    members: dict[int, list[int]] = {}  # story -> its articles when a digest last told it
    read_upto = 0  # the last article an earlier digest read
    threshold = cfg.summarize.duplicate_similarity
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
            questions = _questions(name, shared)
            t = time.process_time()
            for q in questions:
                service.ask(q)
            cpu_ask = (time.process_time() - t) / max(len(questions), 1)
        told = _stories(text)
        bullets = [b for bs in told.values() for b in bs]
        words = {b for bs in sent.values() for b in bs}
        by_link = {a.url or a.location: a.id for a in service.store.articles_since(
            datetime(1970, 1, 1, tzinfo=UTC))}
        cited = [by_link.get(link) for link in _LINK.findall(text)]
        left = _LEFT_OUT.search(text)
        mornings.append(Morning(
            name, len(report.ingest.added), len(story_ids), len(set(story_ids) & set(sent)),
            int(left.group(1)) if left else 0, len(bullets), sum(b in words for b in bullets),
            sum(_said_again(b, sent.get(s, []), threshold) for s, bs in told.items()
                for b in bs),
            sum(a is not None and a <= read_upto for a in cited), len(text), round(cpu_poll, 2),
            round(cpu_digest, 2), round(cpu_ask, 3), len(questions),
            round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)))
        for s, bs in told.items():
            sent.setdefault(s, []).extend(bs)
        members.update(service.store.story_articles(story_ids))
        read_upto = max(by_link.values(), default=0)
        print(_row(mornings[-1]), flush=True)
    _after_the_week(service.store, members)
    return mornings


def _after_the_week(store: Store, members: dict[int, list[int]]) -> None:
    """Did the stories of earlier digests keep their ids and articles; what do the store and
    the process's caches hold after the week?"""
    now = store.story_articles(members)
    lost = [s for s, arts in members.items() if not set(arts) <= set(now.get(s, []))]
    print(f"\nstories of earlier digests: {len(members)}; that lost an article or their id: "
          f"{len(lost)} {lost[:5]}")
    memo = cluster._MEMO.get(store)
    answers = Path(str(store.path) + ".answers")
    size = f"{answers.stat().st_size / 2**20:.0f} MiB" if answers.is_file() else "none"
    print(f"store: {store.path.stat().st_size / 2**20:.0f} MiB, "
          f"{store.article_count()} articles; answer index file: {size}")
    print(f"process caches: grouping memo {len(memo.docs) if memo else 0} articles, "
          f"{len(memo.encoder.vocab) if memo else 0} terms; summary rankings "
          f"{len(summarize.CACHE._data)}; sentence signatures "
          f"{redundancy.signature.cache_info().currsize}")


_LINK = re.compile(r"^\[\d+\] .* — (\S+) · \d\d \w+ \d{4}$", re.M)
_LEFT_OUT = re.compile(r"^Not repeated: (\d+) stor", re.M)
_HEAD = ("| day | new articles | digest stories | already sent | left out, nothing new | "
         "bullets | repeated word for word | said again | old articles cited | digest chars | "
         "CPU poll s | CPU digest s | CPU per question s | peak RSS MiB |\n"
         + "| --- " * 14 + "|")


def _row(m: Morning) -> str:
    ask = f"{m.cpu_ask:.3f} ({m.questions})" if m.questions else "–"
    return (f"| {m.day} | {m.new_articles} | {m.stories} | {m.seen_stories} | {m.left_out} | "
            f"{m.bullets} | {m.repeated_bullets} | {m.said_again} | {m.old_articles} | "
            f"{m.chars} | {m.cpu_poll:.2f} | {m.cpu_digest:.2f} | {ask} | "
            f"{m.max_rss_mib:.0f} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.week", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=Path, required=True,
                   help="a folder of SaudiNewsNet day zips (YYYY-MM-DD.zip), replayed in order; "
                        "questions come from benchmarks/eval/DAY or ../../eval/DAY next to it")
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
        mornings = live(days, work, args.days.parent.parent / "eval")
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
