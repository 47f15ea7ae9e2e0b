"""A fake Telegram Bot API server on 127.0.0.1 for driving a real Application over HTTP.

It serves getMe, getUpdates (long polling), deleteWebhook, setMyCommands,
sendMessage, sendChatAction, editMessageText and answerCallbackQuery, records every
call, lets a test inject updates (a user typing, a button press, a service message such
as a group's upgrade to a supergroup) and script failures (any status: 401 on getMe,
5xx, 429 with retry_after, 403 Forbidden, 400 on formatting, 400 with
migrate_to_chat_id). Like Telegram, it refuses an empty message or one over 4096
characters. getChatMember says everyone is the chat's creator unless ``members`` ((chat
id, user id) -> status) says otherwise. ``closed_port_url`` gives a Bot API address where
nothing listens.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from .tgclient import chat_member

TOKEN = "123456:TEST-token-not-real"
BOT = {"id": 123456, "is_bot": True, "first_name": "Briefings", "username": "briefings_bot",
       "can_join_groups": True, "can_read_all_group_messages": False,
       "supports_inline_queries": False}


class FakeBotAPI:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # messages delivered (sendMessage answered ok)
        self.edits: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: list[tuple[str, Callable[[dict[str, Any]], bool], int, dict[str, Any]]] = []
        self.hold_sends = False  # sendMessage requests hang, unanswered and not delivered
        self.send_delay = 0.0  # seconds before a sendMessage is delivered and answered
        self.members: dict[tuple[int, int], str] = {}  # getChatMember's status
        self._cond = threading.Condition()
        self._next_update = 1
        self._next_message = 1000
        self._closing = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer._handle(self)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/bot"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,),  # quick close
                         daemon=True).start()

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- scripting ---------------------------------------------------------------------
    def fail(self, method: str, status: int, description: str, times: int = 1,
             when: Callable[[dict[str, Any]], bool] = lambda p: True,
             retry_after: int | None = None, parameters: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        if parameters is not None:
            body["parameters"] = {**body.get("parameters", {}), **parameters}
        for _ in range(times):
            self.failures.append((method, when, status, body))

    def user_message(self, chat_id: int, text: str, user_id: int | None = None,
                     reply_to: dict[str, Any] | None = None, chat_type: str = "private") -> int:
        with self._cond:
            message_id = self._next_message
            self._next_message += 1
            user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Analyst"}
            msg: dict[str, Any] = {
                "message_id": message_id, "date": int(time.time()), "from": user,
                "chat": {"id": chat_id, "type": chat_type, "first_name": "Analyst"},
                "text": text}
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
            if reply_to is not None:
                msg["reply_to_message"] = reply_to
            self._push({"message": msg})
            return message_id

    def service_message(self, chat_id: int, chat_type: str = "group", **fields: Any) -> None:
        """A message without text, e.g. migrate_to_chat_id=... in a group upgraded to a
        supergroup."""
        with self._cond:
            message_id = self._next_message
            self._next_message += 1
            chat = {"id": chat_id, "type": chat_type, "title": "Desk group"}
            self._push({"message": {"message_id": message_id, "date": int(time.time()),
                                    "chat": chat, "from": {"id": 777, "is_bot": False,
                                                           "first_name": "Admin"}, **fields}})

    def press(self, chat_id: int, message: dict[str, Any], data: str) -> None:
        with self._cond:
            self._push({"callback_query": {
                "id": str(self._next_update), "chat_instance": "ci", "data": data,
                "from": {"id": chat_id, "is_bot": False, "first_name": "Analyst"},
                "message": message}})

    def push(self, update: dict[str, Any]) -> None:
        """Any update as a client sends it (an edit, a channel post, a forum topic...)."""
        with self._cond:
            self._push(update)

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = self._next_update
        self._next_update += 1
        self.updates.append(update)
        self._cond.notify_all()

    # -- reading ----------------------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self._cond:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def called(self, method: str) -> list[dict[str, Any]]:
        with self._cond:
            return [p for m, p in self.calls if m == method]

    # -- serving ------------------------------------------------------------------------
    def _params(self, request: BaseHTTPRequestHandler) -> dict[str, Any]:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8") if length else ""
        ctype = request.headers.get("Content-Type", "")
        if "json" in ctype:
            return dict(json.loads(raw or "{}"))
        params: dict[str, Any] = {}
        for key, values in parse_qs(raw, keep_blank_values=True).items():
            value: Any = values[-1]
            if value[:1] in "{[" or value in ("true", "false", "null"):
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            params[key] = value
        return params

    def _reply(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            self._reply(request, 404, {"ok": False, "error_code": 404,
                                       "description": "Not Found"})
            return
        method = request.path[len(prefix):]
        params = self._params(request)
        failure = None
        with self._cond:
            self.calls.append((method, params))
            for i, (m, when, status, body) in enumerate(self.failures):
                if m == method and when(params):
                    failure = (status, body)
                    del self.failures[i]
                    break
        if failure:
            self._reply(request, *failure)
            return
        result = self._result(method, params)
        if isinstance(result, _Refused):
            self._reply(request, 400, {"ok": False, "error_code": 400,
                                       "description": f"Bad Request: {result.description}"})
        elif result is not _HELD:
            self._reply(request, 200, {"ok": True, "result": result})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method in {"deleteWebhook", "setMyCommands", "answerCallbackQuery", "close"}:
            return True
        if method == "getChatMember":
            uid = int(params["user_id"])
            return chat_member(uid, self.members.get((int(params["chat_id"]), uid), "creator"))
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
            with self._cond:
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                    left = deadline - time.monotonic()
                    if ready or left <= 0 or self._closing:
                        return ready
                    self._cond.wait(left)
        if method in {"sendMessage", "editMessageText"}:
            problem = _text_problem(params)
            if problem:
                return _Refused(problem)
            if method == "sendMessage" and self.send_delay:
                time.sleep(self.send_delay)  # Telegram slow to answer: it still delivers
            if method == "sendMessage" and self.hold_sends:
                with self._cond:
                    while not self._closing:
                        self._cond.wait(0.1)
                return _HELD
            with self._cond:
                chat_id = int(params["chat_id"])
                if method == "sendMessage":
                    message_id = self._next_message
                    self._next_message += 1
                else:
                    message_id = int(params["message_id"])
                msg = {"message_id": message_id, "date": int(time.time()), "from": BOT,
                       "chat": {"id": chat_id, "type": "private", "first_name": "Analyst"},
                       "text": params.get("text", ""), "parse_mode": params.get("parse_mode"),
                       "reply_markup": params.get("reply_markup"),
                       "message_thread_id": params.get("message_thread_id")}
                (self.sent if method == "sendMessage" else self.edits).append(msg)
                self._cond.notify_all()
                return {k: v for k, v in msg.items()
                        if k not in {"parse_mode", "reply_markup", "message_thread_id"}}
        return True


_HELD = object()


class _Refused:
    def __init__(self, description: str) -> None:
        self.description = description


def _text_problem(params: dict[str, Any]) -> str | None:
    """What Telegram says about a message's text: empty, or over 4096 characters once its
    HTML entities are parsed, counted as Telegram does: in UTF-16 code units (an emoji or
    a flag outside the BMP is 2)."""
    text = str(params.get("text", ""))
    if params.get("parse_mode") == "HTML":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    if not text.strip():
        return "message text is empty"
    if len(text.encode("utf-16-le")) // 2 > 4096:
        return "message is too long"
    return None


def closed_port_url() -> str:
    """A Bot API base URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/bot"
