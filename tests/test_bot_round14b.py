"""Round 14, a second independent client: ``briefings run`` itself (bot.app.run, in the
test's main thread) against a Bot API of its own (tests/fakes/tgclient.py), with a script
typing from another thread. Each case is what an analyst, or Telegram, could do; every
reply is checked as they would read it, and the log for tracebacks and the token (the
``desk`` fixture). Conversations here; outages, big digests and migrations in
test_bot_round14c.py."""

from __future__ import annotations

import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from briefings.chat_service import ChatService

from .builders import present
from .fakes import tgdesk
from .fakes.tgclient import ME, Client, MiniBotAPI, message, private, user
from .fakes.tgdesk import CHAT, ME_CHAT, Desk

api, desk = tgdesk.api, tgdesk.desk  # the fixtures
ANSWER = "From the articles"


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


def test_long_questions_and_replies_to_the_bots_own_messages(desk: Desk) -> None:
    """/ask and a plain question of 4096 characters (Telegram's most) are answered, not
    echoed; a reply to the bot's answer is asked of that answer's stories, a reply to /help
    of all articles; a question holding a lone surrogate (invalid UTF-16) is answered."""
    _, run = desk()

    def script(c: Client) -> None:
        long = ("مصراتة " * 700)[:4096]
        for question in (f"/ask {long}"[:4096], long, "\ud800 مصراتة"):
            (answer,) = c.say(ME_CHAT, question)
            assert answer["text"].startswith(ANSWER) and "مصراتة مصراتة" not in answer["text"]
        first = c.say(ME_CHAT, "ماذا حدث في مصراتة؟")[0]
        scoped = c.say(ME_CHAT, "من قال ذلك؟", reply_to_message=first)[0]
        assert scoped["text"].startswith(f"{ANSWER} in these stories")
        helped = c.say(ME_CHAT, "/help")[0]
        unscoped = c.say(ME_CHAT, "مصراتة", reply_to_message=helped)[0]
        assert unscoped["text"].startswith(f"{ANSWER}:")

    assert run(script) == 0


def test_an_update_delivered_twice_is_handled_once(desk: Desk, api: MiniBotAPI) -> None:
    """A batch repeated by the Bot API or a proxy (the same update_id, in one batch or a
    later one) was answered each time: two /latest, two digests."""
    _, run = desk()

    def script(c: Client) -> None:
        latest = message(api, ME_CHAT, "/latest 1", sender=CHAT)
        api.deliver({"message": latest}, {"message": dict(latest)}, update_id=900)
        c.wait(lambda: api.to(CHAT))
        api.deliver({"message": dict(latest)}, update_id=900)
        time.sleep(1.0)  # what a repeat would have caused by now
        assert len(c.quiet(CHAT)) == 1
        assert "Latest stories" in c.say(ME_CHAT, "/latest 1")[0]["text"]  # a new one is

    assert run(script) == 0


def test_updates_of_kinds_the_bot_does_not_handle_get_nothing(desk: Desk,
                                                             api: MiniBotAPI) -> None:
    """Reactions, boosts, an update type newer than the library, a sticker, a location: no
    reply, no error, and the bot keeps answering."""
    _, run = desk()
    channel: dict[str, Any] = {"id": -100777, "type": "channel", "title": "C"}
    boost = {"source": "premium", "user": user(5)}

    def script(c: Client) -> None:
        api.deliver(
            {"message_reaction": {"chat": ME_CHAT, "message_id": 1, "date": 1,
                                  "user": user(CHAT), "old_reaction": [],
                                  "new_reaction": [{"type": "emoji", "emoji": "👍"}]}},
            {"message_reaction_count": {"chat": ME_CHAT, "message_id": 1, "date": 1,
                                        "reactions": []}},
            {"chat_boost": {"chat": channel, "boost": {"boost_id": "b", "add_date": 1,
                                                       "expiration_date": 2, "source": boost}}},
            {"removed_chat_boost": {"chat": channel, "boost_id": "b", "remove_date": 1,
                                    "source": boost}},
            {"future_kind_of_update": {"chat": ME_CHAT, "anything": [1, 2]}})
        c.send(ME_CHAT, None, sticker={"file_id": "s", "file_unique_id": "s", "width": 1,
                                       "height": 1, "type": "regular", "is_animated": False,
                                       "is_video": False})
        c.send(ME_CHAT, None, location={"latitude": 32.37, "longitude": 15.09})
        time.sleep(1.0)
        assert api.to(CHAT) == [] and api.to(channel["id"]) == []
        assert "/digest" in c.say(ME_CHAT, "/help")[0]["text"]

    assert run(script) == 0


