"""Outlet boilerplate learned at ingest: recent articles' samples and the patterns learned from
them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from ..clock import utcnow
from .connection import Connection, iso
from .rows import LearnedPattern


class Outlets(Connection):
    def outlet_samples(self, outlet: str, limit: int) -> list[list[str]]:
        """The samples of the outlet's ``limit`` newest articles."""
        rows = self.db.execute("SELECT keys FROM outlet_samples WHERE outlet = ? "
                               "ORDER BY article_id DESC LIMIT ?", (outlet, limit))
        return [json.loads(r[0]) for r in rows]

    def save_outlet_samples(self, samples: Sequence[tuple[int, str, Iterable[str]]],
                            learned: Mapping[str, tuple[int, Sequence[tuple[str, str]]]],
                            window: int) -> None:
        """New articles' samples (article id, outlet, keys); each outlet's older samples beyond
        ``window``; and what was learned per outlet (articles, (kind, pattern)s) replaces what
        was learned before. One transaction."""
        now = iso(utcnow())
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO outlet_samples VALUES (?, ?, ?)",
                           [(a, o, json.dumps(sorted(k), ensure_ascii=False))
                            for a, o, k in samples])
            for outlet in {o for _, o, _ in samples}:
                db.execute("DELETE FROM outlet_samples WHERE outlet = ? AND article_id NOT IN "
                           "(SELECT article_id FROM outlet_samples WHERE outlet = ? "
                           "ORDER BY article_id DESC LIMIT ?)", (outlet, outlet, window))
            for outlet, (articles, patterns) in learned.items():
                db.execute("DELETE FROM outlet_boilerplate WHERE outlet = ?", (outlet,))
                db.executemany("INSERT OR IGNORE INTO outlet_boilerplate VALUES (?, ?, ?, ?, ?)",
                               [(outlet, k, p, articles, now) for k, p in patterns])

    def outlet_boilerplate(self) -> dict[str, list[LearnedPattern]]:
        """outlet -> the patterns learned for it."""
        out: dict[str, list[LearnedPattern]] = {}
        for r in self.db.execute("SELECT outlet, kind, pattern FROM outlet_boilerplate "
                                 "ORDER BY outlet, kind, pattern"):
            out.setdefault(r[0], []).append(LearnedPattern(r[1], r[2]))
        return out
