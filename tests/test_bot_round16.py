"""Round 16: a channel subscribes itself; in a group only its admins change the digest.

Before, a channel's posts were never read, so a news desk could not have the digest posted
in its channel; and any member of a group could stop the group's digest or change its
time, length and keywords. Driven as ``briefings run`` runs the bot, against the second
client's Bot API (tests/fakes/tgclient.py), whose getChatMember says each member's status.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from bot.jobs import compose_and_deliver
from briefings.chat_service import ChatService

from .builders import present
from .fakes import tgdesk
from .fakes.tgclient import Client, MiniBotAPI, error, message, ok, user
from .fakes.tgdesk import ADMIN, CHAT, ME_CHAT, Desk

api, desk = tgdesk.api, tgdesk.desk  # the fixtures

CHANNEL: dict[str, Any] = {"id": -1001600, "type": "channel", "title": "Desk channel"}
GROUP: dict[str, Any] = {"id": -1001700, "type": "supergroup", "title": "Desk group"}
MEMBER, MODERATOR, OWNER, MUTED = 1601, 1602, 1603, 1604
ONLY_ADMINS = "Only this chat's admins can change its digest."
ANONYMOUS_ADMIN = 1087968824  # Telegram's GroupAnonymousBot: the sender of an anonymous admin


def _post(api: MiniBotAPI, text: str, kind: str = "channel_post") -> None:
    """A post in the channel: no sender (a channel post has none), as a client sends it."""
    api.deliver({kind: message(api, CHANNEL, text)})


def _to(c: Client, chat: dict[str, Any], after: int) -> list[dict[str, Any]]:
    c.wait(lambda: len(c.api.to(chat["id"])) > after)
    return c.quiet(chat["id"])[after:]


def test_a_channel_subscribes_itself_and_gets_its_digest(desk: Desk, api: MiniBotAPI) -> None:
    cfg, run = desk()
    store = ChatService(cfg).store

    def script(c: Client) -> None:
        _post(api, "/start")
        said = _to(c, CHANNEL, 0)
        assert "Welcome" in said[0]["text"] and "Ask anything" not in said[0]["text"], said
        row = present(store.chat(CHANNEL["id"]))
        assert row.subscribed and row.title == "Desk channel"
        assert c.app.job_queue.get_jobs_by_name(f"digest:{CHANNEL['id']}")
        # the channel's own news, a command for another bot, an edited post: no reply
        _post(api, "اشتباكات جديدة في مصراتة صباح اليوم")
        _post(api, "/stop@other_bot")
        _post(api, "/stop", kind="edited_channel_post")
        time.sleep(1.0)
        assert len(c.quiet(CHANNEL["id"])) == 1 and present(store.chat(CHANNEL["id"])).subscribed
        # the daily digest job's delivery reaches the channel
        c.on_loop(compose_and_deliver(c.app, CHANNEL["id"], "daily"))
        digest = _to(c, CHANNEL, 1)
        assert "1 story from 2 articles" in digest[0]["text"], digest  # the seeds' story
        assert "Azzaman" in digest[0]["text"]
        # a settings button pressed by a reader of the channel who is not its admin
        api.members[(CHANNEL["id"], MEMBER)] = "member"
        api.deliver({"callback_query": {
            "id": "q1", "chat_instance": "ci", "data": "set:stories:3", "from": user(MEMBER),
            "message": {"message_id": 1, "date": 1, "chat": CHANNEL, "text": "Settings"}}})
        c.wait(lambda: api.called("answerCallbackQuery"))
        answered = api.called("answerCallbackQuery")[0]
        assert answered["text"] == ONLY_ADMINS and answered["show_alert"] is True
        assert present(store.chat(CHANNEL["id"])).stories is None
        before = len(c.quiet(CHANNEL["id"]))
        _post(api, "/stop")
        assert _to(c, CHANNEL, before)[0]["text"].startswith("Unsubscribed")
        assert not present(store.chat(CHANNEL["id"])).subscribed

    assert run(script) == 0


def test_a_channel_not_allowed_is_refused_once_per_command(desk: Desk, api: MiniBotAPI
                                                           ) -> None:
    cfg, run = desk(telegram={"allowed_chats": [CHAT]})
    store = ChatService(cfg).store

    def script(c: Client) -> None:
        _post(api, "/start")
        said = _to(c, CHANNEL, 0)
        assert said[0]["text"].startswith("Sorry, this bot is private")
        _post(api, "خبر عاجل من الميدان")  # its news: not answered at all
        _post(api, "/weather@other_bot")  # another bot's command
        news = message(api, CHANNEL, "/ عاجل: انفجار في الميناء")  # news that starts with "/"
        news.pop("entities")  # (no command entity: Telegram sees none in "/ " either)
        api.deliver({"channel_post": news})
        time.sleep(1.0)
        assert len(c.quiet(CHANNEL["id"])) == 1
        assert store.chat(CHANNEL["id"]) is None

    assert run(script) == 0


def test_in_a_group_only_its_admins_change_the_digest(desk: Desk, api: MiniBotAPI) -> None:
    cfg, run = desk()
    store = ChatService(cfg).store
    api.members.update({(GROUP["id"], MEMBER): "member",
                        (GROUP["id"], MODERATOR): "administrator",
                        (GROUP["id"], OWNER): "creator",
                        (GROUP["id"], MUTED): "restricted"})

    def say(c: Client, text: str, sender: int, **fields: Any) -> str:
        return str(c.say(GROUP, text, sender=sender, **fields)[0]["text"])

    def script(c: Client) -> None:
        assert say(c, "/start", MEMBER) == ONLY_ADMINS
        assert store.chat(GROUP["id"]) is None
        assert say(c, "/digest", MEMBER) == ONLY_ADMINS  # a first digest would subscribe it
        assert store.chat(GROUP["id"]) is None
        assert "Welcome" in say(c, "/start", MODERATOR)
        assert "سرت" in say(c, "/filter add سرت", MODERATOR)
        for command in ("/settings time 09:00", "/settings stories 3", "/stop",
                        "/filter add مصراتة", "/filter clear", "/filter rm سرت",
                        "/filter DEL سرت", "/filter remove سرت"):
            assert say(c, command, MEMBER) == ONLY_ADMINS, command
        row = present(store.chat(GROUP["id"]))
        assert row.subscribed and row.stories is None and row.digest_time != "09:00"
        assert store.filters(GROUP["id"]) == ["سرت"]
        assert say(c, "/stop", MUTED) == ONLY_ADMINS  # restricted: no admin either
        # reading stays open to every member
        assert "Stories per digest" in say(c, "/settings", MEMBER)
        assert say(c, "/filter list", MEMBER) != ONLY_ADMINS
        assert say(c, "/digest", MEMBER) != ONLY_ADMINS
        assert say(c, "ماذا حدث في مصراتة؟", MEMBER) != ONLY_ADMINS
        # the owner, an anonymous admin (sent as the group) and a bot admin may change it
        assert "3" in say(c, "/settings stories 3", OWNER)
        say(c, "/settings sentences 2", ANONYMOUS_ADMIN, sender_chat=GROUP)
        say(c, "/settings time 06:45", ADMIN)
        row = present(store.chat(GROUP["id"]))
        assert (row.stories, row.sentences, row.digest_time) == (3, 2, "06:45")
        # a message sent as another (linked) channel is no admin of the group
        assert say(c, "/stop", 136817688, sender_chat=CHANNEL) == ONLY_ADMINS
        # a member's settings button: refused in an alert, nothing changed
        api.deliver({"callback_query": {
            "id": "q1", "chat_instance": "ci", "data": "set:stories:10", "from": user(MEMBER),
            "message": {"message_id": 1, "date": 1, "chat": GROUP, "text": "Settings"}}})
        c.wait(lambda: api.called("answerCallbackQuery"))
        answered = api.called("answerCallbackQuery")[0]
        assert (answered["text"], answered["show_alert"]) == (ONLY_ADMINS, True)
        assert present(store.chat(GROUP["id"])).stories == 3
        assert present(store.chat(GROUP["id"])).subscribed
        # the admin list is asked each time: a member made admin counts at once
        api.members[(GROUP["id"], MEMBER)] = "administrator"
        assert say(c, "/stop", MEMBER).startswith("Unsubscribed")

    assert run(script) == 0
    asked = [int(p["user_id"]) for p in api.called("getChatMember")]
    assert ADMIN not in asked and ANONYMOUS_ADMIN not in asked  # known without asking


def test_when_telegram_cannot_say_who_is_admin_the_check_is_skipped_and_logged(
        desk: Desk, api: MiniBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    """A Bot API server that refuses getChatMember, answers it with something this library
    cannot read, or does not have it at all: the group's digest still obeys its members,
    as before the check (a member cannot cause the failure), never with a traceback, and
    the log says each time that the check was skipped."""
    cfg, run = desk()
    store = ChatService(cfg).store
    answers = iter([error(400, "Bad Request: member list is inaccessible"),
                    ok({"status": "restricted", "user": user(MODERATOR)}),  # fields missing
                    ok(True),  # a server that answers every method it lacks with true
                    error(404, "Not Found")])

    def member_unknown(method: str, params: dict[str, Any]) -> Any:
        return next(answers) if method == "getChatMember" else None

    def script(c: Client) -> None:
        assert "Welcome" in c.say(GROUP, "/start", sender=OWNER)[0]["text"]
        api.rules.append(member_unknown)
        assert c.say(GROUP, "/stop", sender=MODERATOR)[0]["text"].startswith("Unsubscribed")
        assert "Welcome" in c.say(GROUP, "/start", sender=MODERATOR)[0]["text"]
        assert "3" in c.say(GROUP, "/settings stories 3", sender=MODERATOR)[0]["text"]
        assert c.say(GROUP, "/stop", sender=MODERATOR)[0]["text"].startswith("Unsubscribed")
        assert not present(store.chat(GROUP["id"])).subscribed

    assert run(script) == 0
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
             and "could not check" in r.getMessage()]
    assert len(lines) == 4 and all(line.endswith("the change is allowed") for line in lines)
    assert lines[0] == (f"chat {GROUP['id']}: could not check whether user {MODERATOR} is an "
                        "admin (BadRequest: Member list is inaccessible); the change is "
                        "allowed"), lines


def test_a_channel_post_forwarded_into_its_discussion_group_is_not_for_the_bot(
        desk: Desk, api: MiniBotAPI) -> None:
    """Telegram forwards every post of a channel into the channel's linked discussion group
    (sender_chat: the channel, is_automatic_forward). Its /stop was run again there
    (refused: "Only this chat's admins…") and its news was answered as a question."""
    cfg, run = desk()
    store = ChatService(cfg).store

    def forwarded(text: str) -> dict[str, Any]:
        return {"message": message(api, GROUP, text, sender=136817688, sender_chat=CHANNEL,
                                   is_automatic_forward=True)}

    def script(c: Client) -> None:
        assert "Welcome" in c.say(GROUP, "/start", sender=OWNER)[0]["text"]
        api.deliver(forwarded("/stop"), forwarded("اشتباكات جديدة في مصراتة صباح اليوم"))
        time.sleep(1.0)
        assert len(c.quiet(GROUP["id"])) == 1  # the welcome only
        assert present(store.chat(GROUP["id"])).subscribed

    assert run(script) == 0


def test_private_chats_are_unaffected(desk: Desk, api: MiniBotAPI) -> None:
    _, run = desk()

    def script(c: Client) -> None:
        welcome = c.say(ME_CHAT, "/start")[0]["text"]
        assert "Welcome" in welcome and "Ask anything" in welcome
        assert "3" in c.say(ME_CHAT, "/settings stories 3")[0]["text"]

    assert run(script) == 0
    assert api.called("getChatMember") == []
