"""Sources: each source's health, pages that failed to fetch, and the URLs a stored article is
known by (its own and its aliases)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from ..clock import utcnow
from .connection import Connection, from_iso, iso, select_in
from .rows import SourceRow, UrlFailure

URL_FAILURES_KEPT = timedelta(days=30)  # feeds drop their entries long before this


class Sources(Connection):
    def source_id(self, name: str, kind: str, location: str) -> int:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources (name, kind, location) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
                "location = excluded.location",
                (name, kind, location),
            )
            return int(db.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()[0])

    def record_fetch(self, name: str, error: str | None, added: int = 0,
                     problems: Sequence[str] = (), skipped: int | None = None) -> None:
        """A run of a source: its error (None = read), new articles, its report lines (the
        last is kept) and how many items it skipped (all the lines', when not given)."""
        now = iso(utcnow())
        skipped = len(problems) if skipped is None else skipped
        last_problem = problems[-1] if problems else None
        with self.transaction() as db:
            if error is None:
                db.execute("UPDATE sources SET last_fetch_at = ?, last_ok_at = ?, "
                           "last_error = NULL, articles_added = articles_added + ?, "
                           "items_skipped = ?, last_problem = ? WHERE name = ?",
                           (now, now, added, skipped, last_problem, name))
            else:
                db.execute("UPDATE sources SET last_fetch_at = ?, last_error = ?, "
                           "articles_added = articles_added + ?, items_skipped = ?, "
                           "last_problem = ? WHERE name = ?",
                           (now, error, added, skipped, last_problem, name))

    def sources_health(self) -> list[SourceRow]:
        return [SourceRow(name=r["name"], kind=r["kind"], location=r["location"],
                             last_fetch_at=r["last_fetch_at"], last_ok_at=r["last_ok_at"],
                             last_error=r["last_error"], articles_added=r["articles_added"],
                             items_skipped=r["items_skipped"], last_problem=r["last_problem"])
                for r in self.db.execute("SELECT * FROM sources ORDER BY name")]

    @staticmethod
    def _url_failure(row: sqlite3.Row) -> UrlFailure:
        return UrlFailure(url=row["url"], failures=row["failures"], last_error=row["last_error"],
                          last_failed_at=datetime.fromisoformat(row["last_failed_at"]),
                          next_try_at=from_iso(row["next_try_at"]))

    def url_failure(self, url: str) -> UrlFailure | None:
        row = self.db.execute("SELECT * FROM url_failures WHERE url = ?", (url,)).fetchone()
        return None if row is None else self._url_failure(row)

    def record_url_failure(self, url: str, error: str,
                           delay: Callable[[int], timedelta | None],
                           now: datetime | None = None) -> UrlFailure:
        """One more failure of ``url``; ``delay(failures)`` is the wait before the next try
        (None: give up). Records older than URL_FAILURES_KEPT are dropped meanwhile."""
        now = now or utcnow()
        with self.transaction() as db:
            db.execute("DELETE FROM url_failures WHERE last_failed_at < ?",
                       (iso(now - URL_FAILURES_KEPT),))
            row = db.execute("SELECT failures FROM url_failures WHERE url = ?",
                             (url,)).fetchone()
            failures = (row[0] if row else 0) + 1
            wait = delay(failures)
            db.execute(
                "INSERT INTO url_failures VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE "
                "SET failures = excluded.failures, last_error = excluded.last_error, "
                "last_failed_at = excluded.last_failed_at, next_try_at = excluded.next_try_at",
                (url, failures, error, iso(now), iso(now), iso(now + wait) if wait else None))
            found = db.execute("SELECT * FROM url_failures WHERE url = ?", (url,)).fetchone()
        return self._url_failure(found)

    def clear_url_failure(self, url: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM url_failures WHERE url = ?", (url,))

    def has_url(self, url: str) -> bool:
        """True when ``url`` is a stored article's URL, or another URL of one (an alias), or
        one forgotten as old (``store.keep_days``)."""
        row = self.db.execute("SELECT 1 FROM articles WHERE url = ? UNION ALL "
                              "SELECT 1 FROM url_aliases WHERE url = ? UNION ALL "
                              "SELECT 1 FROM forgotten WHERE url = ?", (url, url, url)
                              ).fetchone()
        return row is not None

    def resolve_urls(self, urls: Iterable[str]) -> dict[str, int]:
        """URL -> id of the stored article it names: its own URL, or an alias recorded when
        its outlet's same text came under that URL. URLs that name no article are left out."""
        return {r[0]: int(r[1]) for r in select_in(
            self.db, "SELECT url, id FROM articles WHERE url IN ({in}) UNION ALL "
            "SELECT url, article_id FROM url_aliases WHERE url IN ({in})",
            list(dict.fromkeys(urls)))}
