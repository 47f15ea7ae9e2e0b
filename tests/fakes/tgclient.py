"""A second, independent Telegram client for the bot: a small Bot API of its own on
127.0.0.1 and a driver that runs the bot exactly as ``briefings run`` does (``bot.app.run``:
the token from the environment, ``connect``, ``run_polling`` with its signal handlers) in
the test's main thread, while the test's script talks to it from another thread.

Unlike tests/fakes/botapi.py, getUpdates is fully scriptable: a batch can be handed out
as is (the same update_id twice, unknown update types), and any call can be answered by
a scripted status (409 Conflict, 502 from a proxy with an HTML body). Texts are measured
as Telegram does (UTF-16 code units after HTML parsing) and refused over 4096.
getChatMember answers from ``members`` ((chat id, user id) -> status); anyone else is the
chat's creator, as the one person in a test's group is.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

TOKEN = "987654:OWN-client-token_xyz"
ME = {"id": 987654, "is_bot": True, "first_name": "Briefings", "username": "desk_bot"}
Answer = tuple[int, bytes, str]  # status, body, content type
Rule = Callable[[str, dict[str, Any]], Answer | None]


def ok(result: Any) -> Answer:
    return 200, json.dumps({"ok": True, "result": result}).encode(), "application/json"


def error(status: int, description: str, **parameters: Any) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, json.dumps(body).encode(), "application/json"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class MiniBotAPI:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []
        self.refused: list[tuple[str, str]] = []  # (method, why) answered 400 by the rules
        self.rules: list[Rule] = []  # the first that answers wins; None: no opinion
        self.members: dict[tuple[int, int], str] = {}  # getChatMember's status
        self.pending: list[dict[str, Any]] = []  # handed to the next getUpdates as they are
        self.next_update = 100
        self.next_message = 5000
        self.closing = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/bot"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        with self.lock:
            self.closing = True
            self.lock.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- the client's side -------------------------------------------------------
    def deliver(self, *updates: dict[str, Any], update_id: int | None = None) -> None:
        """Updates for the next getUpdates; each gets the next update_id unless it has one
        (or ``update_id`` is given: then all of them get it)."""
        with self.lock:
            for update in updates:
                if update_id is not None:
                    update["update_id"] = update_id
                elif "update_id" not in update:
                    update["update_id"] = self.next_update
                    self.next_update += 1
                self.pending.append(update)
            self.lock.notify_all()

    def message_id(self) -> int:
        with self.lock:
            self.next_message += 1
            return self.next_message

    def to(self, chat_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def called(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for m, p in self.calls if m == method]

    # -- the server's side -------------------------------------------------------
    def handle(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/bot{TOKEN}/"
        if not request.path.startswith(prefix):
            return self.answer(request, error(401, "Unauthorized"))
        method = request.path[len(prefix):]
        size = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(size).decode() if size else ""
        params = _params(raw, request.headers.get("Content-Type", ""))
        with self.lock:
            self.calls.append((method, params))
            rules = list(self.rules)
        for rule in rules:
            scripted = rule(method, params)
            if scripted is not None:
                return self.answer(request, scripted)
        self.answer(request, self.result(method, params))

    def answer(self, request: BaseHTTPRequestHandler, answer: Answer) -> None:
        status, body, ctype = answer
        try:
            request.send_response(status)
            request.send_header("Content-Type", ctype)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except OSError:
            pass

    def result(self, method: str, params: dict[str, Any]) -> Answer:
        if method == "getMe":
            return ok(ME)
        if method == "getUpdates":
            deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.5)
            with self.lock:
                while not self.pending and not self.closing:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self.lock.wait(left)
                batch, self.pending = self.pending, []
            return ok(batch)
        if method in {"sendMessage", "editMessageText"}:
            text = str(params.get("text", ""))
            shown = (html.unescape(re.sub(r"<[^>]+>", "", text))
                     if params.get("parse_mode") == "HTML" else text)
            why = ("message text is empty" if not shown.strip() else
                   "message is too long" if utf16(shown) > 4096 else None)
            if why:
                with self.lock:
                    self.refused.append((method, why))
                return error(400, f"Bad Request: {why}")
            chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "A"}
            message_id = (self.message_id() if method == "sendMessage"
                          else int(params["message_id"]))
            msg = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                   "from": {**ME}, "text": shown}
            with self.lock:
                if method == "sendMessage":
                    self.sent.append({**msg, "html": text, "params": params})
                self.lock.notify_all()
            return ok(msg)
        if method == "getChatMember":
            uid = int(params["user_id"])
            return ok(chat_member(uid, self.members.get((int(params["chat_id"]), uid),
                                                        "creator")))
        return ok(True)


def _params(raw: str, ctype: str) -> dict[str, Any]:
    """A request's parameters: JSON, or a form whose values are JSON when they look so."""
    if "json" in ctype:
        return dict(json.loads(raw or "{}"))
    params: dict[str, Any] = {}
    for key, values in parse_qs(raw, keep_blank_values=True).items():
        value: Any = values[-1]
        if value[:1] in "{[" or value in ("true", "false", "null"):
            with suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params


