"""An answer as chat messages (HTML), plain text, or one JSON object.

Every sentence is cited: [n] and, under it, the outlet (its readable name), the headline,
where the article is (its URL, or its file: a link in HTML, in full in text) and its date,
as the digests cite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from . import compose
from .answer import Answer, Hit
from .models import Citation
from .text import printable

ECHO = 200  # characters of the question repeated in a reply


def short(text: str, limit: int = ECHO) -> str:
    """Someone's text repeated back: cut to ``limit``, control and bidi characters escaped."""
    text = printable(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def relink(ans: Answer, links: Mapping[int, str]) -> Answer:
    """The answer with each cited article's link replaced by ``links[article id]``."""
    def cite(c: Citation) -> Citation:
        return replace(c, link=links.get(c.article_id, c.link))

    return replace(ans, hits=tuple(replace(h, citation=cite(h.citation)) for h in ans.hits))


def nothing(ans: Answer, scope: str = "") -> str:
    """Plain text: why there is no answer, and what to do about it."""
    q = f"“{short(ans.question)}”"
    where = f"the articles of the last {ans.days} days{scope}"
    if ans.untranslated is not None:
        done, total = ans.untranslated
        ask = ("Ask in Arabic to search the original articles (or install an English→Arabic "
               "Argos package, then English questions are translated and search them too).")
        if done == 0:
            return (f"Nothing about {q}: {where} are not translated yet, so an English "
                    f"question cannot search them. {ask}")
        return (f"Nothing about {q} in the {done} translated sentences of {where}; "
                f"{total - done} more are not translated yet. {ask}")
    searched = f" (searched the originals for “{short(ans.translated_question)}”)" \
        if ans.translated_question else ""
    return f"Nothing about {q} in {where}{searched}."


def messages(ans: Answer, fmt: compose.Format, scope: str = "") -> list[str]:
    """The answer as messages (each within a chat message's length)."""
    e: Callable[[str], str] = compose.escape if fmt == "html" else (lambda t: t)
    if not ans.found:
        return [e(nothing(ans, scope))]
    head = f"From the articles{scope}:"
    blocks = [f"<b>{e(head)}</b>" if fmt == "html" else head]
    if ans.translated_question:
        note = f"(your question in Arabic: “{short(ans.translated_question)}”)"
        blocks.append(f"<i>{e(note)}</i>" if fmt == "html" else note)
    sources: dict[int, str] = {}
    for hit in ans.hits:
        c = hit.citation
        story = f" (story #{hit.story_id})" if hit.story_id else ""
        blocks.append(f"• {e(hit.text)} [{c.number}]{story}")
        sources[c.number] = compose.source_line(c, fmt)
    title = "<i>Sources</i>" if fmt == "html" else "Sources"
    blocks.append(title + "\n" + "\n".join(sources[n] for n in sorted(sources)))
    return compose.pack([], [blocks])


def as_json(ans: Answer) -> dict[str, Any]:
    """{"question", "found", "sentences": [{"ar", "en", "url", "story_id", "score"}]}."""
    def sentence(h: Hit) -> dict[str, Any]:
        return {"ar": h.citation.original, "en": h.english, "url": h.citation.link,
                "story_id": h.story_id, "score": h.score}

    return {"question": ans.question, "found": ans.found,
            "sentences": [sentence(h) for h in ans.hits]}
