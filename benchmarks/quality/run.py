"""Run the product's own stages on a day, as a user gets them, and keep what is scored.

A fresh SQLite store; the day's JSON in a folder source; ``briefings.ingest.ingest``;
``Pipeline.digest`` over the ingested articles with every story (not only the top
``digest.max_stories``) and no translator (everything is scored on the Arabic side);
every question through ``briefings.answer.ask``, the call ``briefings ask`` makes.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefings import answer, config
from briefings.config import Config
from briefings.models import Article
from briefings.pipeline import Pipeline, TranslatorOrReason
from briefings.store import Store

from .labels import Labels, unpack_day

log = logging.getLogger(__name__)
NO_MODEL = "benchmark: no translator (scored on the Arabic side)"
SOURCE = "day"


@dataclass(frozen=True)
class Bullet:
    story_id: int
    article_id: int
    position: int
    text: str  # the Arabic sentence
    url: str


@dataclass
class ProductRun:
    items: int  # articles in the day file(s)
    dropped: dict[str, str]  # URL in the day file -> why ingest stored no article for it
    url_article: dict[str, int]  # stored URL -> article id
    aliases: dict[str, str]  # a day URL dropped as its outlet's same text -> the stored link
    story_of: dict[int, int]  # article id -> story id
    ranked: list[int]  # story ids in digest order
    bullets: list[Bullet]
    answers: dict[str, list[str]]  # question -> cited article URLs (or locations), in order
    added: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)  # the config sections that matter


def make_config(work: Path, inbox: Path, base: Path | None = None, db: Path | None = None
                ) -> Config:
    """The default configuration (or the one in ``base``) with a store in ``work`` (or at
    ``db``) and the day's folder as the only source."""
    store = {"path": str(db or work / "briefings.sqlite3")}
    source = config.SourceConfig(name=SOURCE, type="folder", path=str(inbox))
    if base is None:
        return config.from_mapping({"store": store, "sources": [dataclasses.asdict(source)]},
                                   work)
    cfg = config.load(base)
    return dataclasses.replace(cfg, store=dataclasses.replace(cfg.store, path=store["path"]),
                               sources=[source])


def _cpu() -> float:
    return time.process_time()


def run_product(day: Path, labels: Labels, work: Path, base_config: Path | None = None
                ) -> ProductRun:
    inbox = work / "inbox"
    items = unpack_day(day, inbox)
    cfg = make_config(work, inbox, base_config)
    store = Store(cfg.db_path)
    flow = Pipeline(cfg, store, TranslatorOrReason(None, NO_MODEL))
    cpu: dict[str, float] = {}

    t = _cpu()
    report = flow.ingest()
    cpu["ingest"] = _cpu() - t
    articles = store.articles(report.added)
    link = {a.id: a.url or a.location for a in articles}

    t = _cpu()
    ids = flow.recent([SOURCE])
    result = flow.digest(ids, max_stories=max(len(ids), 1))
    cpu["group_and_summarise_all_stories"] = _cpu() - t
    story_of = store.stories_of(ids)
    bullets = [Bullet(s.story_id, b.citation.article_id, b.citation.position,
                      b.citation.original, link.get(b.citation.article_id, ""))
               for s in result.briefing.stories for b in s.bullets]

    t = _cpu()
    index = answer.Index()  # this store's own index (the module's one may hold another store)
    answers: dict[str, list[str]] = {}
    for q in [x.q for x in labels.answerable] + labels.unanswerable:
        ans = answer.ask(store, cfg, " ".join(q.split()), None, index=index)
        cited = [h.citation.article_id for h in ans.hits]
        answers[q] = [link.get(a, "") for a in dict.fromkeys(cited)]
    cpu["questions"] = _cpu() - t
    aliases = _aliases(store, items, link)
    store.close()
    return ProductRun(
        items=len(items), dropped=_dropped(items, report.skipped, articles, aliases),
        url_article={a.url: a.id for a in articles if a.url}, aliases=aliases,
        story_of=story_of,
        ranked=list(result.story_ids), bullets=bullets, answers=answers,
        added=len(report.added), duplicates=report.duplicates, skipped=report.skipped, cpu=cpu,
        settings={name: dataclasses.asdict(getattr(cfg, name))
                  for name in ("ingest", "summarize", "digest", "answer")})


def _url(item: dict[str, Any]) -> str:
    url = item.get("url")
    return url.strip() if isinstance(url, str) else ""


def _aliases(store: Store, items: dict[str, dict[str, Any]], link: dict[int, str]
             ) -> dict[str, str]:
    """Day URLs the store knows as another URL of a stored article (its outlet published the
    same text under both) -> that article's link: the product knows them as that article."""
    resolved = store.resolve_urls(u for u in map(_url, items.values()) if u)
    return {u: link[a] for u, a in resolved.items() if a in link and link[a] != u}


def _dropped(items: dict[str, dict[str, Any]], skipped: list[str], articles: list[Article],
             aliases: dict[str, str]) -> dict[str, str]:
    """URL -> why it has no stored article: skipped by ingest (the reason it gave), or
    dropped as a duplicate (its URL or its text already stored). URLs that are aliases of a
    stored article are stored under that article and left out."""
    stored = {a.url for a in articles} | set(aliases)
    reasons = {}
    for line in skipped:  # "LOCATION: skipped: reason"
        where, _, why = line.partition(": ")
        reasons[where] = why.removeprefix("skipped: ")
    out: dict[str, str] = {}
    for location, item in items.items():
        url = _url(item)
        if not url or url in stored or url in out:
            continue
        out[url] = reasons.get(location, "duplicate (same text as a stored article)")
    return out
