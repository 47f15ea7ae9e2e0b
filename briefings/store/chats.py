"""Chats: subscriptions, settings, keyword filters, and the bot's messages (which stories each
one showed, for scoping replies)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from ..clock import utcnow
from .connection import Connection, iso
from .rows import ChatRow


class Chats(Connection):
    def subscribe(self, chat_id: int, title: str | None, digest_time: str, timezone: str,
                  now: datetime | None = None) -> bool:
        """True when the chat is newly subscribed (or re-subscribed). A (re-)subscription
        starts the chat's schedule at ``now``: digests due before it are not "missed"."""
        now_ts = iso(now or utcnow())
        with self.transaction() as db:
            row = db.execute("SELECT subscribed FROM chats WHERE chat_id = ?",
                             (chat_id,)).fetchone()
            if row is None:
                db.execute("INSERT INTO chats (chat_id, title, digest_time, timezone, created_at, "
                           "schedule_from) VALUES (?, ?, ?, ?, ?, ?)",
                           (chat_id, title, digest_time, timezone, now_ts, now_ts))
                return True
            db.execute("UPDATE chats SET subscribed = 1, title = COALESCE(?, title), "
                       "schedule_from = CASE WHEN subscribed THEN schedule_from ELSE ? END "
                       "WHERE chat_id = ?", (title, now_ts, chat_id))
            return not row[0]

    def unsubscribe(self, chat_id: int) -> bool:
        with self.transaction() as db:
            cur = db.execute("UPDATE chats SET subscribed = 0 WHERE chat_id = ? AND "
                             "subscribed = 1", (chat_id,))
            return cur.rowcount > 0

    @staticmethod
    def _chat(r: sqlite3.Row) -> ChatRow:
        return ChatRow(chat_id=r["chat_id"], title=r["title"], subscribed=bool(r["subscribed"]),
                       digest_time=r["digest_time"], timezone=r["timezone"],
                       stories=r["stories"], sentences=r["sentences"],
                       created_at=r["created_at"], last_digest_at=r["last_digest_at"],
                       schedule_from=r["schedule_from"],
                       last_digest_article=r["last_digest_article"])

    def chat(self, chat_id: int) -> ChatRow | None:
        row = self.db.execute("SELECT * FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
        return None if row is None else self._chat(row)

    def subscribed_chats(self) -> list[ChatRow]:
        return [self._chat(r) for r in self.db.execute(
            "SELECT * FROM chats WHERE subscribed = 1 ORDER BY chat_id")]

    def update_chat(self, chat_id: int, **values: object) -> None:
        """Change a chat's settings; a new digest time or time zone restarts its schedule."""
        allowed = {"digest_time", "timezone", "stories", "sentences", "last_digest_at"}
        assert set(values) <= allowed, values
        with self.transaction() as db:
            row = db.execute("SELECT digest_time, timezone FROM chats WHERE chat_id = ?",
                             (chat_id,)).fetchone()
            if row is None:
                return
            if any(k in values and values[k] != row[k] for k in ("digest_time", "timezone")):
                values = {**values, "schedule_from": iso(utcnow())}
            sets = ", ".join(f"{k} = ?" for k in values)
            db.execute(f"UPDATE chats SET {sets} WHERE chat_id = ?", (*values.values(), chat_id))

    def migrate_chat(self, old: int, new: int) -> bool:
        """A group became a supergroup: move everything of chat ``old`` to ``new`` at once.
        When ``new`` is already known (it used the bot), its own settings win. A digest
        recorded under ``old`` after its settings moved (composed while the group moved) is
        moved too, when Telegram's "migrated" answer calls this again. False when there was
        nothing to move."""
        with self.transaction() as db:
            known = db.execute("SELECT 1 FROM chats WHERE chat_id = ?", (old,)).fetchone()
            if known is not None:
                db.execute("INSERT OR IGNORE INTO chats (chat_id, title, subscribed, "
                           "digest_time, timezone, stories, sentences, created_at, "
                           "last_digest_at, schedule_from, last_digest_article) SELECT ?, "
                           "title, subscribed, digest_time, timezone, stories, sentences, "
                           "created_at, last_digest_at, schedule_from, last_digest_article "
                           "FROM chats WHERE chat_id = ?",
                           (new, old))
                db.execute("UPDATE OR IGNORE chat_filters SET chat_id = ? WHERE chat_id = ?",
                           (new, old))
                db.execute("DELETE FROM chats WHERE chat_id = ?", (old,))  # and its filters
            clash = ("kind = 'daily' AND digest_date IN (SELECT digest_date FROM digests "
                     "WHERE chat_id = ? AND kind = 'daily')")  # the new chat has that day's
            db.execute(f"UPDATE digests SET abandoned_at = COALESCE(abandoned_at, ?) "
                       f"WHERE chat_id = ? AND {clash}", (iso(utcnow()), old, new))
            moved = db.execute(f"UPDATE digests SET chat_id = ? WHERE chat_id = ? AND NOT "
                               f"({clash})", (new, old, new)).rowcount
            moved += db.execute("UPDATE OR IGNORE sent_messages SET chat_id = ? WHERE "
                                "chat_id = ?", (new, old)).rowcount
            moved += db.execute("DELETE FROM sent_messages WHERE chat_id = ?", (old,)).rowcount
            return known is not None or moved > 0

    def filters(self, chat_id: int) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT keyword FROM chat_filters WHERE chat_id = ? ORDER BY keyword", (chat_id,))]

    def add_filter(self, chat_id: int, keyword: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("INSERT OR IGNORE INTO chat_filters VALUES (?, ?)", (chat_id, keyword))
            return cur.rowcount > 0

    def remove_filter(self, chat_id: int, keyword: str) -> bool:
        with self.transaction() as db:
            cur = db.execute("DELETE FROM chat_filters WHERE chat_id = ? AND keyword = ?",
                             (chat_id, keyword))
            return cur.rowcount > 0

    def remember_message(self, chat_id: int, message_id: int, story_ids: Sequence[int]) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO sent_messages VALUES (?, ?, ?, ?)",
                       (chat_id, message_id, json.dumps(list(story_ids)), iso(utcnow())))

    def message_stories(self, chat_id: int, message_id: int) -> list[int] | None:
        row = self.db.execute("SELECT story_ids FROM sent_messages WHERE chat_id = ? AND "
                              "message_id = ?", (chat_id, message_id)).fetchone()
        return list(json.loads(row[0])) if row else None
