"""Forgetting old news (``store.keep_days``): articles older than that are removed with
all that hangs on them (sentences, answer terms, story memberships, aliases), stories left
without an article, and digests and sent messages as old. Each removed article leaves its
link(s) and the hash of its text in ``forgotten``, so a feed or folder that still lists it
does not store it again as new (``Content.add_article``, ``Sources.has_url``): by its link,
or, for a text without one (a folder's file), by its outlet and hash. The same outlet's
text under a new link is stored: an outlet publishing it again months later is news again.

The newest article, story and digest always stay, even when old: SQLite gives a new row
the largest id plus one, and an id used again would be taken for the old one (a chat's
digest starts after the last article id it read; the answer index adds sentences by id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..clock import utcnow
from .connection import Connection, iso


@dataclass(frozen=True)
class Forgot:
    articles: int
    stories: int
    digests: int


class Retention(Connection):
    def forget_before(self, cutoff: datetime) -> Forgot:
        """Remove what was stored before ``cutoff``, in one transaction."""
        when, now = iso(cutoff), iso(utcnow())
        with self.transaction() as db:
            old = ("SELECT id FROM articles WHERE ingested_at < ? AND id < "
                   "(SELECT MAX(id) FROM articles)")
            db.execute("INSERT INTO forgotten (url, content_hash, outlet, forgotten_at) "
                       f"SELECT url, content_hash, ifnull(outlet, ''), ? FROM articles "
                       f"WHERE id IN ({old})", (now, when))
            db.execute("INSERT INTO forgotten (url, content_hash, outlet, forgotten_at) "
                       "SELECT u.url, a.content_hash, ifnull(a.outlet, ''), ? FROM url_aliases u "
                       f"JOIN articles a ON a.id = u.article_id WHERE a.id IN ({old})",
                       (now, when))
            articles = db.execute(f"DELETE FROM articles WHERE id IN ({old})",
                                  (when,)).rowcount
            stories = db.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM "
                                 "story_articles) AND id < (SELECT MAX(id) FROM stories)"
                                 ).rowcount
            digests = db.execute("DELETE FROM digests WHERE created_at < ? AND "
                                 "(sent_at IS NOT NULL OR abandoned_at IS NOT NULL) AND "
                                 "id < (SELECT MAX(id) FROM digests)", (when,)).rowcount
            db.execute("DELETE FROM sent_messages WHERE sent_at < ?", (when,))
        return Forgot(articles, stories, digests)
