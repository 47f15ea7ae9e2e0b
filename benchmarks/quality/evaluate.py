"""Score one product run against a labelled day: every figure of the benchmark as JSON."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from . import scoring
from .labels import Labels
from .run import ProductRun


def _share(n: int, total: int) -> float:
    return n / total if total else 0.0


def known(run: ProductRun) -> dict[str, int]:
    """URL -> stored article: each article's own URL, and each URL its outlet published the
    same text under (an alias: that URL is the article, not a lost singleton)."""
    return {**run.url_article, **{u: run.url_article[link] for u, link in run.aliases.items()
                                  if link in run.url_article}}


def evaluate(run: ProductRun, labels: Labels) -> dict[str, Any]:
    gold = labels.gold
    predicted = {u: run.story_of[a] for u, a in known(run).items() if a in run.story_of}
    return {
        "articles": {"in_day": run.items, "stored": run.added,
                     "duplicates": run.duplicates, "skipped": len(run.skipped),
                     "url_aliases": len(run.aliases)},
        "grouping": grouping(run, labels, gold, predicted),
        "key_terms": key_terms(run, labels, predicted),
        "bullets": bullets(run),
        "boilerplate": boilerplate(run),
        "questions": questions(run, labels),
        "cpu_s": run.cpu,
        "settings": run.settings,
    }


def grouping(run: ProductRun, labels: Labels, gold: dict[str, str],
             predicted: dict[str, int]) -> dict[str, Any]:
    b = scoring.bcubed(gold, predicted)
    stored = known(run)
    unstored = [{"url": u, "why": run.dropped.get(u, "not in the day file")}
                for u in gold if u not in stored]
    why = Counter("duplicate" if x["why"].startswith("duplicate") else
                  "not in the day file" if x["why"] == "not in the day file" else "skipped"
                  for x in unstored)
    # lookalike groups: labelled events of one kind that ended up in one story
    merged = []
    by_group: dict[str, list[Any]] = defaultdict(list)
    for e in labels.events:
        if e.lookalike_group:
            by_group[e.lookalike_group].append(e)
    for group, events in sorted(by_group.items()):
        stories: dict[int, set[str]] = defaultdict(set)
        for e in events:
            for u in e.urls:
                if u in predicted:
                    stories[predicted[u]].add(e.id)
        merged += [{"group": group, "story_id": s, "events": sorted(ids)}
                   for s, ids in stories.items() if len(ids) > 1]
    return {"precision": b.precision, "recall": b.recall, "f1": b.f1,
            "labelled_urls": b.urls, "events": len(labels.events),
            "stories": len(set(run.story_of.values())),
            "unstored_labelled": len(unstored), "unstored_by_reason": dict(why),
            "aliased_labelled": sum(u in run.aliases for u in gold),
            "unstored": unstored, "lookalikes_merged": merged}


def key_terms(run: ProductRun, labels: Labels, predicted: dict[str, int]) -> dict[str, Any]:
    summary: dict[int, list[str]] = defaultdict(list)
    for bullet in run.bullets:
        summary[bullet.story_id].append(bullet.text)
    per_event: list[dict[str, Any]] = []
    ties = 0
    for e in labels.events:
        if not e.multi:
            continue
        held = Counter(predicted[u] for u in e.urls if u in predicted)
        ties += sum(1 for n in held.values() if n == max(held.values(), default=0)) > 1
        story = scoring.story_of_event(e.urls, predicted)
        cov, missing = scoring.coverage(e.key_terms, summary.get(story, []) if story else [])
        per_event.append({"id": e.id, "story_id": story, "urls": len(e.urls),
                          "in_story": held.get(story, 0) if story else 0,
                          "coverage": cov, "missing": missing})
    mean = sum(x["coverage"] for x in per_event) / len(per_event) if per_event else 0.0
    return {"coverage": mean, "events": len(per_event), "ties": ties,
            "no_story": sum(x["story_id"] is None for x in per_event), "per_event": per_event}


def bullets(run: ProductRun) -> dict[str, Any]:
    endings = Counter(scoring.ending(b.text) for b in run.bullets)
    total = len(run.bullets)
    top = set(run.ranked[: run.settings.get("digest", {}).get("max_stories", 10)])
    top_bullets = [b for b in run.bullets if b.story_id in top]
    mid = [b for b in run.bullets if scoring.ends_mid_sentence(b.text)]
    return {
        "count": total, "stories": len({b.story_id for b in run.bullets}),
        "mid_sentence": _share(len(mid), total), "mid_sentence_count": len(mid),
        "endings": {k: endings.get(k, 0) for k in ("final", "clause", "dash", "none")},
        "end_at_clause": _share(endings.get("clause", 0), total),
        "top_stories": {
            "count": len(top_bullets),
            "mid_sentence": _share(sum(scoring.ends_mid_sentence(b.text)
                                       for b in top_bullets), len(top_bullets))},
        "mid_sentence_bullets": [{"story_id": b.story_id, "url": b.url,
                                  "position": b.position, "end": b.text[-60:]} for b in mid],
    }


def boilerplate(run: ProductRun) -> dict[str, Any]:
    found = [(scoring.boilerplate_kind(b.text), b) for b in run.bullets]
    hits = [(k, b) for k, b in found if k]
    return {"share": _share(len(hits), len(run.bullets)), "count": len(hits),
            "kinds": dict(Counter(k for k, _ in hits)),
            "bullets": [{"kind": k, "url": b.url, "text": b.text[:200]} for k, b in hits]}


def questions(run: ProductRun, labels: Labels) -> dict[str, Any]:
    def cited_as(urls: Iterable[str]) -> set[str]:  # an alias is cited as its stored article
        return {run.aliases.get(u, u) for u in urls}

    answerable = [(run.answers.get(q.q, []), cited_as(q.urls), cited_as(q.any_urls))
                  for q in labels.answerable]
    unanswerable = [run.answers.get(q, []) for q in labels.unanswerable]
    s = scoring.score_questions(answerable, unanswerable)
    per = [{"q": q.q, "answerable": True, "cited": cited[:3],
            "hit1": scoring.hits(cited, urls, 1), "hit3": scoring.hits(cited, urls, 3),
            "hit1_lenient": scoring.hits(cited, anyu, 1),
            "hit3_lenient": scoring.hits(cited, anyu, 3)}
           for q, (cited, urls, anyu) in zip(labels.answerable, answerable, strict=True)]
    per += [{"q": q, "answerable": False, "cited": cited[:3], "honest": not cited}
            for q, cited in zip(labels.unanswerable, unanswerable, strict=True)]
    return {**s.__dict__, "nothing_found_count": sum(not c for c, _, _ in answerable),
            "honest_count": sum(not c for c in unanswerable), "per_question": per}
