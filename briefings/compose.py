"""Compose stage: stories with their chosen sentences -> a Briefing -> messages.

Rendering escapes all article text (it is untrusted). Messages are packed from
whole blocks (a story's heading, a bullet, a source line) so a split never falls
inside a tag; every message stays within Telegram's 4096 characters. A story's
sources are compact: which outlets reported it ("Reported by 5 outlets: ..."), then
only the cited articles, numbered as the bullets cite them, each with its date.
Outlets are shown by their readable names (``outlets.py``), never as site slugs.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import PurePath
from typing import Literal
from zoneinfo import ZoneInfo

from .compose_pack import LIMIT as LIMIT
from .compose_pack import Pair, pack, pack_pairs
from .models import Article, Briefing, Bullet, Citation, Sentence, StorySummary
from .outlets import DEFAULT, Outlets, english_list
from .text import one_line, printable

Format = Literal["html", "text"]
UNTRANSLATED = "untranslated"
HEADLINE_SHOWN = 100  # characters of a cited article's headline in a source line


def article_date(article: Article) -> datetime:
    """When the article appeared: its published date, else when it was ingested."""
    return article.published or article.ingested_at


def show_date(when: datetime | None) -> str:
    return f"{when:%d %b %Y}" if when else ""


def shown(name: str) -> str:
    """A stored outlet or headline as shown: one line, without control or bidi-override
    characters (ingest stores names so; rows stored before it did may hold an ESC)."""
    return one_line(name) or ""


def link_of(article: Article) -> str:
    """Where the article can be found, for a local reader: its URL, else its file path (or
    its place in a feed: ``http://host/feed#entry-3``, never made relative as a path);
    control and bidi-override characters escaped."""
    if article.url:
        return printable(article.url)
    if "://" in article.location:
        return printable(article.location)
    try:
        return printable(os.path.relpath(article.location))
    except ValueError:
        return printable(article.location)


def public_link(article: Article) -> str:
    """Where the article can be found, for chats: its URL, else its source's name and its
    file name (``inbox/report.txt``, ``dump/2024.json#3``), never a path on the server;
    control and bidi-override characters in the name are shown escaped."""
    if article.url:
        return article.url
    return printable(f"{article.source}/{PurePath(article.location).name}")


def relink(briefing: Briefing, links: Mapping[int, str]) -> Briefing:
    """The briefing with each cited article's link replaced by ``links[article id]``."""

    def cite(c: Citation) -> Citation:
        return replace(c, link=links.get(c.article_id, c.link))

    stories = [replace(s, sources=tuple(cite(c) for c in s.sources),
                       bullets=tuple(replace(b, citation=cite(b.citation)) for b in s.bullets))
               for s in briefing.stories]
    return replace(briefing, stories=tuple(stories))


def story_summary(story_id: int, articles: Sequence[Article],
                  sentences: dict[int, list[Sentence]], chosen: Sequence[Sentence],
                  outlets: Outlets = DEFAULT, lead_id: int | None = None, earlier: int = 0
                  ) -> StorySummary:
    """Attribute every chosen sentence: [n] is its article's place among the cited ones
    (in article order); articles no bullet cites follow them in the source list.
    ``earlier``: of a story the reader was sent before, the articles left out (an update)."""
    cited_ids = {s.article_id for s in chosen}
    ordered = sorted(articles, key=lambda a: (a.id not in cited_ids, a.id))
    by_id = {a.id: a for a in ordered}
    headline_en = {a.id: next((s for s in sentences.get(a.id, []) if s.position == 0), None)
                   for a in ordered}
    sources: list[Citation] = []
    number: dict[int, int] = {}
    for n, art in enumerate(ordered, start=1):
        number[art.id] = n
        h = headline_en[art.id]
        sources.append(Citation(
            number=n, article_id=art.id, outlet=shown(outlets.english(art.outlet or art.source)),
            headline=shown(h.text_en if h and h.text_en else art.headline), link=link_of(art),
            position=0, original=art.headline, date=article_date(art)))
    bullets = []
    for s in chosen:
        art = by_id[s.article_id]
        src = sources[number[art.id] - 1]
        cite = replace(src, position=s.position, original=s.text_src)
        bullets.append(Bullet(sentence_id=s.id, text=s.text_en or s.text_src,
                              translated=s.text_en is not None, citation=cite))
    lead = by_id[lead_id] if lead_id in by_id else by_id[chosen[0].article_id] if chosen \
        else ordered[0]  # the title: the story's central article, else the first bullet's
    lead_h = headline_en[lead.id]
    return StorySummary(
        story_id=story_id,
        headline=shown(lead_h.text_en if lead_h and lead_h.text_en else lead.headline),
        headline_translated=bool(lead_h and lead_h.text_en),
        bullets=tuple(bullets), sources=tuple(sources), headline_original=shown(lead.headline),
        earlier=earlier)


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def link_markup(cite: Citation, fmt: Format) -> str:
    is_url = cite.link.startswith(("http://", "https://"))
    if fmt == "text":
        return cite.link
    if is_url:
        return f'<a href="{html.escape(cite.link, quote=True)}">link</a>'
    return f"<code>{escape(cite.link)}</code>"


def reported_by(story: StorySummary) -> str:
    """``Reported by 3 outlets (5 articles): Okaz, Sabq, Al Madina``."""
    names = list(dict.fromkeys(c.outlet for c in story.sources))
    n = len(story.sources)
    articles = f" ({n} articles)" if n > len(names) else ""
    if len(names) == 1:
        return f"Reported by {names[0]}{articles}"
    return f"Reported by {len(names)} outlets{articles}: {english_list(names)}"


def source_line(cite: Citation, fmt: Format) -> str:
    """``[1] Okaz — headline — link · 23 Jul 2015``; in HTML the headline is the link."""
    e = escape if fmt == "html" else (lambda t: t)
    headline = cite.headline if len(cite.headline) <= HEADLINE_SHOWN \
        else cite.headline[:HEADLINE_SHOWN - 1].rstrip() + "…"
    date = f" · {show_date(cite.date)}" if cite.date else ""
    if fmt == "html" and cite.link.startswith(("http://", "https://")):
        href = html.escape(cite.link, quote=True)
        return f'[{cite.number}] {e(cite.outlet)} — <a href="{href}">{e(headline)}</a>{date}'

    return f"[{cite.number}] {e(cite.outlet)} — {e(headline)} — {link_markup(cite, fmt)}{date}"


UNCITED_SHOWN = 5  # articles listed for a story without bullets


def story_blocks(story: StorySummary, index: int | None, fmt: Format) -> list[str]:
    """A story as blocks: heading, bullets, sources. Each block is self-contained markup."""
    e = escape if fmt == "html" else (lambda t: t)
    mark = "" if story.headline_translated else f" [{UNTRANSLATED}]"
    number = f"{index}. " if index is not None else ""
    id_tag = f" (#{story.story_id})"
    if fmt == "html":
        blocks = [f"<b>{number}{e(story.headline)}</b>{e(mark)}<i>{id_tag}</i>"]
    else:
        blocks = [f"{number}{story.headline}{mark}{id_tag}"]
    for b in story.bullets:
        text = e(b.text)
        if not b.translated:
            text = (f"<i>[{UNTRANSLATED}]</i> {text}" if fmt == "html"
                    else f"[{UNTRANSLATED}] {text}")
        blocks.append(f"• {text} [{b.citation.number}]")
    # a story of headlines alone (briefs) has no bullets: its articles are listed instead
    cited = sorted({b.citation.number for b in story.bullets}) \
        or [c.number for c in story.sources[:UNCITED_SHOWN]]
    said = reported_by(story) + (
        f" · update: {story.earlier} earlier article{'s' if story.earlier > 1 else ''} in "
        f"/story {story.story_id}" if story.earlier else "")
    head = f"<i>{e(said)}</i>" if fmt == "html" else said
    lines = [source_line(story.sources[n - 1], fmt) for n in cited]
    blocks.append("\n".join([head, *lines]))
    return blocks


def render(briefing: Briefing, fmt: Format = "html") -> list[str]:
    """The briefing as messages of at most 4096 characters."""
    stories = [story_blocks(s, i, fmt) for i, s in enumerate(briefing.stories, start=1)]
    return pack([render_header(briefing, fmt)], stories)


def render_header(briefing: Briefing, fmt: Format) -> str:
    e = escape if fmt == "html" else (lambda t: t)
    n = len(briefing.stories)
    zone = briefing.timezone
    local = briefing.created.astimezone(ZoneInfo(zone)) if zone != "UTC" else briefing.created
    title = f"{briefing.title} — {local:%d %b %Y %H:%M} {zone}"
    header = [f"<b>{e(title)}</b>" if fmt == "html" else title]
    if n:
        sources = sum(len(s.sources) for s in briefing.stories)
        header.append(f"{n} {'story' if n == 1 else 'stories'} from {sources} "
                      f"article{'s' if sources != 1 else ''}")
    else:
        header.append("No new stories." if not briefing.filtered_out else
                      "No new stories match the keyword filters.")
    if briefing.filtered_out:
        n = briefing.filtered_out
        header.append(f"{n} {'story' if n == 1 else 'stories'} left out by the keyword "
                      "filters.")
    if briefing.repeats:
        n = briefing.repeats
        header.append(f"Not repeated: {n} {'story' if n == 1 else 'stories'} told before "
                      f"whose new reports add nothing (/latest).")
    return "\n".join(header)


def render_both(briefing: Briefing) -> list[Pair]:
    """The briefing as messages, each in HTML and in plain text (its fallback), split in the
    same places: the HTML messages are those of ``render(briefing, "html")``."""
    html, text = render_header(briefing, "html"), render_header(briefing, "text")
    stories = [list(zip(story_blocks(s, i, "html"), story_blocks(s, i, "text"), strict=True))
               for i, s in enumerate(briefing.stories, start=1)]
    return pack_pairs([(html, text)], stories)


def story_text(articles: Sequence[Article], sentences: dict[int, list[Sentence]],
               original: bool, fmt: Format = "html", header: str = "",
               link: Callable[[Article], str] = link_of, outlets: Outlets = DEFAULT
               ) -> list[str]:
    """A story's full text (English, or the Arabic originals) with source links; each
    article's outlet (its Arabic name in the originals), place, byline and date."""
    e = escape if fmt == "html" else (lambda t: t)
    blocks: list[list[str]] = []
    for n, art in enumerate(sorted(articles, key=lambda a: a.id), start=1):
        ss = sentences.get(art.id, [])
        head = next((s for s in ss if s.position == 0), None)
        title = art.headline if original or not (head and head.text_en) else head.text_en
        names = outlets.names(art.outlet or art.source)
        outlet = names.ar if original else names.en
        date = show_date(article_date(art))
        meta = " · ".join(x for x in (outlet, art.dateline, art.byline, date) if x)
        cite = Citation(n, art.id, outlet, title, link(art), 0, art.headline,
                        article_date(art))
        first = (f"<b>[{n}] {e(title)}</b>\n<i>{e(meta)}</i> — {link_markup(cite, fmt)}"
                 if fmt == "html" else f"[{n}] {title}\n{meta} — {cite.link}")
        body = []
        for s in ss:
            if s.position == 0:
                continue
            if original or s.text_en is None:
                text = e(s.text_src)
                if not original:
                    text = f"[{UNTRANSLATED}] {text}"
            else:
                text = e(s.text_en)
            body.append(text)
        blocks.append([first, *_paragraphs(body)])
    return pack([header] if header else [], blocks)


def _paragraphs(sentences: list[str], size: int = 5) -> list[str]:
    return [" ".join(sentences[i:i + size]) for i in range(0, len(sentences), size)]


def new_briefing(title: str, created: datetime, stories: Sequence[StorySummary],
                 filtered_out: int = 0, timezone: str = "UTC", repeats: int = 0) -> Briefing:
    return Briefing(title=title, created=created, stories=tuple(stories),
                    filtered_out=filtered_out, timezone=timezone, repeats=repeats)
