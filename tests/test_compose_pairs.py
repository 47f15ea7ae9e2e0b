"""A digest's plain-text fallback is rendered as text, split where its HTML is split."""

from __future__ import annotations

import pytest

from briefings import compose

from .test_compose import NOW, make_story


@pytest.mark.parametrize("stories", [
    [make_story(1, 2, "Officials said & more")],  # one message
    [make_story(i, 3, f"Story {i} " + "word " * 120) for i in range(1, 25)],  # many
    [make_story(7, 30, "Long " + "x" * 200)],  # one story longer than a message
])
def test_each_html_message_has_its_plain_text(stories: list[compose.StorySummary]) -> None:
    briefing = compose.new_briefing("T", NOW, stories)
    pairs = compose.render_both(briefing)
    assert [html for html, _ in pairs] == compose.render(briefing, "html")
    for html, text in pairs:
        assert len(text) <= compose.LIMIT and "<b>" not in text and "<a " not in text
        assert "&amp;" not in text
        assert html.count("(#") == text.count("(#") and html.count("• ") == text.count("• ")
    story = stories[0]
    first = pairs[0][1]
    assert story.headline in first  # unescaped: it is text, not HTML
    assert story.sources[0].link in "".join(t for _, t in pairs)  # links shown, not dropped
