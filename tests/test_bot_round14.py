"""Round 14: questions with nothing to search for, captions as questions, the settings of
a chat that unsubscribed. The real Application over HTTP against the fake Bot API (see
test_bot.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from briefings import config
from briefings.cli import main

from .builders import ConfigFactory
from .fakes.botapi import FakeBotAPI
from .fakes.chat import say, started, subscribed, wait_for

CHAT = 1401
HINT = "Ask a question"


@pytest.mark.parametrize("question", ["؟؟؟ !!", "🎉🎉", "\u200f\u200d\u2066", "/ask ...",
                                      "/ask \u202e"])
def test_a_question_with_nothing_to_search_for_gets_the_usage_hint(
        server: FakeBotAPI, bot_config: Callable[..., config.Config], question: str) -> None:
    """An invisible question was searched for nothing and echoed back as escape codes."""
    cfg = bot_config()
    subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg):
            answer = await say(server, CHAT, question)
        assert answer["text"].startswith(HINT)
        assert "\\u" not in answer["text"] and "Nothing" not in answer["text"]

    asyncio.run(script())


def test_the_cli_says_a_question_without_words_is_one(
        write_config: ConfigFactory, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config()
    assert main(["ask", "--config", str(path), "؟ \u200f !"]) == 2
    assert "ask: the question has no words to search for" in capsys.readouterr().err


def _photo(chat: int, caption: str, message_id: int) -> dict[str, Any]:
    return {"message": {"message_id": message_id, "date": int(time.time()),
                        "from": {"id": chat, "is_bot": False, "first_name": "Analyst"},
                        "chat": {"id": chat, "type": "private", "first_name": "Analyst"},
                        "photo": [{"file_id": "p", "file_unique_id": "p", "width": 90,
                                   "height": 90}], "caption": caption}}


def test_a_photo_caption_is_a_question(server: FakeBotAPI,
                                       bot_config: Callable[..., config.Config]) -> None:
    """A question sent as a photo's caption got no answer at all."""
    cfg = bot_config()
    subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg):
            server.push(_photo(CHAT, "ماذا حدث في مصراتة؟", 900))
            first = await wait_for(lambda: server.messages_to(CHAT))
            assert "From the articles" in first[0]["text"]
            server.push(_photo(CHAT, "/ask@briefings_bot ماذا حدث في مصراتة؟", 901))
            server.push(_photo(CHAT, "/ask@other_bot ماذا حدث في مصراتة؟", 902))
            server.push(_photo(CHAT, "/start", 903))
            await wait_for(lambda: len(server.messages_to(CHAT)) >= 2)
            await asyncio.sleep(0.5)
        replies = server.messages_to(CHAT)
        assert len(replies) == 2  # the other bot's /ask and a captioned /start: no reply
        assert replies[1]["text"] == replies[0]["text"]

    asyncio.run(script())


def test_the_settings_of_a_chat_that_unsubscribed_say_so(
        server: FakeBotAPI, bot_config: Callable[..., config.Config]) -> None:
    cfg = bot_config()
    subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg):
            await say(server, CHAT, "/stop")
            shown = await say(server, CHAT, "/settings")
            assert "Not subscribed: no daily digest until /start" in shown["text"]
            again = await say(server, CHAT, "/start")  # was "Welcome", as to a new user
            assert again["text"].startswith("<b>Welcome back to the Arabic press briefing")
            shown = await say(server, CHAT, "/settings")
            assert "Not subscribed" not in shown["text"]

    asyncio.run(script())


def test_messages_are_packed_by_telegrams_count_of_emoji_and_flags() -> None:
    """Packing counted code points: a digest heavy in emoji or flags (2 UTF-16 units each)
    went over Telegram's 4096 and fell back to plain text pieces."""
    from briefings.compose_pack import pack, units

    bullet = "• 🇸🇦 " + "📈🛢️ " * 40 + "[1]"
    stories = [[f"<b>{n}. 🇾🇪 خبر</b>", *[bullet] * 6] for n in range(12)]
    messages = pack(["<b>Briefing</b>"], stories)
    assert len(messages) > 1 and all(units(m) <= 4096 for m in messages)
    assert max(units(m) for m in messages) > 3000  # packed, not one story per message
    assert max(units(p) for p in pack([], [["🎉" * 5000]])) <= 4096  # one long line, cut


def test_a_digest_says_how_many_stories_the_keyword_filters_left_out(
        bot_config: Callable[..., config.Config]) -> None:
    """Filters that matched nothing gave "No new stories.", as if nothing had happened."""
    service = subscribed(bot_config(), CHAT)
    service.store.add_filter(CHAT, "كرة القدم")
    digest = service.compose_digest(CHAT, "manual")
    (part,) = service.store.unsent_parts(digest)
    assert "No new stories match the keyword filters." in part.text
    assert "1 story left out by the keyword filters." in part.text


def test_a_digest_whose_filters_match_says_nothing_of_them(
        bot_config: Callable[..., config.Config]) -> None:
    service = subscribed(bot_config(), CHAT)
    service.store.add_filter(CHAT, "مصراتة")
    digest = service.compose_digest(CHAT, "manual")
    text = "\n".join(p.text for p in service.store.unsent_parts(digest))
    assert "1 story from 2 articles" in text and "left out" not in text


def test_a_keyword_too_long_is_said_to_be_cut(server: FakeBotAPI,
                                              bot_config: Callable[..., config.Config]) -> None:
    """A 300-character keyword was cut to 100 without a word."""
    cfg = bot_config()
    subscribed(cfg, CHAT)

    async def script() -> None:
        async with started(server, cfg):
            shown = await say(server, CHAT, "/filter add " + "مصراتة " * 50)
        assert shown["text"].startswith("The keyword is cut to its first 100 characters.")
        assert "Keyword filters: مصراتة" in shown["text"]

    asyncio.run(script())


def test_a_digest_is_headed_with_the_chats_own_time(
        bot_config: Callable[..., config.Config]) -> None:
    """A Kathmandu chat's 07:30 digest was headed "01:45 UTC"."""
    from datetime import UTC, datetime

    service = subscribed(bot_config(), CHAT)
    service.change_setting(CHAT, "tz", "Asia/Kathmandu")
    when = datetime(2026, 11, 22, 1, 45, tzinfo=UTC)
    digest = service.compose_digest(CHAT, "manual", now=when)
    first = service.store.unsent_parts(digest)[0].text
    assert first.startswith("Arabic press briefing — 22 Nov 2026 07:30 Asia/Kathmandu")
