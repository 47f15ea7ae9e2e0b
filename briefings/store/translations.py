"""Translations: sentences waiting for one, the cache by engine and source hash, and claims
that let concurrent runs share the work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path

from ..clock import utcnow
from .connection import Connection, iso, select_in
from .rows import PendingSentence


class Translations(Connection):
    def pending_sentences(self, ids: Iterable[int] | None = None) -> list[PendingSentence]:
        """The pending sentences among the given ones, or all, by article and position
        (within each chunk of ids)."""
        sql = "SELECT id, src_hash, text_src FROM sentences WHERE status = 'pending' "
        order = "ORDER BY article_id, position"
        rows = self.db.execute(sql + order) if ids is None else \
            select_in(self.db, sql + "AND id IN ({in}) " + order, list(ids))
        return [PendingSentence(r[0], r[1], r[2]) for r in rows]

    def pending_count(self) -> int:
        return int(self.db.execute(
            "SELECT COUNT(*) FROM sentences WHERE status = 'pending'").fetchone()[0])

    def cached_translations(self, engine: str, hashes: Iterable[str]) -> dict[str, str]:
        return {r[0]: r[1] for r in select_in(
            self.db, "SELECT src_hash, text_en FROM translations WHERE engine = ? "
            "AND src_hash IN ({in})", list(set(hashes)), engine)}

    def save_translations(self, engine: str, new: dict[str, str],
                          done: Sequence[tuple[int, str]]) -> None:
        """Cache new translations and mark sentences translated, in one transaction."""
        now = iso(utcnow())
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
                           [(engine, h, t, now) for h, t in new.items()])
            seq = db.execute("SELECT COALESCE(MAX(translated_seq), 0) + 1 FROM sentences "
                             "WHERE translated_seq IS NOT NULL").fetchone()[0]
            db.executemany("UPDATE sentences SET text_en = ?, status = 'translated', "
                           "translated_seq = ? WHERE id = ? AND status = 'pending'",
                           [(text, seq, sid) for sid, text in done])
            db.executemany("DELETE FROM translation_claims WHERE engine = ? AND src_hash = ?",
                           [(engine, h) for h in new])

    def claim_translations(self, engine: str, hashes: Sequence[str], ttl: timedelta
                           ) -> tuple[dict[str, str], list[str]]:
        """For a chunk about to be translated, in one transaction: the translations another
        run finished meanwhile, and the hashes now claimed by this run for ``ttl`` (those
        claimed by a live other run are in neither: it is translating them)."""
        now = utcnow()
        with self.transaction() as db:
            db.execute("DELETE FROM translation_claims WHERE claimed_until < ?", (iso(now),))
            done = {r[0]: r[1] for r in select_in(
                db, "SELECT src_hash, text_en FROM translations WHERE engine = ? "
                "AND src_hash IN ({in})", hashes, engine)}
            taken = {r[0] for r in select_in(
                db, "SELECT src_hash FROM translation_claims WHERE engine = ? "
                "AND src_hash IN ({in})", hashes, engine)}
            mine = [h for h in hashes if h not in done and h not in taken]
            db.executemany("INSERT INTO translation_claims VALUES (?, ?, ?)",
                           [(engine, h, iso(now + ttl)) for h in mine])
        return done, mine

    def import_translations(self, other: Path) -> int:
        """Copy another database's translation cache into this one (warm a new store)."""
        self.db.execute("ATTACH DATABASE ? AS other", (str(other),))
        try:
            with self.transaction() as db:
                cur = db.execute("INSERT OR IGNORE INTO translations SELECT * FROM "
                                 "other.translations")
                return cur.rowcount
        finally:
            self.db.execute("DETACH DATABASE other")
