"""The digest outbox: a digest and its parts are recorded before anything is sent, and each
part is marked once Telegram confirms it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from ..clock import utcnow
from .connection import Connection, iso
from .rows import DigestPart, SentPart, UnsentDigest


class Outbox(Connection):
    def daily_digest(self, chat_id: int, date: str) -> int | None:
        row = self.db.execute("SELECT id FROM digests WHERE chat_id = ? AND digest_date = ? AND "
                              "kind = 'daily'", (chat_id, date)).fetchone()
        return int(row[0]) if row else None

    def record_digest(self, chat_id: int, kind: str, date: str, story_ids: Sequence[int],
                      parts: Sequence[tuple[str, str]], read_at: datetime | None = None,
                      read_upto: int | None = None) -> int:
        """Record a composed digest and its parts before anything is sent (the outbox);
        the chat's next digest starts at ``read_at``, when this one read its articles, and
        after ``read_upto``, the last article it read (None: keep the chat's last one)."""
        with self.transaction() as db:
            if kind == "daily":
                row = db.execute("SELECT id FROM digests WHERE chat_id = ? AND digest_date = ? "
                                 "AND kind = 'daily'", (chat_id, date)).fetchone()
                if row:
                    return int(row[0])
            cur = db.execute(
                "INSERT INTO digests (chat_id, kind, digest_date, created_at, story_ids) "
                "VALUES (?, ?, ?, ?, ?)",
                (chat_id, kind, date, iso(utcnow()), json.dumps(list(story_ids))))
            digest_id = int(cur.lastrowid or 0)
            db.executemany("INSERT INTO digest_parts (digest_id, part, html, text) "
                           "VALUES (?, ?, ?, ?)",
                           [(digest_id, i, h, t) for i, (h, t) in enumerate(parts)])
            db.execute("UPDATE chats SET last_digest_at = ?, last_digest_article = "
                       "COALESCE(?, last_digest_article) WHERE chat_id = ?",
                       (iso(read_at or utcnow()), read_upto, chat_id))
            return digest_id

    def unsent_parts(self, digest_id: int) -> list[DigestPart]:
        rows = self.db.execute("SELECT part, html, text FROM digest_parts WHERE digest_id = ? "
                               "AND sent_at IS NULL ORDER BY part", (digest_id,))
        return [DigestPart(r[0], r[1], r[2]) for r in rows]

    def stories_sent(self, chat_id: int, since: datetime) -> set[int]:
        """The stories of the chat's digests composed since ``since`` (not abandoned)."""
        rows = self.db.execute("SELECT story_ids FROM digests WHERE chat_id = ? AND "
                               "created_at >= ? AND abandoned_at IS NULL",
                               (chat_id, iso(since)))
        return {int(s) for (ids,) in rows for s in json.loads(ids)}

    def digest_story_ids(self, digest_id: int) -> list[int]:
        row = self.db.execute("SELECT story_ids FROM digests WHERE id = ?",
                              (digest_id,)).fetchone()
        return list(json.loads(row[0])) if row else []

    def mark_part_sent(self, digest_id: int, part: int, chat_id: int, message_id: int) -> None:
        now = iso(utcnow())
        with self.transaction() as db:
            db.execute("UPDATE digest_parts SET sent_at = ?, message_id = ? WHERE digest_id = ? "
                       "AND part = ?", (now, message_id, digest_id, part))
            left = db.execute("SELECT COUNT(*) FROM digest_parts WHERE digest_id = ? AND "
                              "sent_at IS NULL", (digest_id,)).fetchone()[0]
            if not left:
                db.execute("UPDATE digests SET sent_at = ? WHERE id = ?", (now, digest_id))
            story_ids = db.execute("SELECT story_ids FROM digests WHERE id = ?",
                                   (digest_id,)).fetchone()[0]
            db.execute("INSERT OR REPLACE INTO sent_messages VALUES (?, ?, ?, ?)",
                       (chat_id, message_id, story_ids, now))

    def unsent_digests(self) -> list[UnsentDigest]:
        """The digests with parts still to send, to subscribed chats."""
        rows = self.db.execute(
            "SELECT d.id, d.chat_id, d.kind, d.digest_date FROM digests d JOIN chats c "
            "ON c.chat_id = d.chat_id WHERE d.sent_at IS NULL AND d.abandoned_at IS NULL "
            "AND c.subscribed = 1 ORDER BY d.id")
        return [UnsentDigest(r[0], r[1], r[2], r[3]) for r in rows]

    def drop_digest(self, digest_id: int) -> None:
        """A digest that can no longer be delivered (chat gone, day over)."""
        with self.transaction() as db:
            db.execute("UPDATE digests SET abandoned_at = ? WHERE id = ?",
                       (iso(utcnow()), digest_id))

    def sent_parts(self, chat_id: int) -> list[SentPart]:
        """The parts already sent to a chat: what tests and audits read."""
        rows = self.db.execute(
            "SELECT p.digest_id, p.part, p.message_id FROM digest_parts p JOIN digests d ON "
            "d.id = p.digest_id WHERE d.chat_id = ? AND p.sent_at IS NOT NULL "
            "ORDER BY p.digest_id, p.part", (chat_id,))
        return [SentPart(r[0], r[1], r[2]) for r in rows]
