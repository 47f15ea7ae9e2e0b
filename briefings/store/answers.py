"""Answer index rows: each sentence's answer terms, the stems of their words, and the index's
meta data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from itertools import starmap

from .connection import Connection, from_iso, iso, select_in
from .rows import AnswerIndexRow, AnswerState, TermsNeeded


class Answers(Connection):
    _WINDOW = "(a.ingested_at >= ? OR a.published_at >= ?)"

    def answer_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM answer_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_answer_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO answer_meta VALUES (?, ?)", (key, value))

    def reset_answer_terms(self, signature: str) -> None:
        """Forget every sentence's answer terms: they were made by other rules."""
        with self.transaction() as db:
            db.execute("DELETE FROM answer_terms")
            db.execute("DELETE FROM answer_stems")
            db.execute("INSERT OR REPLACE INTO answer_meta VALUES ('terms', ?)", (signature,))

    def answer_state(self) -> AnswerState:
        """The largest sentence id and translation seq: what the answer index has seen."""
        sid = self.db.execute("SELECT MAX(id) FROM sentences").fetchone()[0]
        seq = self.db.execute("SELECT MAX(translated_seq) FROM sentences "  # the partial index
                              "WHERE translated_seq IS NOT NULL").fetchone()[0]
        return AnswerState(int(sid or 0), int(seq or 0))

    def sentences_needing_terms(self, since: datetime) -> list[TermsNeeded]:
        """The window's sentences without answer terms, or whose English is newer than
        their English terms."""
        rows = self.db.execute(
            "SELECT s.id, s.text_src, s.text_en, a.language, COALESCE(s.translated_seq, 0), "
            "t.src, COALESCE(t.flags, 0) FROM sentences s JOIN articles a ON a.id = s.article_id "
            "LEFT JOIN answer_terms t ON t.sentence_id = s.id "
            f"WHERE {self._WINDOW} AND (t.sentence_id IS NULL "
            "OR (s.text_en IS NOT NULL AND t.en IS NULL) "
            "OR COALESCE(s.translated_seq, 0) > COALESCE(t.en_seq, 0)) ORDER BY s.id",
            (iso(since), iso(since)))
        return [TermsNeeded(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def save_answer_terms(self, rows: Sequence[tuple[int, str | None, str | None, int, int]],
                          stems: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """(sentence id, source terms, English terms, their translation seq, flags), and the
        stems of their words by language."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO answer_terms VALUES (?, ?, ?, ?, ?)", rows)
            for language, pairs in (stems or {}).items():
                db.executemany("INSERT OR IGNORE INTO answer_stems VALUES (?, ?, ?)",
                               ((language, w, s) for w, s in pairs.items()))

    def answer_stems(self, language: str, words: Sequence[str]) -> dict[str, str]:
        """The stored stems of those words that have one."""
        return {r[0]: r[1] for r in select_in(
            self.db, "SELECT word, stem FROM answer_stems WHERE language = ? AND word IN ({in})",
            words, language)}

    def answer_index_rows(self, since: datetime, after_id: int = 0, after_seq: int = 0
                          ) -> Iterator[AnswerIndexRow]:
        """The answer terms of the window's sentences that have them, by sentence id; only
        those added after ``after_id`` or translated after ``after_seq`` when given."""
        cur = self.db.execute(
            "SELECT s.id, s.article_id, s.position, t.src, t.en, t.flags FROM sentences s "
            "JOIN articles a ON a.id = s.article_id "
            f"JOIN answer_terms t ON t.sentence_id = s.id WHERE {self._WINDOW} "
            "AND (s.id > ? OR COALESCE(s.translated_seq, 0) > ?) ORDER BY s.id",
            (iso(since), iso(since), after_id, after_seq))
        cur.row_factory = None  # no sqlite3.Row: this reads every sentence of the window
        yield from starmap(AnswerIndexRow, cur)

    def article_times(self, since: datetime) -> dict[int, datetime]:
        """Article id -> the later of its ingest and publication time, for the window."""
        rows = self.db.execute(
            f"SELECT a.id, a.ingested_at, a.published_at FROM articles a WHERE {self._WINDOW}",
            (iso(since), iso(since)))
        return {r[0]: max(d for d in (from_iso(r[1]), from_iso(r[2])) if d is not None)
                for r in rows}
