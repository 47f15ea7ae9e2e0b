"""Content: articles and their sentences, as ingest stores them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from ..clock import utcnow
from ..models import Article, CleanArticle, Sentence
from ..text import sentence_hash
from .connection import Connection, from_iso, iso, select_in


class Content(Connection):
    def add_article(self, source_id: int, art: CleanArticle) -> int | None:
        """Store an article and its sentences at once; None when it is a duplicate: its URL is
        stored (or is an alias), or its outlet already has the same text; then a new URL is
        recorded as an alias of the stored copy. An identical text from another outlet is
        stored: it is that outlet's report of the story."""
        with self.transaction() as db:
            if art.url is not None and db.execute(
                    "SELECT 1 FROM articles WHERE url = ? UNION ALL "
                    "SELECT 1 FROM url_aliases WHERE url = ? UNION ALL "
                    "SELECT 1 FROM forgotten WHERE url = ?",
                    (art.url, art.url, art.url)).fetchone():
                return None  # stored, or forgotten as old (``store.keep_days``)
            # A forgotten text without a link is known by its outlet and hash; under a new
            # link it is the outlet publishing it again, months later: news again.
            if not art.url and db.execute(
                    "SELECT 1 FROM forgotten WHERE content_hash = ? AND outlet = ?",
                    (art.content_hash, art.outlet or "")).fetchone():
                return None
            dup = db.execute(
                "SELECT id FROM articles WHERE content_hash = ? AND ifnull(outlet, '') = ?",
                (art.content_hash, art.outlet or ""),
            ).fetchone()
            if dup:
                if art.url is not None:
                    db.execute("INSERT INTO url_aliases (url, article_id) VALUES (?, ?)",
                               (art.url, dup[0]))
                return None
            cur = db.execute(
                "INSERT INTO articles (source_id, location, url, content_hash, outlet, headline, "
                "byline, dateline, language, published_at, ingested_at, truncated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (source_id, art.location, art.url, art.content_hash, art.outlet, art.headline,
                 art.byline, art.dateline, art.language, iso(art.published), iso(utcnow()),
                 int(art.truncated)),
            )
            article_id = int(cur.lastrowid or 0)
            original = art.language != "ar"
            db.executemany(
                "INSERT INTO sentences (article_id, position, text_src, src_hash, text_en, status) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(article_id, pos, s, sentence_hash(s), s if original else None,
                  "original" if original else "pending")
                 for pos, s in enumerate((art.headline, *art.sentences))],
            )
            return article_id

    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        return Article(
            id=row["id"], source=row["source"], location=row["location"], url=row["url"],
            outlet=row["outlet"], headline=row["headline"], language=row["language"],
            ingested_at=from_iso(row["ingested_at"]) or utcnow(), byline=row["byline"],
            dateline=row["dateline"], published=from_iso(row["published_at"]),
        )

    _ARTICLE_SELECT = ("SELECT a.*, s.name AS source FROM articles a "
                       "JOIN sources s ON s.id = a.source_id ")

    def articles(self, ids: Iterable[int]) -> list[Article]:
        rows = select_in(self.db, self._ARTICLE_SELECT + "WHERE a.id IN ({in})",
                         list(dict.fromkeys(ids)))
        return sorted(map(self._article, rows), key=lambda a: a.id)

    def articles_since(self, since: datetime, sources: Sequence[str] | None = None
                       ) -> list[Article]:
        sql = self._ARTICLE_SELECT + "WHERE (a.ingested_at >= ? OR a.published_at >= ?)"
        args: list[object] = [iso(since), iso(since)]
        if sources is not None:
            sql += f" AND s.name IN ({','.join('?' * len(sources))})"
            args += list(sources)
        return [self._article(r) for r in self.db.execute(sql + " ORDER BY a.id", args)]

    def article_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    @staticmethod
    def _sentence(row: sqlite3.Row) -> Sentence:
        return Sentence(id=row["id"], article_id=row["article_id"], position=row["position"],
                        text_src=row["text_src"], text_en=row["text_en"], status=row["status"])

    def sentences(self, article_ids: Iterable[int]) -> dict[int, list[Sentence]]:
        ids = list(article_ids)
        out: dict[int, list[Sentence]] = {i: [] for i in ids}
        for r in select_in(self.db, "SELECT * FROM sentences WHERE article_id IN ({in}) "
                           "ORDER BY article_id, position", ids):
            out[r["article_id"]].append(self._sentence(r))
        return out

    def sentences_by_id(self, ids: Iterable[int]) -> dict[int, Sentence]:
        return {r["id"]: self._sentence(r) for r in select_in(
            self.db, "SELECT * FROM sentences WHERE id IN ({in})", list(ids))}

    def with_text(self, article_ids: Iterable[int]) -> set[int]:
        """Those of the articles that have text beyond their headline (not briefs)."""
        return {r[0] for r in select_in(
            self.db, "SELECT article_id FROM sentences WHERE position = 1 AND "
            "article_id IN ({in})", list(article_ids))}

    def headline_en(self, article_id: int) -> str | None:
        row = self.db.execute("SELECT text_en FROM sentences WHERE article_id = ? AND "
                              "position = 0", (article_id,)).fetchone()
        return row[0] if row else None

    def counts(self, since: datetime) -> dict[str, int]:
        one = self.db.execute
        return {
            "articles": int(one("SELECT COUNT(*) FROM articles").fetchone()[0]),
            "articles_since": int(one("SELECT COUNT(*) FROM articles WHERE ingested_at >= ?",
                                      (iso(since),)).fetchone()[0]),
            "pending": int(one("SELECT COUNT(*) FROM sentences WHERE status = 'pending'"
                               ).fetchone()[0]),
            "translated": int(one("SELECT COUNT(*) FROM sentences WHERE status = 'translated'"
                                  ).fetchone()[0]),
            "subscribed": int(one("SELECT COUNT(*) FROM chats WHERE subscribed = 1"
                                  ).fetchone()[0]),
        }