def _membership(chat: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": ME, **({"until_date": 0} if status == "kicked"
                                                 else {})}

    return {"my_chat_member": {"chat": chat, "from": user(CHAT), "date": int(time.time()),
                               "old_chat_member": member(old),
                               "new_chat_member": member(new)}}


def test_a_bot_removed_or_blocked_unsubscribes_the_chat_and_added_sends_nothing(
        desk: Desk, api: MiniBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    """Removed from a group, or blocked in a private chat, the chat stayed subscribed with
    its digest job until Telegram refused a digest. Added to a group, the bot says nothing
    unasked; a group title full of bidi controls is stored as given and never echoed."""
    cfg, run = desk()
    store = ChatService(cfg).store
    title = "\u202eksed\u202c \u2067مكتب\u2069 Desk"
    group: dict[str, Any] = {"id": -4300, "type": "group", "title": title}

    def jobs(c: Client, chat_id: int) -> Any:
        return c.app.job_queue.get_jobs_by_name(f"digest:{chat_id}")

    def script(c: Client) -> None:
        api.deliver(_membership(group, "left", "member"))
        time.sleep(0.8)
        assert api.to(group["id"]) == []
        welcome = c.say(group, "/start")[0]["text"]
        assert welcome.startswith("Welcome") and "ksed" not in welcome
        assert present(store.chat(group["id"])).title == title
        c.say(ME_CHAT, "/start")
        assert jobs(c, group["id"]) and jobs(c, CHAT)
        api.deliver(_membership(group, "member", "left"),
                    _membership(ME_CHAT, "member", "kicked"))
        c.wait(lambda: not present(store.chat(CHAT)).subscribed)
        c.wait(lambda: not present(store.chat(group["id"])).subscribed)
        c.wait(lambda: not jobs(c, group["id"]) and not jobs(c, CHAT))
        assert len(api.to(group["id"])) == 1 and len(api.to(CHAT)) == 1  # nothing more said

    assert run(script) == 0
    said = [r.getMessage() for r in caplog.records if "removed or blocked" in r.getMessage()]
    assert set(said) == {f"chat {CHAT} removed or blocked the bot (kicked): unsubscribed",
                         "chat -4300 removed or blocked the bot (left): unsubscribed"}


def _button(chat: dict[str, Any], data: str, query_id: str) -> dict[str, Any]:
    return {"callback_query": {"id": query_id, "chat_instance": "ci", "data": data,
                               "from": user(chat["id"]), "message": {
                                   "message_id": 1, "date": 1, "chat": chat,
                                   "text": "Settings"}}}


def test_settings_buttons_of_chats_not_subscribed(desk: Desk, api: MiniBotAPI) -> None:
    """A settings button from a chat that never subscribed said only "Not changed"; now it
    says how to subscribe. After /stop a button saves the setting, says the chat is not
    subscribed, and does not subscribe it again."""
    cfg, run = desk()
    store = ChatService(cfg).store
    stranger = private(4999)

    def script(c: Client) -> None:
        api.deliver(_button(stranger, "set:stories:3", "q1"))
        c.wait(lambda: api.called("answerCallbackQuery"))
        assert api.called("answerCallbackQuery")[0]["text"] == "Subscribe first with /start."
        assert store.chat(stranger["id"]) is None
        c.say(ME_CHAT, "/start")
        c.say(ME_CHAT, "/stop")
        api.deliver(_button(ME_CHAT, "set:stories:3", "q2"))
        c.wait(lambda: api.called("editMessageText"))
        assert api.called("answerCallbackQuery")[1]["text"] == "Saved"
        assert "Not subscribed: no daily digest until /start" in \
            api.called("editMessageText")[0]["text"]
        row = present(store.chat(CHAT))
        assert not row.subscribed and row.stories == 3
        assert not c.app.job_queue.get_jobs_by_name(f"digest:{CHAT}")

    assert run(script) == 0


def test_stop_then_start_again_keeps_the_settings_and_filters(desk: Desk) -> None:
    _, run = desk()

    def script(c: Client) -> None:
        c.say(ME_CHAT, "/start")
        for command in ("/settings time 06:15", "/settings tz Africa/Tripoli",
                        "/settings stories 4", "/filter add مصراتة"):
            c.say(ME_CHAT, command)
        assert c.say(ME_CHAT, "/stop")[0]["text"].startswith("Unsubscribed")
        assert "not subscribed" in c.say(ME_CHAT, "/stop")[0]["text"]  # twice: said so
        back = c.say(ME_CHAT, "/start")[0]["text"]
        assert "06:15" in back and "Africa/Tripoli" in back
        shown = c.say(ME_CHAT, "/settings")[0]["text"]
        assert "Stories per digest: 4" in shown and "مصراتة" in shown
        job = c.app.job_queue.get_jobs_by_name(f"digest:{CHAT}")[0]
        assert job.next_t.astimezone(ZoneInfo("Africa/Tripoli")).strftime("%H:%M") == "06:15"

    assert run(script) == 0


def test_mistakes_get_one_line_that_says_what_to_do(desk: Desk) -> None:
    """Bad settings, odd arguments, a command in capitals, /status from an anonymous group
    admin (no user to check): each one short line, never a traceback or silence."""
    _, run = desk()
    group = {"id": -4200, "type": "supergroup", "title": "Desk"}

    def script(c: Client) -> None:
        c.say(ME_CHAT, "/start")
        expected = {"/settings time 25:00": "Not a time: 25:00. Use HH:MM",
                    "/settings tz Mars/Olympus": "Unknown time zone: Mars/Olympus",
                    "/settings stories 0": "stories takes a number from 1 to 20.",
                    "/settings bogus 1": "Unknown setting. Try: time, tz, stories, sentences.",
                    "/filter frobnicate x": "/filter"}
        for command, start in expected.items():
            (reply,) = c.say(ME_CHAT, command)
            assert start in reply["text"] and len(reply["text"].splitlines()) <= 2, reply
        assert "Latest stories" in c.say(ME_CHAT, "/latest -3")[0]["text"]
        assert "/digest" in c.say(ME_CHAT, "/HELP")[0]["text"]
        anonymous = c.say(group, "/status", sender=None, sender_chat=group)
        assert _texts(anonymous) == ["/status is for the bot's admins."]

    assert run(script) == 0


def test_a_chats_updates_in_one_batch_are_handled_in_order(desk: Desk,
                                                           api: MiniBotAPI) -> None:
    _, run = desk()

    def script(c: Client) -> None:
        c.say(ME_CHAT, "/start")
        api.deliver({"message": message(api, ME_CHAT, "/settings stories 1", sender=CHAT)},
                    {"message": message(api, ME_CHAT, "/digest", sender=CHAT)})
        c.wait(lambda: len(api.to(CHAT)) >= 3)
        settings, digest = _texts(c.quiet(CHAT))[1:]
        assert "Stories per digest: 1" in settings and "1 story from" in digest

    assert run(script) == 0
