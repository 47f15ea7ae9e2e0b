"""A briefing as one JSON object, for programs (``--format json``).

::

    {"title": str, "generated_at": ISO 8601,
     "stories": [{"id": int, "title": {"ar": str, "en": str | null},
                  "articles": [{"id", "url", "outlet", "outlet_ar", "headline",
                                "published_at"}],
                  "bullets": [{"ar", "en": str | null, "url", "position"}],
                  "earlier_articles": int}],
     "repeated_stories": int}

``url`` is the article's link, or its file location when it has none; ``en`` is null
where there is no translation yet; ``published_at`` is when the article was published,
else when it was ingested (UTC); ``headline`` is the article's own (Arabic) headline;
``position`` is the sentence's place in its article (1 = the first sentence of the body);
``earlier_articles`` counts the story's articles from before the briefing's window (an
update of a story an earlier digest told: its bullets and articles are the new ones, and
its bullets only what its earlier articles did not say); ``repeated_stories`` counts the
stories an earlier digest told whose new articles said nothing new (left out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .compose import article_date
from .models import Article, Briefing, StorySummary
from .outlets import DEFAULT, Outlets


def location(article: Article) -> str:
    return article.url or article.location


def story_json(story: StorySummary, articles: Mapping[int, Article],
               outlets: Outlets = DEFAULT) -> dict[str, Any]:
    arts = []
    for c in story.sources:
        art = articles.get(c.article_id)
        if art is None:
            continue
        names = outlets.names(art.outlet or art.source)
        arts.append({"id": art.id, "url": location(art), "outlet": names.en,
                     "outlet_ar": names.ar, "headline": art.headline,
                     "published_at": article_date(art).isoformat()})
    bullets = [{"ar": b.citation.original, "en": b.text if b.translated else None,
                "url": location(articles[b.citation.article_id])
                if b.citation.article_id in articles else b.citation.link,
                "position": b.citation.position} for b in story.bullets]
    title_en = story.headline if story.headline_translated else None
    return {"id": story.story_id,
            "title": {"ar": story.headline_original or story.headline, "en": title_en},
            "articles": arts, "bullets": bullets, "earlier_articles": story.earlier}


def briefing_json(briefing: Briefing, articles: Mapping[int, Article],
                  outlets: Outlets = DEFAULT) -> dict[str, Any]:
    return {"title": briefing.title, "generated_at": briefing.created.isoformat(),
            "stories": [story_json(s, articles, outlets) for s in briefing.stories],
            "repeated_stories": briefing.repeats}


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)
