from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from briefings import compose
from briefings.models import Article, Sentence

from .builders import NOW, article
from .builders import translated as english


def make_article(i: int, headline: str = "عنوان", url: str | None = None) -> Article:
    return article(i, headline, url=url)


def make_sentences(article_id: int, texts: list[str], translated: bool = True
                   ) -> list[Sentence]:
    return english(article_id, texts, translated)


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


def _article(i: int, outlet: str, published: datetime | None = None,
             headline: str = "عنوان") -> Article:
    return article(i, f"{headline} {i}", url=f"https://{outlet}.test/{i}", outlet=outlet,
                   source="day", location=f"/data/day.json#{i}", published=published)


def test_sources_are_compact_the_cited_articles_numbered_as_the_bullets_cite_them() -> None:
    outlets = ["okaz", "sabq", "okaz", "3alyoum", "alriyadh", "sabq"]
    arts = [_article(i, o, headline="خبر طويل") for i, o in enumerate(outlets, start=1)]
    sentences = {a.id: make_sentences(a.id, [f"H{a.id}", f"S{a.id}", f"T{a.id}"]) for a in arts}
    story = compose.story_summary(3, arts, sentences, [sentences[5][1], sentences[2][1],
                                                       sentences[5][2]])
    assert [b.citation.number for b in story.bullets] == [2, 1, 2]
    (msg,) = compose.render(compose.new_briefing("T", NOW, [story]), "text")
    # the cited articles' outlets first
    assert "Reported by 4 outlets (6 articles): Sabq, Al Riyadh, Okaz, Ain Alyoum\n" in msg
    assert "• S5 [2]" in msg and "• S2 [1]" in msg and "• T5 [2]" in msg
    assert "[1] Sabq — H2 — https://sabq.test/2 · 21 Nov 2026" in msg
    assert "[2] Al Riyadh — H5 — https://alriyadh.test/5 · 21 Nov 2026" in msg
    assert "[3]" not in msg and "H1" not in msg and "H4" not in msg  # not cited: not listed
    assert "3alyoum" not in msg and "okaz" not in msg  # readable names, no slugs


def test_one_outlet_and_html_links_carry_the_headline() -> None:
    arts = [_article(1, "alweeam", published=datetime(2015, 7, 23, 9, 30, tzinfo=UTC)),
            _article(2, "alweeam")]
    sentences = {a.id: make_sentences(a.id, ["Head <b>&", "Body"]) for a in arts}
    story = compose.story_summary(1, arts, sentences, [sentences[1][1]])
    (msg,) = compose.render(compose.new_briefing("T", NOW, [story]), "html")
    assert "<i>Reported by Al Weeam (2 articles)</i>" in msg
    assert ('[1] Al Weeam — <a href="https://alweeam.test/1">Head &lt;b&gt;&amp;</a> '
            "· 23 Jul 2015") in msg  # published date, not when it was ingested
    assert _balanced(msg)


def test_story_text_shows_outlet_names_and_dates() -> None:
    art = _article(7, "aawsat", published=datetime(2015, 7, 25, tzinfo=UTC))
    sentences = {7: make_sentences(7, ["Headline", "Body"])}
    english = "\n".join(compose.story_text([art], sentences, original=False, fmt="text"))
    arabic = "\n".join(compose.story_text([art], sentences, original=True, fmt="text"))
    assert "Asharq Al-Awsat · 25 Jul 2015" in english
    assert "الشرق الأوسط · 25 Jul 2015" in arabic


def test_configured_outlet_names() -> None:
    from briefings.config import OutletNames
    from briefings.outlets import Outlets

    names = Outlets({"daily-x": OutletNames(ar="اليومية", en="Daily X"), "okaz": "Okaz Daily",
                     "الزمان": "Azzaman"})
    assert names.names("daily_x").ar == "اليومية" and names.english("Daily X") == "Daily X"
    assert names.english("okaz") == "Okaz Daily" and names.arabic("okaz") == "عكاظ"
    assert names.english("al-jazirah") == "Al Jazirah" and names.english("www.sabq.org") == "Sabq"
    assert names.names("unknown-site").en == "unknown-site"  # shown as given
    arts = [_article(1, "daily-x"), _article(2, "okaz")]
    sentences = {a.id: make_sentences(a.id, ["H", "S"]) for a in arts}
    story = compose.story_summary(1, arts, sentences, [sentences[1][1]], names)
    assert [c.outlet for c in story.sources] == ["Daily X", "Okaz Daily"]


def test_a_linkless_feed_entry_is_shown_at_its_place_in_the_feed() -> None:
    """An entry with no link of its own is located at FEED#entry-N: shown as that, not made
    relative as a file path would be (http:/host/feed#entry-1)."""
    entry = article(1, location="http://news.example/feed.xml#entry-1")
    assert compose.link_of(entry) == "http://news.example/feed.xml#entry-1"
    assert compose.public_link(entry) == "src/feed.xml#entry-1"
