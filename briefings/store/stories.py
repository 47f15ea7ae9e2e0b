"""Stories: articles' grouping terms, their assignment to stories, and the latest stories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from ..clock import utcnow
from .connection import Connection, iso, select_in
from .rows import LatestStoryRow


class Stories(Connection):
    def unassigned_articles(self, article_ids: Iterable[int]) -> list[int]:
        ids = list(article_ids)
        assigned = {r[0] for r in select_in(
            self.db, "SELECT article_id FROM story_articles WHERE article_id IN ({in})", ids)}
        return [i for i in ids if i not in assigned]

    def article_terms(self, article_ids: Iterable[int]) -> dict[int, list[str] | None]:
        return {r[0]: r[1].split() if r[1] is not None else None for r in select_in(
            self.db, "SELECT id, terms FROM articles WHERE id IN ({in})", list(article_ids))}

    def save_terms(self, terms: dict[int, list[str]]) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE articles SET terms = ? WHERE id = ?",
                           [(" ".join(t), i) for i, t in terms.items()])

    def story_members_since(self, since: datetime) -> dict[int, int]:
        """article id -> story id, for stories updated since ``since``."""
        rows = self.db.execute(
            "SELECT sa.article_id, sa.story_id FROM story_articles sa "
            "JOIN stories st ON st.id = sa.story_id WHERE st.updated_at >= ?", (iso(since),))
        return {r[0]: r[1] for r in rows}

    def assign_stories(self, assignments: Sequence[tuple[int, int | None, float]]
                       ) -> dict[int, int]:
        """(article, story or None for a new story, similarity) -> article -> story id."""
        now = iso(utcnow())
        result: dict[int, int] = {}
        new_for: dict[int, int] = {}  # placeholder story key (negative) -> real id
        with self.transaction() as db:
            for article_id, story_id, sim in assignments:
                if story_id is None or story_id < 0:
                    key = story_id if story_id is not None else -article_id
                    if key not in new_for:
                        cur = db.execute("INSERT INTO stories (created_at, updated_at) "
                                         "VALUES (?, ?)", (now, now))
                        new_for[key] = int(cur.lastrowid or 0)
                    story_id = new_for[key]
                else:
                    db.execute("UPDATE stories SET updated_at = ? WHERE id = ?", (now, story_id))
                db.execute("INSERT OR IGNORE INTO story_articles VALUES (?, ?, ?)",
                           (article_id, story_id, sim))
                result[article_id] = story_id
        return result

    def story_articles(self, story_ids: Iterable[int]) -> dict[int, list[int]]:
        ids = list(story_ids)
        out: dict[int, list[int]] = {i: [] for i in ids}
        for r in select_in(self.db, "SELECT story_id, article_id FROM story_articles "
                           "WHERE story_id IN ({in}) ORDER BY article_id", ids):
            out[r[0]].append(r[1])
        return out

    def stories_of(self, article_ids: Iterable[int]) -> dict[int, int]:
        return {r[0]: r[1] for r in select_in(
            self.db, "SELECT article_id, story_id FROM story_articles WHERE article_id IN ({in})",
            list(article_ids))}

    def latest_stories(self, limit: int) -> list[LatestStoryRow]:
        """The stories with the newest articles, newest first."""
        rows = self.db.execute(
            "SELECT sa.story_id, COUNT(*), MAX(a.ingested_at) FROM story_articles sa "
            "JOIN articles a ON a.id = sa.article_id GROUP BY sa.story_id "
            "ORDER BY MAX(a.ingested_at) DESC, sa.story_id DESC LIMIT ?", (limit,))
        return [LatestStoryRow(r[0], r[1], r[2]) for r in rows]

    def story_exists(self, story_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM stories WHERE id = ?",
                               (story_id,)).fetchone() is not None
