from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from briefings import compose
from briefings.models import Article, Sentence

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)


def make_article(i: int, headline: str = "عنوان", url: str | None = None) -> Article:
    return Article(id=i, source="src", location=f"inbox/{i}.txt", url=url, outlet=f"Outlet {i}",
                   headline=headline, language="ar", ingested_at=NOW)


def make_sentences(article_id: int, texts: list[str], translated: bool = True
                   ) -> list[Sentence]:
    return [Sentence(id=article_id * 1000 + p, article_id=article_id, position=p,
                     text_src=f"جملة {p}", text_en=t if translated else None,
                     status="translated" if translated else "pending")
            for p, t in enumerate(texts)]


def make_story(story_id: int, n_articles: int, text: str) -> compose.StorySummary:
    arts = [make_article(story_id * 10 + k, url=f"https://e.test/{story_id}/{k}?a=1&b=2")
            for k in range(n_articles)]
    sentences = {a.id: make_sentences(a.id, ["Headline " + text, text, text + " again"])
                 for a in arts}
    chosen = [sentences[a.id][1] for a in arts]
    return compose.story_summary(story_id, arts, sentences, chosen)


def _balanced(msg: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", msg):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_untrusted_text_is_escaped_and_links_quoted() -> None:
    evil = 'Officials <b>said</b> & "warned" <script>alert(1)</script>'
    story = make_story(1, 2, evil)
    (msg,) = compose.render(compose.new_briefing("T", NOW, [story]), "html")
    assert "<script>" not in msg and "&lt;script&gt;" in msg and "&amp;" in msg
    assert 'href="https://e.test/1/0?a=1&amp;b=2"' in msg
    assert _balanced(msg)
    text = compose.render(compose.new_briefing("T", NOW, [story]), "text")[0]
    assert "<script>" in text  # plain text is not HTML


@pytest.mark.parametrize("fmt", ["html", "text"])
def test_split_at_story_boundaries_under_4096(fmt: compose.Format) -> None:
    stories = [make_story(i, 3, f"Story {i} " + "word " * 120) for i in range(1, 25)]
    messages = compose.render(compose.new_briefing("T", NOW, stories), fmt)
    assert len(messages) > 1
    assert all(len(m) <= compose.LIMIT for m in messages)
    joined = "\n".join(messages)
    for i in range(1, 25):  # every story once, whole in one message
        assert sum(f"(#{i})" in m for m in messages) == 1
        holder = next(m for m in messages if f"(#{i})" in m)
        assert holder.count(f"Story {i} ") >= 3
    assert joined.count("• ") == 24 * 3
    if fmt == "html":
        assert all(_balanced(m) for m in messages)


def test_a_story_longer_than_a_message_splits_between_blocks() -> None:
    story = make_story(7, 30, "Long " + "x" * 200)
    messages = compose.render(compose.new_briefing("T", NOW, [story]), "html")
    assert len(messages) > 1 and all(len(m) <= compose.LIMIT for m in messages)
    assert all(_balanced(m) for m in messages)


def test_untranslated_marked_and_citations_numbered() -> None:
    arts = [make_article(1, "عنوان أول"), make_article(2, "عنوان ثان")]
    sentences = {1: make_sentences(1, ["H1", "A", "B"], translated=False),
                 2: make_sentences(2, ["H2", "C", "D"])}
    story = compose.story_summary(5, arts, sentences, [sentences[2][2], sentences[1][1]])
    assert [b.citation.number for b in story.bullets] == [2, 1]
    assert story.bullets[1].citation.original == "جملة 1" and not story.bullets[1].translated
    assert story.headline == "H2"  # the lead article is the first chosen sentence's
    (msg,) = compose.render(compose.new_briefing("T", NOW, [story]), "text")
    assert "• [untranslated] جملة 1 [1]" in msg and "• D [2]" in msg
    assert "[1] Outlet 1 — عنوان أول — inbox/1.txt" in msg


def test_a_long_story_continues_the_header_message() -> None:
    story = make_story(8, 30, "Long " + "y" * 200)
    messages = compose.render(compose.new_briefing("T", NOW, [story]), "html")
    assert "(#8)" in messages[0]  # not a header alone
    assert all(len(m) <= compose.LIMIT for m in messages)