def chat_member(user_id: int, status: str) -> dict[str, Any]:
    """A ChatMember as getChatMember answers it, with the fields its status requires."""
    member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False,
                                                         "first_name": "Member"}}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({k: k == "can_manage_chat" for k in (
            "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
            "can_manage_video_chats", "can_restrict_members", "can_promote_members",
            "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
            "can_delete_stories")})
    elif status == "restricted":  # a member who may still read but not send
        member.update({k: k == "is_member" for k in (
            "is_member", "can_change_info", "can_invite_users", "can_pin_messages",
            "can_send_messages", "can_send_polls", "can_send_other_messages",
            "can_add_web_page_previews", "can_manage_topics", "can_send_audios",
            "can_send_documents", "can_send_photos", "can_send_videos",
            "can_send_video_notes", "can_send_voice_notes", "can_edit_tag",
            "can_react_to_messages")})
        member["until_date"] = 0
    elif status == "kicked":
        member["until_date"] = 0
    return member


def user(uid: int, name: str = "Analyst") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": name}


def message(api: MiniBotAPI, chat: dict[str, Any], text: str | None = None,
            sender: int | None = None, **fields: Any) -> dict[str, Any]:
    """A ``message`` update's message: ``text`` with its command entity if it is one."""
    msg: dict[str, Any] = {"message_id": api.message_id(), "date": int(time.time()),
                           "chat": chat, **fields}
    if sender is not None:
        msg["from"] = user(sender)
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": utf16(text.split()[0])}]
    return msg


def private(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Analyst"}


class Client:
    """The test script's handle on the running bot (used from the script's thread)."""

    def __init__(self, api: MiniBotAPI) -> None:
        self.api = api
        self.app: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = threading.Event()
        self.stopped = threading.Event()

    def send(self, chat: dict[str, Any], text: str | None, sender: int | None = None,
             **fields: Any) -> dict[str, Any]:
        msg = message(self.api, chat, text, sender if sender is not None else chat["id"],
                      **fields)
        self.api.deliver({"message": msg})
        return msg

    def say(self, chat: dict[str, Any], text: str, **fields: Any) -> list[dict[str, Any]]:
        """Type ``text`` and return every message the bot sends back (once it is quiet)."""
        before = len(self.api.to(chat["id"]))
        self.send(chat, text, **fields)
        self.wait(lambda: len(self.api.to(chat["id"])) > before)
        return self.quiet(chat["id"])[before:]

    def quiet(self, chat_id: int, settle: float = 0.25) -> list[dict[str, Any]]:
        count = -1
        while count != len(self.api.to(chat_id)):
            count = len(self.api.to(chat_id))
            time.sleep(settle)
        return self.api.to(chat_id)

    def wait(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            if self.stopped.is_set():
                raise AssertionError("the bot stopped")
            time.sleep(0.05)
        raise AssertionError("timed out waiting")

    def on_loop(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        """Run ``coro`` on the bot's event loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@contextmanager
def driven(monkeypatch: pytest.MonkeyPatch, api: MiniBotAPI) -> Iterator[Client]:
    """Patch ``bot.app`` so that the driver can reach the running application; restore the
    process-wide hooks ``run`` installs (excepthooks) after the test."""
    import sys

    import bot.app as bot_app

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for name in ("excepthook", "unraisablehook"):
        monkeypatch.setattr(sys, name, getattr(sys, name))
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    client = Client(api)
    build, startup = bot_app.build_application, bot_app.on_startup

    def capture(*args: Any, **kwargs: Any) -> Any:
        client.app = build(*args, **kwargs)
        return client.app

    async def started(app: Any) -> None:
        client.loop = asyncio.get_running_loop()
        await startup(app)
        client.ready.set()

    monkeypatch.setattr(bot_app, "build_application", capture)
    monkeypatch.setattr(bot_app, "on_startup", started)
    yield client


def converse(client: Client, cfg: Any, script: Callable[[Client], None]) -> int:
    """``briefings run`` in this thread, ``script`` in another; the bot is stopped when the
    script ends, and whatever the script raised is raised here."""
    from bot.app import run

    failure: list[BaseException] = []

    def drive() -> None:
        try:
            if not client.ready.wait(30):
                raise AssertionError("the bot did not start")
            script(client)
        except BaseException as exc:  # handed to the main thread
            failure.append(exc)
        finally:
            deadline = time.monotonic() + 30
            while client.loop is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if client.loop is not None and client.app is not None:
                client.loop.call_soon_threadsafe(client.app.stop_running)

    thread = threading.Thread(target=drive, name="client-script", daemon=True)
    thread.start()
    try:
        code = run(cfg)
    finally:
        client.stopped.set()
        thread.join(35)
    if failure:
        raise failure[0]
    return code
